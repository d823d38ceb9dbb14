import { Command, Option } from 'clipanion';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { RestoreResult, VERSION, readDaemonLock, isDaemonProcess } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { CliError } from '../cli-error.ts';
import { daemonCommand, pingDaemon } from '../daemon-start.ts';
import { formatBytes } from '../progress.ts';

export class RestoreCommand extends ZeblitCommand {
  static override paths = [['restore']];
  static override json = '`{archive, kind: full|database, home, created_at, zeblit_version, schema: {current, migrations}, files, bytes, previous}`';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: 'Restore a backup into this home ($ZEBLIT_HOME); the daemon must be stopped',
    details: `
      Works on the home of this machine (\`$ZEBLIT_HOME\`, default \`~/.zeblit\`), never through the API: a restore replaces the database under the daemon, so stop it first (\`zeblit daemon stop\`). Every file is checked against the backup's manifest (size and sha256) and the database with SQLite's integrity_check before anything in the home changes. A home that already has data is replaced only with \`--force\`, and what it had is moved to \`$ZEBLIT_HOME/backups/before-restore-…\`, not deleted.

      Takes files made by \`zeblit backup\` and the automatic database backups the daemon makes before a migration (\`$ZEBLIT_HOME/backups/zeblit-auto-….tar.gz\`).
    `,
    examples: [
      ['Into a new home', 'ZEBLIT_HOME=~/.zeblit-restored $0 restore ~/zeblit-backup.tar.gz'],
      ['Over the current home', '$0 daemon stop && $0 restore ~/zeblit-backup.tar.gz --force'],
    ],
  });

  file = Option.String({ name: 'file' });
  force = Option.Boolean('--force', false, { description: 'Replace a home that has data (it is moved aside, not deleted)' });

  async run(): Promise<number> {
    const files = this.files;
    const health = await pingDaemon(files).catch(() => undefined);
    const lock = readDaemonLock(files.lock);
    const pid = health?.pid ?? (lock?.pid !== undefined && isDaemonProcess(lock.pid) ? lock.pid : undefined);
    if (health || pid !== undefined)
      throw new CliError('DAEMON_RUNNING', `zeblitd is running for ${files.home}${pid ? ` (pid ${pid})` : ''}; nothing was restored`, {
        suggestion: `Stop it first: zeblit daemon stop; then: zeblit restore ${this.file}${this.force ? ' --force' : ''}`,
      });
    const { command, args } = daemonCommand(['restore', resolve(this.file), '--json', ...(this.force ? ['--force'] : [])]);
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((res, rej) => {
      const child = spawn(command, args, { env: { ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
      child.once('error', rej);
      child.once('exit', (code) => res({ code, stdout, stderr }));
    });
    let answer: { success: boolean; data?: unknown; error?: { code: string; message: string; suggestion?: string } };
    try {
      answer = JSON.parse(out.stdout.trim().split('\n').pop() ?? '') as typeof answer;
    } catch {
      throw new CliError('RESTORE_FAILED', `The restore did not answer (exit ${out.code}): ${out.stderr.trim() || out.stdout.trim()}`);
    }
    if (!answer.success) throw new CliError(answer.error?.code ?? 'RESTORE_FAILED', answer.error?.message ?? 'The restore failed', { suggestion: answer.error?.suggestion });
    const r = RestoreResult.parse(answer.data);
    this.emit(r, () =>
      [
        `Restored ${r.kind === 'full' ? 'a full backup' : 'a database backup'} of ${new Date(r.created_at).toISOString()} (zeblit ${r.zeblit_version}) into ${r.home}: ${r.files} files, ${formatBytes(r.bytes)}`,
        r.previous ? `What the home had is in ${r.previous} (delete it when you are sure)` : '',
        `Start the daemon: zeblit daemon start${r.zeblit_version !== VERSION ? ' (a database from another version is migrated after an automatic backup)' : ''}`,
      ]
        .filter(Boolean)
        .map((l) => `${l}\n`)
        .join(''),
    );
    return 0;
  }
}
