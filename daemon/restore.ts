/**
 * `zeblitd restore <file> [--force] [--json]`: a backup into this home, which
 * must be stopped. Invariant: the restore holds the home's lock from start to
 * end, so no daemon can start on a half-restored home, and a running daemon
 * makes it refuse before anything is read.
 */
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { VERSION, ZeblitError, zeblitPaths, type RestoreResult } from '../src/contracts/index.ts';
import { restoreHome } from '../src/backup/index.ts';
import { AlreadyRunningError, acquireLock } from './lock.ts';

export const RESTORE_HELP = `Usage: zeblitd restore <backup.tar.gz> [--force] [--json] [--home <dir>]

Restores a backup made by \`zeblit backup\` (or one of $ZEBLIT_HOME/backups) into
this home. The daemon must be stopped (\`zeblit daemon stop\`). Every file is
checked against the backup's manifest, and the database with integrity_check,
before the home changes. A home that has data is replaced only with --force;
what it had is moved to $ZEBLIT_HOME/backups/before-restore-…, not deleted.`;

export interface RestoreIo {
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export function describeRestore(r: RestoreResult): string {
  const mib = (r.bytes / (1 << 20)).toFixed(1);
  const lines = [
    `Restored ${r.kind === 'full' ? 'a full backup' : 'a database backup'} of ${new Date(r.created_at).toISOString()} (zeblit ${r.zeblit_version}) into ${r.home}: ${r.files} files, ${mib} MiB; database at ${r.schema.current ?? 'no migration'}.`,
    r.previous ? `What the home had is in ${r.previous} (delete it when you are sure).` : '',
    `Start the daemon: zeblit daemon start${r.zeblit_version !== VERSION ? ` (it migrates a database from an older version after backing it up)` : ''}.`,
  ];
  return `${lines.filter(Boolean).join('\n')}\n`;
}

export async function runRestore(argv: string[], io: RestoreIo): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { force: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, home: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } } }));
  } catch (e) {
    io.stderr.write(`zeblitd restore: ${(e as Error).message}\n${RESTORE_HELP}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(`${RESTORE_HELP}\n`);
    return 0;
  }
  const archive = positionals[0];
  if (!archive || positionals.length > 1) {
    io.stderr.write(`zeblitd restore: give exactly one backup file\n${RESTORE_HELP}\n`);
    return 2;
  }
  const paths = zeblitPaths(values.home ? { ...io.env, ZEBLIT_HOME: values.home } : io.env);
  const fail = (code: string, message: string, suggestion?: string) => {
    if (values.json) io.stdout.write(`${JSON.stringify({ success: false, error: { code, message, suggestion } })}\n`);
    else io.stderr.write(`zeblitd restore: ${message}\n${suggestion ? `${suggestion}\n` : ''}`);
    return 1;
  };
  let lock;
  try {
    lock = acquireLock(paths.lock, { pid: process.pid, socket: paths.socket, port: null, bind: 'restore', started_at: Date.now(), version: VERSION });
  } catch (e) {
    if (e instanceof AlreadyRunningError)
      return fail('DAEMON_RUNNING', `zeblitd is running for ${paths.home} (pid ${e.info.pid ?? '?'}); restoring under it would corrupt the home, so nothing was restored`, 'Stop it first: zeblit daemon stop; then restore again.');
    throw e;
  }
  try {
    const result = await restoreHome({ home: paths.home, archive: resolve(archive), force: values.force, backupsDir: paths.backups });
    io.stdout.write(values.json ? `${JSON.stringify({ success: true, data: result })}\n` : describeRestore(result));
    return 0;
  } catch (e) {
    if (e instanceof ZeblitError) return fail(e.code, e.message, e.suggestion);
    return fail('INTERNAL', `the restore failed: ${(e as Error).message}`);
  } finally {
    lock.release();
  }
}
