/** The end of a growing log file, and following it as `tail -F` does (truncation and rotation included). */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';

const CHUNK = 64 * 1024;

function readRange(file: string, start: number, end: number): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(end - start);
    let off = 0;
    while (off < buf.length) {
      const n = readSync(fd, buf, off, buf.length - off, start + off);
      if (n === 0) break;
      off += n;
    }
    return buf.subarray(0, off).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/**
 * The last `n` complete lines, and the offset just after them (a line still
 * being written is left for `follow`). Reads backwards in chunks.
 */
export function lastLines(file: string, n: number): { lines: string[]; end: number } {
  if (!existsSync(file)) return { lines: [], end: 0 };
  const size = statSync(file).size;
  let start = size;
  let text = '';
  while (start > 0 && text.split('\n').length <= n + 1) {
    const from = Math.max(0, start - CHUNK);
    text = readRange(file, from, start) + text;
    start = from;
  }
  const cut = text.lastIndexOf('\n');
  const complete = cut < 0 ? '' : text.slice(0, cut);
  const end = size - Buffer.byteLength(text.slice(cut + 1));
  const lines = complete === '' ? [] : complete.split('\n').filter((l) => l !== '');
  return { lines: n <= 0 ? [] : lines.slice(-n), end };
}

export interface FollowOptions {
  from: number;
  onLine: (line: string) => void;
  signal: AbortSignal;
  pollMs?: number;
}

/** Calls onLine for each new line until the signal aborts. A shrunk file was rotated or truncated: start over at 0. */
export async function follow(file: string, opts: FollowOptions): Promise<void> {
  const pollMs = opts.pollMs ?? 250;
  let offset = opts.from;
  let partial = '';
  let identity = existsSync(file) ? statSync(file).ino : -1;
  while (!opts.signal.aborted) {
    if (existsSync(file)) {
      const st = statSync(file);
      if (st.ino !== identity || st.size < offset) {
        identity = st.ino;
        offset = 0;
        partial = '';
      }
      if (st.size > offset) {
        const text = partial + readRange(file, offset, st.size);
        offset = st.size;
        const lines = text.split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line !== '') opts.onLine(line);
      }
    }
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        opts.signal.removeEventListener('abort', onAbort);
        resolve();
      }, pollMs);
      opts.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
