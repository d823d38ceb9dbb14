/**
 * The daemon's lock file ($ZEBLIT_HOME/zeblitd.lock) is a contract between the
 * daemon, which writes it, and the CLI, which reads it to find the pid to
 * signal and to tell a starting daemon from a dead one: both read it through
 * here. A pid may be reused after a crash, so on Linux the command line
 * confirms that the pid is still a zeblitd.
 */
import { existsSync, readFileSync } from 'node:fs';

export interface DaemonLock {
  pid?: number;
  socket?: string;
  port?: number | null;
  bind?: string;
  started_at?: number;
  version?: string;
}

/** null when there is no lock; {} when it exists but cannot be read (being written). */
export function readDaemonLock(file: string): DaemonLock | null {
  if (!existsSync(file)) return null;
  try {
    const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof raw !== 'object' || raw === null) return {};
    const r = raw as Record<string, unknown>;
    const lock: DaemonLock = {};
    if (typeof r.pid === 'number') lock.pid = r.pid;
    if (typeof r.socket === 'string') lock.socket = r.socket;
    if (typeof r.port === 'number' || r.port === null) lock.port = r.port;
    if (typeof r.bind === 'string') lock.bind = r.bind;
    if (typeof r.started_at === 'number') lock.started_at = r.started_at;
    if (typeof r.version === 'string') lock.version = r.version;
    return lock;
  } catch {
    return existsSync(file) ? {} : null;
  }
}

export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Alive, and (where /proc tells) running the daemon program rather than a stranger that got the pid. */
export function isDaemonProcess(pid: number): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /zeblitd|daemon\/main/.test(cmd);
  } catch {
    return true; // no /proc (macOS): trust the pid
  }
}
