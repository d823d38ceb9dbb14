/**
 * Test helpers for the runner and its channel: runner.pl under the host's perl
 * (any Linux with perl-base), an in-memory runner that says what a test
 * wants, and the runner's side of the framing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { EngineExec } from '../engine.ts';
import { HEADER_BYTES } from './protocol.ts';
import { runnerScript } from './script.ts';

export const hasPerl = spawnSync('perl', ['-e', '1']).status === 0;

/** A frame as the runner writes it (encodeFrame writes the daemon's). */
export function runnerFrame(type: string, id: number, payload: Buffer | string = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const head = Buffer.alloc(HEADER_BYTES);
  head.write(type, 0, 1, 'latin1');
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(body.length, 5);
  return Buffer.concat([head, body]);
}

export type LocalExec = EngineExec & { child: ChildProcess };

/** A process on this machine behind the EngineExec interface: by default the runner under the host's perl. */
export function localExec(cmd: string[] = ['perl', '-e', runnerScript()]): LocalExec {
  const cp = spawn(cmd[0] ?? 'perl', cmd.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
  const fns: ((s: 'stdout' | 'stderr', c: Buffer) => void)[] = [];
  cp.stdout.on('data', (c: Buffer) => fns.forEach((f) => f('stdout', c)));
  cp.stderr.on('data', (c: Buffer) => fns.forEach((f) => f('stderr', c)));
  cp.stdin.on('error', () => {});
  return {
    child: cp,
    write: (d) => void cp.stdin.write(d),
    end: () => cp.stdin.end(),
    onOutput: (f) => void fns.push(f),
    finished: new Promise((r) => {
      cp.on('exit', (code) => r(code));
      cp.on('error', () => r(null));
    }),
    pause: () => void cp.stdout.pause(),
    resume: () => void cp.stdout.resume(),
    destroy: () => void cp.kill('SIGKILL'),
  };
}

/** An in-memory runner: what the daemon writes is collected, what the test feeds is what the daemon reads. */
export interface FakeRunner {
  exec: EngineExec;
  /** Bytes as if the runner wrote them to its stdout. */
  feed(chunk: Buffer): void;
  /** Frames the daemon sent: type and id. */
  sent(): { type: string; id: number }[];
  readonly destroyed: boolean;
}

export function fakeRunner(): FakeRunner {
  const fns: ((s: 'stdout' | 'stderr', c: Buffer) => void)[] = [];
  const written: Buffer[] = [];
  let end!: (code: number | null) => void;
  let destroyed = false;
  const exec: EngineExec = {
    write: (d) => void written.push(d),
    end: () => {},
    onOutput: (f) => void fns.push(f),
    finished: new Promise((r) => (end = r)),
    pause: () => {},
    resume: () => {},
    destroy: () => {
      destroyed = true;
      end(null);
    },
  };
  return {
    exec,
    feed: (chunk) => fns.forEach((f) => f('stdout', chunk)),
    sent: () => {
      const all = Buffer.concat(written);
      const out: { type: string; id: number }[] = [];
      for (let at = 0; at + HEADER_BYTES <= all.length; at += HEADER_BYTES + all.readUInt32BE(at + 5)) out.push({ type: String.fromCharCode(all[at] ?? 0), id: all.readUInt32BE(at + 1) });
      return out;
    },
    get destroyed() {
      return destroyed;
    },
  };
}

/** Pids of this machine's live (not zombie) processes that carry ZEBLIT_RUN_TAG=tag. */
export function taggedProcesses(tag: string): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z' && readFileSync(`/proc/${p}/environ`, 'utf8').split('\0').includes(`ZEBLIT_RUN_TAG=${tag}`);
      } catch {
        return false;
      }
    });
}
