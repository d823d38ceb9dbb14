import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { unwrapEnvelope } from './envelope.ts';
import { DaemonUnreachableError, UNREACHABLE_CODES, ZeblitApiError, errnoOf } from './errors.ts';
import { requestOptions } from './http.ts';
import { describeTransport, type ClientTransport } from './transport.ts';

/** What a streaming request needs from the client. */
export interface StreamRequester {
  readonly transport: ClientTransport;
  readonly userAgent: string;
}

export interface StreamRequest {
  method: 'GET' | 'POST';
  /** Absolute path with the query string: `/api/v1/…`. */
  path: string;
  json?: unknown;
  signal?: AbortSignal;
}

/**
 * One request whose answer is NDJSON: each record is handed over as its line
 * arrives. An answer that is not a stream (an error envelope) becomes a
 * ZeblitApiError. Resolves when the stream ends; aborting `signal` hangs up,
 * which the daemon takes as "stop" (a streamed run is killed).
 */
export function streamNdjson<T>(client: StreamRequester, req: StreamRequest, onRecord: (record: T) => void): Promise<void> {
  const t = client.transport;
  const body = req.json === undefined ? undefined : JSON.stringify(req.json);
  const headers: Record<string, string> = { accept: 'application/x-ndjson', 'user-agent': client.userAgent, 'content-length': String(body === undefined ? 0 : Buffer.byteLength(body)) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (t.token) headers.authorization = `Bearer ${t.token}`;
  const opts = requestOptions(t, req.method, req.path, headers);
  const send = t.kind === 'tcp' && opts.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<void>((resolve, reject) => {
    const r = send(opts, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (!type.startsWith('application/x-ndjson')) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            unwrapEnvelope(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'));
            reject(new ZeblitApiError('UNEXPECTED_RESPONSE', 'Expected a stream, got a single answer', { status: res.statusCode ?? 0 }));
          } catch (e) {
            reject(e);
          }
        });
        return;
      }
      let partial = '';
      res.setEncoding('utf8');
      res.on('data', (text: string) => {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) onRecord(JSON.parse(line) as T);
      });
      res.on('end', () => {
        if (partial.trim()) onRecord(JSON.parse(partial) as T);
        resolve();
      });
      res.on('error', reject);
    });
    const onAbort = () => {
      r.destroy();
      reject(req.signal?.reason ?? new Error('aborted'));
    };
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.on('close', () => req.signal?.removeEventListener('abort', onAbort));
    r.on('error', (err) => {
      const errno = errnoOf(err);
      reject(errno && UNREACHABLE_CODES.has(errno) ? new DaemonUnreachableError(describeTransport(t), errno, err) : err);
    });
    r.end(body);
  });
}
