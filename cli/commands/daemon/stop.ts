import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { stopDaemon } from '../../daemon-stop.ts';
import { isInt } from '../../validators.ts';

export class DaemonStopCommand extends ZeblitCommand {
  static override paths = [['daemon', 'stop']];
  static override json = '`{state: not-running|stopped|killed, pid, ms}`';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: 'Stop zeblitd gracefully',
    details: `
      Sends SIGTERM to the daemon of this \`$ZEBLIT_HOME\` and waits until it has finished its requests, closed the database and removed its socket. If it is still there after the timeout, it is killed (SIGKILL) and you are told so.
    `,
    examples: [
      ['Stop the daemon', '$0 daemon stop'],
      ['Give it one minute before killing it', '$0 daemon stop --timeout 60'],
    ],
  });

  timeout = Option.String('--timeout', { description: 'Seconds to wait before SIGKILL (default 15)', validator: isInt(1, 3600) });

  async run(): Promise<number> {
    const seconds = this.timeout ?? 15;
    const result = await stopDaemon({
      paths: this.files,
      timeoutMs: seconds * 1000,
      onTerm: (pid) => this.err(`Stopping zeblitd (pid ${pid})… `),
      onKill: () => this.err(`still running after ${seconds} s; sending SIGKILL… `),
    });
    if (result.state !== 'not-running') this.err(`${result.state} (${(result.ms / 1000).toFixed(1)} s)\n`);
    this.emit(result, (r) => (r.state === 'not-running' ? 'zeblitd is not running\n' : ''));
    return 0;
  }
}
