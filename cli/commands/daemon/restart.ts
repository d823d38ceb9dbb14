import { Command, Option } from 'clipanion';
import { VERSION } from '../../../src/contracts/version.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { pingDaemon, startDaemon } from '../../daemon-start.ts';
import { stopDaemon } from '../../daemon-stop.ts';
import { isInt } from '../../validators.ts';

export class DaemonRestartCommand extends ZeblitCommand {
  static override paths = [['daemon', 'restart']];
  static override json = '`{previous, version, stopped: not-running|stopped|killed, pid}` (previous: null when no daemon ran)';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: "Restart zeblitd with this zeblit's own version",
    details: `
      Stops the daemon of this \`$ZEBLIT_HOME\` gracefully (as \`zeblit daemon stop\`) and starts the daemon program that came with this CLI. After an upgrade this is how the new version takes over: it migrates the database (after backing it up) as it starts. Starts it when it was not running.
    `,
    examples: [
      ['After installing a new version', '$0 daemon restart'],
    ],
  });

  timeout = Option.String('--timeout', { description: 'Seconds to wait for the old daemon to stop before SIGKILL (default 15)', validator: isInt(1, 3600) });

  async run(): Promise<number> {
    const files = this.files;
    const before = await pingDaemon(files).catch(() => undefined);
    const seconds = this.timeout ?? 15;
    const stopped = await stopDaemon({
      paths: files,
      timeoutMs: seconds * 1000,
      onTerm: (pid) => this.err(`Stopping zeblitd${before ? ` ${before.version}` : ''} (pid ${pid})… `),
      onKill: () => this.err(`still running after ${seconds} s; sending SIGKILL… `),
    });
    if (stopped.state !== 'not-running') this.err(`${stopped.state} (${(stopped.ms / 1000).toFixed(1)} s)\n`);
    // Its own bundle, not whatever the old one was started from: that is the point of a restart after an upgrade.
    const state = await startDaemon({ env: this.env, paths: files, stderr: this.context.stderr, timeoutMs: 60_000 });
    const after = state.health.version;
    this.emit({ previous: before?.version ?? null, version: after, stopped: stopped.state, pid: state.pid ?? null }, (r) => {
      if (r.previous === null) return `zeblitd ${r.version} started (it was not running)\n`;
      return r.previous === r.version ? `zeblitd ${r.version} restarted\n` : `zeblitd restarted: ${r.previous} → ${r.version}\n`;
    });
    if (after !== VERSION) this.err(`Note: the daemon reports ${after}, this zeblit is ${VERSION}: another daemon program answered (check how zeblitd is installed).\n`);
    return 0;
  }
}
