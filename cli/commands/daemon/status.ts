import { Command } from 'clipanion';
import { existsSync } from 'node:fs';
import { ZeblitApiError } from '../../../src/client/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { isAlive, readDaemonLock } from '../../../src/contracts/lock.ts';
import { pingDaemon } from '../../daemon-start.ts';
import { formatDuration, formatTime } from '../../format.ts';
import { formatDetails } from '../../table.ts';
import { serviceStatus, type ServiceStatus } from '../../service/index.ts';
import { serviceContext } from './install.ts';

export class DaemonStatusCommand extends ZeblitCommand {
  static override paths = [['daemon', 'status']];
  static override json = '`{running, health: Health | null, error, lock, socket, log, service}` (service: `{kind: systemd|launchd, file, installed, home, enabled, active}`, or null where there is no service manager)';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: 'Show whether zeblitd is running, with its health and lock',
    details: `
      Asks the daemon of this \`$ZEBLIT_HOME\` for its health over the socket and reads its lock file, and says how it is run: as a systemd user service or launchd agent (\`zeblit daemon install\`), or started by zeblit/zeblitd. Never starts it. Exits 0 when it is running and 1 when it is not.
    `,
    examples: [
      ['Is the daemon up?', '$0 daemon status'],
      ['The same for scripts', '$0 daemon status --json'],
    ],
  });

  async run(): Promise<number> {
    const files = this.files;
    // A daemon that answers with an error is running, just not well: say so rather than fail.
    const { health, problem } = await pingDaemon(files).then(
      (h) => ({ health: h, problem: null }),
      (e: unknown) => {
        if (!(e instanceof ZeblitApiError)) throw e;
        return { health: undefined, problem: `[${e.code}] ${e.message}` };
      },
    );
    const lock = readDaemonLock(files.lock);
    const running = health !== undefined || problem !== null;
    const stale = !running && lock?.pid !== undefined && !isAlive(lock.pid);
    const service = serviceStatus(serviceContext(this.env));
    const how = describeService(service, files.home, running);
    this.emit({ running, health: health ?? null, error: problem, lock, socket: files.socket, log: files.daemonLog, service }, () => {
      if (problem !== null) return `zeblitd is running (pid ${lock?.pid ?? '?'}) but its health check fails: ${problem}\nSee: zeblit daemon logs\n`;
      if (!health) {
        const note = stale ? ` (stale lock of pid ${lock?.pid}; the next start cleans it up)` : lock?.pid ? ` (pid ${lock.pid} holds the lock but does not answer)` : '';
        return `zeblitd is not running${note}\nSocket   ${files.socket}${existsSync(files.socket) ? '' : ' (absent)'}\nService  ${how}\n`;
      }
      return `zeblitd is running\n${formatDetails([
        ['PID', health.pid ?? lock?.pid],
        ['Version', health.version],
        ['Status', health.status],
        ['Uptime', formatDuration(health.uptime_seconds)],
        ['Database', health.database.ok ? 'ok' : 'NOT OK'],
        ['Socket', files.socket],
        ['HTTP', lock?.port ? `http://${lock.bind ?? '127.0.0.1'}:${lock.port}` : undefined],
        ['Home', health.home ?? files.home],
        ['Run by', how],
        ['Started', lock?.started_at ? formatTime(lock.started_at) : undefined],
        ['Log', files.daemonLog],
      ])}`;
    });
    return health ? 0 : 1;
  }
}

/** How the daemon of `home` is run, in words. */
export function describeService(s: ServiceStatus | null, home: string, running: boolean): string {
  const manual = running ? 'zeblit or zeblitd (no service; `zeblit daemon install` makes one)' : 'no service installed (`zeblit daemon install`)';
  if (!s?.installed) return manual;
  const what = s.kind === 'systemd' ? 'systemd user service' : 'launchd agent';
  if (s.home !== home) return `${manual}; the ${what} ${s.file} runs another home (${s.home ?? '?'})`;
  const state = [s.enabled, s.active].filter((x) => x !== null).join(', ');
  return `${what} ${s.file}${state ? ` (${state})` : ' (the service manager does not answer here)'}`;
}
