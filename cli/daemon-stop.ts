/**
 * Stopping the local daemon: SIGTERM to its pid (from /health, else from the
 * lock), wait until it is gone and its socket with it, and SIGKILL it after
 * the deadline. The daemon's own shutdown is bounded (10 s by default), so the
 * default deadline here leaves it room to finish.
 */
import { existsSync } from 'node:fs';
import type { ZeblitPaths } from '../src/contracts/paths.ts';
import { isAlive, isDaemonProcess, readDaemonLock } from '../src/contracts/lock.ts';
import { pingDaemon } from './daemon-start.ts';

export type StopResult = { state: 'not-running' } | { state: 'stopped'; pid: number; ms: number } | { state: 'killed'; pid: number; ms: number };

export interface StopOptions {
  paths: ZeblitPaths;
  timeoutMs?: number;
  pollMs?: number;
  /** Called once SIGTERM is about to be sent. */
  onTerm?: (pid: number) => void;
  /** Called once when the deadline passes and SIGKILL is sent. */
  onKill?: (pid: number) => void;
  kill?: (pid: number, signal: NodeJS.Signals) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function findDaemonPid(paths: ZeblitPaths): Promise<number | undefined> {
  const health = await pingDaemon(paths).catch(() => undefined);
  if (health?.pid !== undefined && isAlive(health.pid)) return health.pid;
  const lock = readDaemonLock(paths.lock);
  return lock?.pid !== undefined && isDaemonProcess(lock.pid) ? lock.pid : undefined;
}

export async function stopDaemon(opts: StopOptions): Promise<StopResult> {
  const { paths } = opts;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const pollMs = opts.pollMs ?? 100;
  const kill = opts.kill ?? ((pid: number, signal: NodeJS.Signals) => void process.kill(pid, signal));
  const pid = await findDaemonPid(paths);
  if (pid === undefined) return { state: 'not-running' };

  const started = Date.now();
  const gone = () => !isAlive(pid) || (!existsSync(paths.socket) && readDaemonLock(paths.lock)?.pid !== pid);
  opts.onTerm?.(pid);
  try {
    kill(pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return { state: 'stopped', pid, ms: 0 };
    throw e;
  }
  while (Date.now() - started < timeoutMs) {
    if (gone()) return { state: 'stopped', pid, ms: Date.now() - started };
    await sleep(pollMs);
  }
  opts.onKill?.(pid);
  try {
    kill(pid, 'SIGKILL');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
  const killDeadline = Date.now() + 3_000;
  while (isAlive(pid) && Date.now() < killDeadline) await sleep(pollMs);
  return { state: 'killed', pid, ms: Date.now() - started };
}
