import { Command, Option } from 'clipanion';
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ZeblitCommand } from '../../base-command.ts';
import { CliError } from '../../cli-error.ts';
import { daemonCommand, isSingleExecutable, pingDaemon } from '../../daemon-start.ts';
import { stopDaemon } from '../../daemon-stop.ts';
import { installService, runCommand, serviceEnv, type Runner, type ServiceContext } from '../../service/index.ts';

export function serviceContext(env: Record<string, string | undefined>, run: Runner = runCommand): ServiceContext {
  const me = userInfo();
  return { platform: process.platform, env, userHome: env.HOME || homedir(), user: env.USER || me.username, uid: me.uid, run };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class DaemonInstallCommand extends ZeblitCommand {
  static override paths = [['daemon', 'install']];
  static override json = '`{kind: systemd|launchd, file, enabled, notes, pid, command, home}` (pid: null until it answers)';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: 'Run zeblitd as a service of your user: a systemd user unit (Linux) or a launchd agent (macOS)',
    details: `
      Writes \`~/.config/systemd/user/zeblitd.service\` (Linux) or \`~/Library/LaunchAgents/dev.zeblit.zeblitd.plist\` (macOS) that runs the daemon program installed with this CLI (node and the absolute path of zeblitd.js, or the single executable) for this \`$ZEBLIT_HOME\`, with \`ZEBLIT_*\`, \`DOCKER_*\` and \`PATH\` from your environment (never keys: configure providers with \`zeblit config\`). It restarts after a crash, not after \`zeblit daemon stop\`. Then enables and starts it; a daemon the CLI had started for this home is stopped first.

      On Linux the service runs while you are logged in; \`sudo loginctl enable-linger $USER\` keeps it running without a session and starts it at boot (you are told when that is not set). Where systemctl --user does not answer (no user instance, e.g. in a container), the unit is written and you are told how to enable it (exit code 1).

      After upgrading zeblit or moving node, run it again with \`--force\`.
    `,
    examples: [
      ['Install and start the service', '$0 daemon install'],
      ['Only write the unit file', '$0 daemon install --no-enable'],
    ],
  });

  force = Option.Boolean('--force', false, { description: 'Rewrite an existing service file' });
  enable = Option.Boolean('--enable', true, { description: 'Enable and start it (--no-enable: only write the file)' });

  async run(): Promise<number> {
    const files = this.files;
    const run = daemonCommand([]);
    if (!isSingleExecutable() && !existsSync(run.args[0] ?? ''))
      throw new CliError('DAEMON_NOT_FOUND', `Cannot find the daemon program at ${run.args[0]}`, { suggestion: 'Build it with `node build.mjs` (or install zeblit with npm).' });
    const ctx = serviceContext(this.env);
    const spec = { command: [run.command, ...run.args], env: serviceEnv(this.env, files.home), home: files.home, outLog: join(files.logs, 'zeblitd.out') };
    const result = await installService(ctx, spec, {
      enable: this.enable,
      force: this.force,
      beforeStart: async () => {
        const stopped = await stopDaemon({ paths: files, timeoutMs: 15_000 });
        if (stopped.state !== 'not-running') this.err(`Stopped the zeblitd the CLI had started (pid ${stopped.pid}): the service runs it from now on.\n`);
      },
    });
    let pid: number | null = null;
    if (result.enabled) {
      for (let i = 0; i < 150 && pid === null; i++) {
        pid = (await pingDaemon(files, 1_000).catch(() => undefined))?.pid ?? null;
        if (pid === null) await sleep(100);
      }
    }
    const manager = result.kind === 'systemd' ? 'a systemd user service' : 'a launchd agent';
    this.emit({ ...result, pid, command: spec.command, home: files.home }, (r) =>
      [
        `${r.enabled ? 'Installed and started' : 'Wrote'} zeblitd as ${manager}: ${r.file}`,
        `  runs  ${r.command.join(' ')}`,
        `  home  ${r.home}`,
        r.enabled ? (pid !== null ? `  pid   ${pid}` : '  It has not answered yet: see zeblit daemon status, and journalctl --user -u zeblitd') : '',
        ...r.notes.map((n) => `${n}`),
      ]
        .filter(Boolean)
        .map((l) => `${l}\n`)
        .join(''),
    );
    return this.enable && !result.enabled ? 1 : 0;
  }
}
