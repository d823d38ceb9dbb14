import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { readDaemonLock } from '../../../src/contracts/lock.ts';
import { pingDaemon, startDaemon } from '../../daemon-start.ts';
import { isInt } from '../../validators.ts';

export class DaemonStartCommand extends ZeblitCommand {
  static override paths = [['daemon', 'start']];
  static override json = '`{started, health: Health, lock}`';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: 'Start zeblitd in the background',
    details: `
      Starts the daemon of this \`$ZEBLIT_HOME\` (default \`~/.zeblit\`) detached from the terminal, with its output in \`$ZEBLIT_HOME/logs/zeblitd.out\`, and waits until it answers on its socket. Says so when one is already running.

      Other commands start the daemon themselves when it is not running (unless \`--no-start\`), so this is rarely needed.
    `,
    examples: [
      ['Start the daemon', '$0 daemon start'],
      ['Start a daemon for a separate home', 'ZEBLIT_HOME=/tmp/zb $0 daemon start'],
    ],
  });

  timeout = Option.String('--timeout', { description: 'Seconds to wait for it to be ready (default 10)', validator: isInt(1, 600) });

  async run(): Promise<number> {
    const files = this.files;
    const running = await pingDaemon(files);
    if (running) {
      const lock = readDaemonLock(files.lock);
      this.emit({ started: false, health: running, lock }, () => `zeblitd is already running (pid ${running.pid ?? lock?.pid ?? '?'}, socket ${files.socket})\n`);
      return 0;
    }
    const state = await startDaemon({ env: this.env, paths: files, stderr: this.context.stderr, timeoutMs: (this.timeout ?? 10) * 1000 });
    const lock = readDaemonLock(files.lock);
    this.emit({ started: state.started, health: state.health, lock }, () => {
      const http = lock?.port ? `, http://${lock.bind ?? '127.0.0.1'}:${lock.port}` : '';
      return `zeblitd ${state.health.version} is listening on ${files.socket}${http}\n`;
    });
    return 0;
  }
}
