import type { IncomingMessage } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { unwrapEnvelope } from './envelope.ts';
import { DaemonUnreachableError, UNREACHABLE_CODES, errnoOf } from './errors.ts';
import { requestFunction, requestOptions } from './http.ts';
import type { StreamRequester } from './stream.ts';
import { describeTransport } from './transport.ts';

/** Bytes moved so far, and the total when known. */
export type OnProgress = (done: number, total: number | null) => void;

export interface UploadRequest {
  method: 'POST' | 'PUT';
  path: string;
  body: Readable;
  size: number;
  headers?: Record<string, string>;
  onProgress?: OnProgress;
  signal?: AbortSignal;
}

function open(client: StreamRequester, method: string, path: string, headers: Record<string, string>) {
  const t = client.transport;
  const all: Record<string, string> = { 'user-agent': client.userAgent, ...headers };
  if (t.token) all.authorization = `Bearer ${t.token}`;
  const opts = requestOptions(t, method, path, all);
  const send = requestFunction(t, opts);
  return send(opts);
}

const translate = (client: StreamRequester, err: Error): Error => {
  const errno = errnoOf(err);
  return errno && UNREACHABLE_CODES.has(errno) ? new DaemonUnreachableError(describeTransport(client.transport), errno, err) : err;
};

function readAll(res: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

/**
 * Streams a body to the daemon with backpressure (never the whole file in
 * memory) and returns the envelope's data. No overall deadline: a large
 * upload takes what it takes; `signal` cancels it (the daemon then keeps nothing).
 */
export function uploadStream<T>(client: StreamRequester, req: UploadRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const r = open(client, req.method, req.path, { 'content-type': 'application/octet-stream', 'content-length': String(req.size), accept: 'application/json', ...req.headers });
    let done = 0;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      req.body.destroy();
      r.destroy();
      reject(translate(client, e));
    };
    const onAbort = () => fail(req.signal?.reason instanceof Error ? req.signal.reason : new Error('upload cancelled'));
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.on('error', fail);
    r.on('response', (res) => {
      readAll(res)
        .then((text) => {
          if (settled) return;
          settled = true;
          req.signal?.removeEventListener('abort', onAbort);
          try {
            resolve(unwrapEnvelope<T>(res.statusCode ?? 0, res.headers, text));
          } catch (e) {
            reject(e);
          }
        })
        .catch(fail);
    });
    req.body.on('data', (chunk: Buffer) => {
      done += chunk.length;
      req.onProgress?.(done, req.size);
      if (!r.write(chunk)) req.body.pause();
    });
    r.on('drain', () => req.body.resume());
    req.body.on('end', () => r.end());
    req.body.on('error', fail);
  });
}

export interface DownloadResult {
  bytes: number;
  /** From Content-Disposition. */
  filename: string | null;
  contentType: string | null;
  /** The answer's headers (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
}

/** Streams an answer's bytes into `sink` (not ended by us); errors come back as the envelope's typed error. A POST sends no body. */
export function downloadStream(client: StreamRequester, path: string, sink: Writable, opts: { onProgress?: OnProgress; signal?: AbortSignal; method?: 'GET' | 'POST' } = {}): Promise<DownloadResult> {
  return new Promise<DownloadResult>((resolve, reject) => {
    const method = opts.method ?? 'GET';
    const r = open(client, method, path, { accept: 'application/octet-stream', ...(method === 'POST' ? { 'content-length': '0' } : {}) });
    const onAbort = () => r.destroy(new Error('download cancelled'));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    r.on('error', (e) => reject(translate(client, e)));
    r.on('response', (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300) {
        readAll(res)
          .then((text) => reject(errorOf(status, res, text)))
          .catch(reject);
        return;
      }
      const total = res.headers['content-length'] ? Number(res.headers['content-length']) : null;
      const disposition = String(res.headers['content-disposition'] ?? '');
      const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition)?.[1];
      const plain = /filename="([^"]*)"/i.exec(disposition)?.[1];
      let bytes = 0;
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        opts.onProgress?.(bytes, total);
        if (!sink.write(chunk)) {
          res.pause();
          sink.once('drain', () => res.resume());
        }
      });
      res.on('error', reject);
      res.on('end', () => {
        opts.signal?.removeEventListener('abort', onAbort);
        if (total !== null && bytes !== total) return reject(new Error(`The download ended after ${bytes} of ${total} bytes`));
        resolve({ bytes, filename: star ? decodeURIComponent(star) : (plain ?? null), contentType: res.headers['content-type'] ?? null, headers: res.headers });
      });
    });
    r.end();
  });
}

function errorOf(status: number, res: IncomingMessage, text: string): unknown {
  try {
    unwrapEnvelope(status, res.headers, text);
    return new Error(`Unexpected answer ${status}`);
  } catch (e) {
    return e;
  }
}
