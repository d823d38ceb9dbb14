import type { Duplex, Readable } from 'node:stream';
import type Docker from 'dockerode';
import type { EngineExec } from '../engine.ts';

type StreamName = 'stdout' | 'stderr';

/**
 * Splits Docker's multiplexed attach format (8-byte header: stream, 0, 0, 0,
 * length uint32 BE) into stdout and stderr chunks, across arbitrary reads.
 */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly emit: (stream: StreamName, chunk: Buffer) => void) {}

  push(chunk: Buffer): void {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      const type = buf[0];
      const payload = buf.subarray(8, 8 + size);
      if (size > 0) this.emit(type === 2 ? 'stderr' : 'stdout', payload);
      buf = buf.subarray(8 + size);
    }
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
  }
}

/** Docker log lines with `timestamps: true`: "2024-05-01T10:00:00.123456789Z text". */
export function splitLogLine(stream: StreamName, line: string): { stream: StreamName; text: string; at: number | null } {
  const space = line.indexOf(' ');
  const ts = space > 0 ? Date.parse(line.slice(0, space)) : Number.NaN;
  return Number.isNaN(ts) ? { stream, text: line, at: null } : { stream, text: line.slice(space + 1), at: ts };
}

/** Gathers complete lines per stream from demuxed chunks. */
export function lineSplitter(onLine: (stream: StreamName, line: string) => void) {
  const partial: Record<StreamName, string> = { stdout: '', stderr: '' };
  return {
    push(stream: StreamName, chunk: Buffer) {
      const text = partial[stream] + chunk.toString('utf8');
      const lines = text.split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const l of lines) onLine(stream, l);
    },
    flush() {
      for (const s of ['stdout', 'stderr'] as const) {
        if (partial[s]) onLine(s, partial[s]);
        partial[s] = '';
      }
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A started `docker exec` as an EngineExec: output demuxed, exit code read once the output ends. */
export function wrapExec(exec: Docker.Exec, stream: Duplex | Readable): EngineExec {
  const listeners: ((s: StreamName, c: Buffer) => void)[] = [];
  const early: [StreamName, Buffer][] = [];
  const demux = new Demuxer((s, c) => {
    if (listeners.length === 0) early.push([s, c]);
    for (const l of listeners) l(s, c);
  });
  stream.on('data', (c: Buffer) => demux.push(c));
  const finished = new Promise<number | null>((resolve) => {
    let done = false;
    const finish = async () => {
      if (done) return;
      done = true;
      // The exec may still read as running for a moment after its output closed.
      for (let i = 0; i < 20; i++) {
        try {
          const info = await exec.inspect();
          if (!info.Running) return resolve(typeof info.ExitCode === 'number' ? info.ExitCode : null);
        } catch {
          return resolve(null);
        }
        await sleep(i < 5 ? 2 : 20);
      }
      resolve(null);
    };
    stream.on('end', () => void finish());
    stream.on('close', () => void finish());
    stream.on('error', () => void finish());
  });
  const writable = 'write' in stream ? (stream as Duplex) : null;
  return {
    write(data) {
      if (writable && !writable.writableEnded && !writable.destroyed) writable.write(data);
    },
    end() {
      if (writable && !writable.writableEnded && !writable.destroyed) writable.end();
    },
    onOutput(fn) {
      listeners.push(fn);
      for (const [s, c] of early.splice(0)) fn(s, c);
    },
    finished,
    pause: () => void stream.pause(),
    resume: () => void stream.resume(),
    destroy: () => void stream.destroy(),
  };
}
