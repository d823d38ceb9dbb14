// The hand-written reader that busboy (src/api/multipart.ts) replaced, kept unchanged
// (but for import paths) only as the baseline of scripts/bench/parsers.ts. Not used by Zeblit.
/**
 * A streaming multipart/form-data reader (RFC 7578): parts are yielded as
 * they arrive and each part's body is an async iterable of chunks, read
 * straight from the request, so a 1 GiB upload never sits in memory. Hono's
 * parseBody() buffers whole bodies, which is why this exists. A part's body
 * must be consumed (or is skipped) before the next part is read.
 */
import { ZeblitError } from '../../../src/contracts/index.ts';

export interface Part {
  name: string | null;
  filename: string | null;
  contentType: string | null;
  body: AsyncIterable<Uint8Array>;
}

const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

const malformed = (why: string) => new ZeblitError('BAD_REQUEST', `Malformed multipart body: ${why}`, { suggestion: 'Send multipart/form-data with one file part (curl -F file=@path).' });

/** The boundary of a multipart Content-Type, or null when it is not multipart/form-data. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\b/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const b = m?.[1] ?? m?.[2];
  if (!b || b.length > 200) throw malformed('no boundary in Content-Type');
  return b;
}

function param(header: string, key: string): string | null {
  // filename*=UTF-8''… (RFC 5987) wins over filename="…".
  const ext = new RegExp(`;\\s*${key}\\*=(?:UTF-8|utf-8)''([^;]+)`).exec(header);
  if (ext?.[1]) {
    try {
      return decodeURIComponent(ext[1]);
    } catch {
      return null;
    }
  }
  const m = new RegExp(`;\\s*${key}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]+))`, 'i').exec(header);
  const v = m?.[1] ?? m?.[2];
  return v === undefined ? null : v.replace(/\\(.)/g, '$1');
}

export async function* multipartParts(source: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<Part> {
  const it = source[Symbol.asyncIterator]();
  let buf: Buffer = Buffer.alloc(0);
  const more = async (): Promise<boolean> => {
    const r = await it.next();
    if (r.done) return false;
    const chunk = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
    return true;
  };
  const need = async (n: number) => {
    while (buf.length < n) if (!(await more())) throw malformed('the body ended early');
  };
  const dash = Buffer.from(`--${boundary}`);
  const delim = Buffer.from(`\r\n--${boundary}`);

  // Preamble: up to the first boundary.
  for (;;) {
    const i = buf.indexOf(dash);
    if (i >= 0) {
      buf = buf.subarray(i + dash.length);
      break;
    }
    if (buf.length > dash.length) buf = buf.subarray(buf.length - dash.length);
    if (!(await more())) throw malformed('no boundary found');
  }
  for (;;) {
    await need(2);
    if (buf[0] === 0x2d && buf[1] === 0x2d) return; // "--": the closing boundary
    // Transport padding may follow a boundary before its CRLF.
    let eol = buf.indexOf(CRLF);
    while (eol < 0) {
      if (buf.length > 1024) throw malformed('boundary line too long');
      if (!(await more())) throw malformed('the body ended early');
      eol = buf.indexOf(CRLF);
    }
    buf = buf.subarray(eol + 2);
    let end = buf.indexOf(HEADER_END);
    while (end < 0) {
      if (buf.length > MAX_HEADER_BYTES) throw malformed('part headers too large');
      if (!(await more())) throw malformed('the body ended inside part headers');
      end = buf.indexOf(HEADER_END);
    }
    const headers = new Map<string, string>();
    for (const line of buf.subarray(0, end).toString('utf8').split('\r\n')) {
      const c = line.indexOf(':');
      if (c > 0) headers.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
    }
    buf = buf.subarray(end + 4);
    const disposition = headers.get('content-disposition') ?? '';
    let finished = false;
    const body = async function* (): AsyncGenerator<Uint8Array> {
      for (;;) {
        const i = buf.indexOf(delim);
        if (i >= 0) {
          const out = buf.subarray(0, i);
          buf = buf.subarray(i + delim.length);
          finished = true;
          if (out.length > 0) yield out;
          return;
        }
        // Keep a tail that may be the start of the delimiter.
        const safe = buf.length - (delim.length - 1);
        if (safe > 0) {
          const out = buf.subarray(0, safe);
          buf = buf.subarray(safe);
          yield out;
        }
        if (!(await more())) throw malformed('the body ended before the closing boundary (upload aborted?)');
      }
    };
    const iter = body();
    yield { name: param(disposition, 'name'), filename: param(disposition, 'filename'), contentType: headers.get('content-type') ?? null, body: iter };
    // Skip what the consumer did not read.
    if (!finished) for await (const _ of iter) void _;
  }
}

/** Collects a small text part (form fields), refusing large ones. */
export async function textOf(body: AsyncIterable<Uint8Array>, max = 64 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    n += c.byteLength;
    if (n > max) throw malformed('a form field is too large');
    parts.push(Buffer.from(c));
  }
  return Buffer.concat(parts).toString('utf8');
}
