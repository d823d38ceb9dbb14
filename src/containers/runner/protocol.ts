/**
 * The runner's wire format (see runner.pl): type (1 byte), id (uint32 BE),
 * length (uint32 BE), payload. Both directions use it.
 */
export const HEADER_BYTES = 9;
export const PROTOCOL_VERSION = '2';
/** The most payload a runner frame carries (the runner reads output 64 KiB at a time); anything longer is a broken channel. */
export const MAX_PAYLOAD = 65_536;

export type InType = 'S' | 'I' | 'C' | 'K' | 'P' | 'U' | 'H';
export type OutType = 'R' | 'O' | 'E' | 'X' | 'F' | 'k' | 'h';
const OUT_TYPES: ReadonlySet<string> = new Set<OutType>(['R', 'O', 'E', 'X', 'F', 'k', 'h']);

export interface Frame {
  type: string;
  id: number;
  payload: Buffer;
}

/** The byte stream is not the runner's protocol: the channel that carries it cannot be trusted any more. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export function encodeFrame(type: InType, id: number, payload: Buffer | string = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.allocUnsafe(HEADER_BYTES);
  head.write(type, 0, 1, 'latin1');
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(body.length, 5);
  return Buffer.concat([head, body]);
}

/**
 * Collects the runner's frames across arbitrary chunk boundaries. Defensive,
 * because its input is the one byte stream a container process could try to
 * reach: a header is checked as soon as its 9 bytes are in (known type, length
 * at most MAX_PAYLOAD), so no announced length makes it wait for or buffer more
 * than one legal frame; chunks are queued, not concatenated on every push, so
 * each byte is copied at most once (O(n), however the stream is cut up). After
 * a ProtocolError the decoder refuses everything: the channel is to be closed.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = [];
  private head = 0;
  private buffered = 0;
  private header: { type: string; id: number; length: number } | null = null;
  private broken: ProtocolError | null = null;

  constructor(private readonly maxPayload = MAX_PAYLOAD) {}

  /** Calls onFrame for every complete frame; throws ProtocolError on bytes that cannot be the runner's. */
  push(chunk: Buffer, onFrame: (f: Frame) => void): void {
    if (this.broken) throw this.broken;
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (!this.header) {
        if (this.buffered < HEADER_BYTES) return;
        const head = this.take(HEADER_BYTES);
        const type = String.fromCharCode(head[0] ?? 0);
        const length = head.readUInt32BE(5);
        if (!OUT_TYPES.has(type)) throw this.fail(`unknown frame type 0x${(head[0] ?? 0).toString(16).padStart(2, '0')}`);
        if (length > this.maxPayload) throw this.fail(`a frame of ${length} bytes (at most ${this.maxPayload} are allowed)`);
        this.header = { type, id: head.readUInt32BE(1), length };
      }
      if (this.buffered < this.header.length) return;
      const { type, id, length } = this.header;
      this.header = null;
      onFrame({ type, id, payload: this.take(length) });
    }
  }

  /** The first n buffered bytes (a view when one chunk holds them, else one copy). */
  private take(n: number): Buffer {
    this.buffered -= n;
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[this.head] as Buffer;
    if (first.length >= n) {
      this.consume(first, n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const c = this.chunks[this.head] as Buffer;
      const k = Math.min(c.length, n - at);
      c.copy(out, at, 0, k);
      at += k;
      this.consume(c, k);
    }
    return out;
  }

  /** Drops k bytes of the head chunk. The queue is an array with a moving head (shift() would make it O(n²)). */
  private consume(c: Buffer, k: number): void {
    if (k < c.length) {
      this.chunks[this.head] = c.subarray(k);
      return;
    }
    this.head++;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks.splice(0, this.head);
      this.head = 0;
    }
  }

  private fail(message: string): ProtocolError {
    this.broken = new ProtocolError(message);
    this.chunks.length = 0;
    this.head = 0;
    this.buffered = 0;
    return this.broken;
  }
}

export interface SpawnRequest {
  argv: string[];
  env: Record<string, string>;
  cwd: string;
  /** Every process of the command inherits ZEBLIT_RUN_TAG=tag; kills find stragglers by it. */
  tag: string;
  stdin: boolean;
}

/** flags \0 tag \0 cwd \0 argc \0 argv… \0 KEY=VALUE… */
export function spawnPayload(r: SpawnRequest): Buffer {
  const fields = [r.stdin ? 'i' : '', r.tag, r.cwd, String(r.argv.length), ...r.argv, ...Object.entries(r.env).map(([k, v]) => `${k}=${v}`)];
  for (const f of fields) if (f.includes('\0')) throw new Error('arguments and environment may not contain NUL');
  return Buffer.from(fields.join('\0'), 'utf8');
}

/** "code signal oom" of an X frame; null when it is not one. */
export function parseExit(payload: Buffer): { code: number; signal: number | null; oom: boolean } | null {
  const m = /^(\d{1,3}) (\d{1,2}) ([01])$/.exec(payload.toString('latin1'));
  if (!m) return null;
  const signal = Number(m[2]);
  return { code: Number(m[1]), signal: signal > 0 ? signal : null, oom: m[3] === '1' };
}

/** The runner's greeting: "zeblit-runner <protocol> <pid> dumpable=<0|1>". */
export function parseGreeting(payload: Buffer): { version: string; pid: number; dumpable: boolean } | null {
  const m = /^zeblit-runner (\S+) (\d+)(?: dumpable=([01]))?$/.exec(payload.toString('latin1'));
  if (!m) return null;
  return { version: m[1] ?? '', pid: Number(m[2]), dumpable: m[3] !== '0' };
}
