import { unwrapEnvelope } from './envelope.ts';
import { DaemonUnreachableError, UNREACHABLE_CODES, ZeblitApiError, errnoOf } from './errors.ts';
import { requestFunction, requestOptions } from './http.ts';
import { SseParser } from './sse.ts';
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

type StreamFormat = 'ndjson' | 'sse';

const ACCEPT: Record<StreamFormat, string> = { ndjson: 'application/x-ndjson', sse: 'text/event-stream' };

/** Turns the text of a stream into the JSON texts of its records. */
interface Splitter {
  push(text: string): void;
  end(): void;
}

function ndjsonLines(onText: (json: string) => void): Splitter {
  let partial = '';
  return {
    push(text) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onText(line);
    },
    end() {
      if (partial.trim()) onText(partial);
      partial = '';
    },
  };
}

/**
 * One request whose answer is a stream of JSON records, NDJSON or server-sent
 * events: each record is handed over as it arrives. An answer that is not a
 * stream (an error envelope: the request was refused before the stream
 * opened) becomes a ZeblitApiError, and so does a connection that closes
 * before the stream ended. Resolves when the stream ends; aborting `signal`
 * hangs up (for a streamed run the daemon takes that as "stop").
 */
function streamRecords<T>(client: StreamRequester, req: StreamRequest, format: StreamFormat, onRecord: (record: T) => void): Promise<void> {
  const t = client.transport;
  const body = req.json === undefined ? undefined : JSON.stringify(req.json);
  const headers: Record<string, string> = { accept: ACCEPT[format], 'user-agent': client.userAgent, 'content-length': String(body === undefined ? 0 : Buffer.byteLength(body)) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (t.token) headers.authorization = `Bearer ${t.token}`;
  const opts = requestOptions(t, req.method, req.path, headers);
  const send = requestFunction(t, opts);
  return new Promise<void>((resolve, reject) => {
    const r = send(opts, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (!type.startsWith(ACCEPT[format])) {
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
      let failed = false;
      const onText = (json: string) => {
        if (failed) return;
        try {
          onRecord(JSON.parse(json) as T);
        } catch (e) {
          // A record that is not JSON, or a consumer that threw: stop here rather than crash the process.
          failed = true;
          r.destroy();
          reject(e);
        }
      };
      const splitter = format === 'sse' ? new SseParser((m) => onText(m.data)) : ndjsonLines(onText);
      res.setEncoding('utf8');
      res.on('data', (text: string) => splitter.push(text));
      res.on('end', () => {
        splitter.end();
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

/** An NDJSON answer (container runs and logs), record by record. */
export function streamNdjson<T>(client: StreamRequester, req: StreamRequest, onRecord: (record: T) => void): Promise<void> {
  return streamRecords(client, req, 'ndjson', onRecord);
}

/** A text/event-stream answer of JSON records (chat turns), record by record. */
export function streamSse<T>(client: StreamRequester, req: StreamRequest, onRecord: (record: T) => void): Promise<void> {
  return streamRecords(client, req, 'sse', onRecord);
}
