import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { unwrapEnvelope } from './envelope.ts';
import { DaemonUnreachableError, UNREACHABLE_CODES, ZeblitApiError, errnoOf } from './errors.ts';
import { requestOptions } from './http.ts';
import type { StreamRequest, StreamRequester } from './stream.ts';
import { describeTransport } from './transport.ts';

/** One server-sent event: its `event:` name and its `data:` lines joined. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Splits a text/event-stream into messages as bytes arrive (the format of
 * https://html.spec.whatwg.org/multipage/server-sent-events.html: fields until
 * a blank line; `:` lines are comments; CRLF, CR or LF end a line).
 */
export class SseParser {
  private partial = '';
  private event = '';
  private data: string[] = [];

  constructor(private readonly onMessage: (m: SseMessage) => void) {}

  push(text: string): void {
    const lines = (this.partial + text).split(/\r\n|\r|\n/);
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  /** The end of the stream: a message without its blank line is still delivered. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.line('');
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0) this.onMessage({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}

/**
 * One request whose answer is server-sent events of JSON records: each is
 * handed over as it arrives. An error envelope (the request was refused before
 * the stream opened) becomes a ZeblitApiError. Resolves when the stream ends;
 * aborting `signal` hangs up.
 */
export function streamSse<T>(client: StreamRequester, req: StreamRequest, onRecord: (record: T) => void): Promise<void> {
  const t = client.transport;
  const body = req.json === undefined ? undefined : JSON.stringify(req.json);
  const headers: Record<string, string> = { accept: 'text/event-stream', 'user-agent': client.userAgent, 'content-length': String(body === undefined ? 0 : Buffer.byteLength(body)) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (t.token) headers.authorization = `Bearer ${t.token}`;
  const opts = requestOptions(t, req.method, req.path, headers);
  const send = t.kind === 'tcp' && opts.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<void>((resolve, reject) => {
    const r = send(opts, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (!type.startsWith('text/event-stream')) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            unwrapEnvelope(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'));
            reject(new ZeblitApiError('UNEXPECTED_RESPONSE', 'Expected an event stream, got a single answer', { status: res.statusCode ?? 0 }));
          } catch (e) {
            reject(e);
          }
        });
        return;
      }
      let failed = false;
      const parser = new SseParser((m) => {
        if (failed) return;
        try {
          onRecord(JSON.parse(m.data) as T);
        } catch (e) {
          failed = true;
          r.destroy();
          reject(e);
        }
      });
      res.setEncoding('utf8');
      res.on('data', (text: string) => parser.push(text));
      res.on('end', () => {
        parser.end();
        resolve();
      });
      res.on('error', reject);
      res.on('close', () => {
        if (!res.complete) reject(new ZeblitApiError('STREAM_INTERRUPTED', 'The connection closed before the stream ended', { status: res.statusCode ?? 0, suggestion: 'The daemon may have stopped; the work may have gone on: check the history.' }));
      });
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
