/**
 * One daemon per ZEBLIT_HOME. The lock is a file created with O_EXCL holding
 * the owner's pid. A lock whose pid is dead (a kill -9) is stale and is taken
 * over, so a crash never leaves the home stuck; a live pid means "running".
 */
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { isDaemonProcess, readDaemonLock } from '../src/contracts/index.ts';


export interface LockInfo {
  pid: number;
  socket: string;
  port: number | null;
  bind: string;
  started_at: number;
  version: string;
}

export class AlreadyRunningError extends Error {
  constructor(readonly info: Partial<LockInfo>) {
    super(`zeblitd is already running for this home (pid ${info.pid ?? '?'}, socket ${info.socket ?? '?'})`);
  }
}

export interface Lock {
  update(info: Partial<LockInfo>): void;
  release(): void;
}

export function acquireLock(file: string, info: LockInfo, onStale: (pid: number | undefined) => void = () => {}): Lock {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      writeFileSync(file, JSON.stringify(info), { flag: 'wx', mode: 0o600 });
      return makeLock(file, info);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const held = readDaemonLock(file);
    if (held === null) continue; // vanished meanwhile: try again
    if (held.pid === undefined) {
      // Being written by a daemon starting right now; give it a moment.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      const again = readDaemonLock(file);
      if (again?.pid !== undefined && isDaemonProcess(again.pid)) throw new AlreadyRunningError(again);
      if (again?.pid === undefined && attempt < 4) continue;
    } else if (held.pid !== process.pid && isDaemonProcess(held.pid)) {
      throw new AlreadyRunningError(held);
    }
    onStale(held.pid);
    try {
      unlinkSync(file);
    } catch {
      // someone else removed it first; loop and race fairly with O_EXCL
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

function makeLock(file: string, initial: LockInfo): Lock {
  let current = initial;
  let released = false;
  return {
    update(patch) {
      if (released) return;
      current = { ...current, ...patch };
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(current), { mode: 0o600 });
      renameSync(tmp, file);
    },
    release() {
      if (released) return;
      released = true;
      const held = readDaemonLock(file);
      if (held?.pid === process.pid) unlinkSync(file);
    },
  };
}
