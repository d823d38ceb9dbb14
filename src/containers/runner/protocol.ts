/**
 * The runner's wire format (see runner.pl): type (1 byte), id (uint32 BE),
 * length (uint32 BE), payload. Both directions use it.
 */
export const HEADER_BYTES = 9;
export const PROTOCOL_VERSION = '1';

export type InType = 'S' | 'I' | 'C' | 'K' | 'P' | 'U' | 'H';
export type OutType = 'R' | 'O' | 'E' | 'X' | 'F' | 'k' | 'h';

export interface Frame {
  type: string;
  id: number;
  payload: Buffer;
}

export function encodeFrame(type: InType, id: number, payload: Buffer | string = ''): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.allocUnsafe(HEADER_BYTES);
  head.write(type, 0, 1, 'latin1');
  head.writeUInt32BE(id, 1);
  head.writeUInt32BE(body.length, 5);
  return Buffer.concat([head, body]);
}

/** Collects frames across arbitrary chunk boundaries. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onFrame: (f: Frame) => void): void {
    let buf = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    while (buf.length >= HEADER_BYTES) {
      const len = buf.readUInt32BE(5);
      if (buf.length < HEADER_BYTES + len) break;
      onFrame({ type: String.fromCharCode(buf[0] ?? 0), id: buf.readUInt32BE(1), payload: buf.subarray(HEADER_BYTES, HEADER_BYTES + len) });
      buf = buf.subarray(HEADER_BYTES + len);
    }
    this.buf = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
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

/** "code signal oom" of an X frame. */
export function parseExit(payload: Buffer): { code: number; signal: number | null; oom: boolean } {
  const [code, signal, oom] = payload.toString('latin1').split(' ').map((n) => Number.parseInt(n, 10));
  return { code: Number.isFinite(code) ? (code as number) : -1, signal: signal ? signal : null, oom: oom === 1 };
}
