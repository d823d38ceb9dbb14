/**
 * Raw HTTP for the proofs: any method, path, headers and body bytes (also
 * ones a well-behaved client would never send), over the Unix socket or TCP.
 * Streamed answers (SSE, NDJSON, downloads) are read up to a cap and then cut,
 * so a proof never waits on a stream that is meant to go on.
 */
import { request, type IncomingHttpHeaders } from 'node:http';

export interface SendOptions {
  socket?: string;
  port?: number;
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** JSON body (sets content-type unless given). */
  json?: unknown;
  /** Raw body bytes. */
  body?: Buffer | string;
  /** Give up after this long (default 30 s). */
  timeoutMs?: number;
  /** Read at most this many bytes of the answer (default 4 MiB). */
  maxBytes?: number;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The body parsed as JSON, or null. */
  json: unknown;
  /** The answer was cut (a stream, or over maxBytes). */
  cut: boolean;
  ms: number;
}

const STREAMS = /text\/event-stream|application\/x-ndjson|application\/octet-stream|application\/gzip|application\/zip|application\/x-tar/;

export function send(o: SendOptions): Promise<Answer> {
  const t0 = performance.now();
  const payload = o.json !== undefined ? Buffer.from(JSON.stringify(o.json)) : o.body === undefined ? undefined : Buffer.from(o.body);
  const headers: Record<string, string> = { host: o.socket ? 'localhost' : `127.0.0.1:${o.port}`, ...o.headers };
  if (o.json !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  if (payload && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(payload.length);
  const max = o.maxBytes ?? 4 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: o.socket, host: o.socket ? undefined : '127.0.0.1', port: o.socket ? undefined : o.port, method: o.method, path: o.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let cut = false;
      let finished = false;
      const stream = STREAMS.test(String(res.headers['content-type'] ?? ''));
      const done = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        const body = Buffer.concat(chunks);
        let json: unknown = null;
        if (!cut && /json/.test(String(res.headers['content-type'] ?? ''))) {
          try {
            json = JSON.parse(body.toString('utf8'));
          } catch {
            json = null;
          }
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json, cut, ms: performance.now() - t0 });
      };
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        if (size > max || (stream && size > 64 * 1024)) {
          cut = true;
          res.destroy();
          done();
        }
      });
      res.on('end', done);
      res.on('error', () => {
        cut = true;
        done();
      });
      // A stream that stays open (follow, chat): its status and first bytes are what a proof checks.
      if (stream) setTimeout(() => {
        if (!res.complete) {
          cut = true;
          res.destroy();
          done();
        }
      }, 2_000).unref();
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 30_000} ms: ${o.method} ${o.path}`)), o.timeoutMs ?? 30_000);
    let answered = false;
    req.on('response', () => (answered = true));
    req.on('error', (e) => {
      // A server may answer (413) and close before the whole body is written: the write then fails with EPIPE
      // or ECONNRESET while the answer is on its way. Wait a moment for it before calling it a failure.
      const code = (e as NodeJS.ErrnoException).code;
      if (answered) return;
      if (code === 'EPIPE' || code === 'ECONNRESET') {
        setTimeout(() => {
          if (answered) return;
          clearTimeout(timer);
          reject(e);
        }, 1_000);
        return;
      }
      clearTimeout(timer);
      reject(e);
    });
    req.end(payload);
  });
}
