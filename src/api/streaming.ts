/**
 * Streams of JSON records over plain HTTP: NDJSON (one record a line) or
 * server-sent events (`event: <type>` + `data: <json>`), chosen by Accept.
 * Flow control: `send` returns false once more than `highWaterBytes` wait for
 * a slow reader, and `onDrain` is called when it has caught up, so the
 * producer can pause instead of the daemon buffering without bound.
 */
export type StreamFormat = 'ndjson' | 'sse';

export const NDJSON = 'application/x-ndjson';
export const SSE = 'text/event-stream';

export function streamFormat(accept: string | undefined): StreamFormat | null {
  if (!accept) return null;
  const a = accept.toLowerCase();
  if (a.includes(NDJSON) || a.includes('application/jsonl')) return 'ndjson';
  if (a.includes(SSE)) return 'sse';
  return null;
}

export interface RecordStream<T> {
  response: Response;
  /** Queues a record; false when the reader is behind (pause the producer until onDrain). */
  send(record: T): boolean;
  /** Something readers ignore (an SSE comment, an empty NDJSON line), so proxies and clients see a quiet stream is alive. */
  keepAlive(): void;
  end(): void;
  readonly closed: boolean;
}

export interface RecordStreamOptions {
  highWaterBytes?: number;
  onDrain?: () => void;
  /** The reader went away. */
  onCancel?: () => void;
  headers?: Record<string, string>;
}

const encoder = new TextEncoder();

export function recordStream<T extends { type: string }>(format: StreamFormat, opts: RecordStreamOptions = {}): RecordStream<T> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let behind = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        if (behind) {
          behind = false;
          opts.onDrain?.();
        }
      },
      cancel() {
        closed = true;
        opts.onCancel?.();
      },
    },
    new ByteLengthQueuingStrategy({ highWaterMark: opts.highWaterBytes ?? 1 << 20 }),
  );
  const encode = (r: T) => encoder.encode(format === 'ndjson' ? `${JSON.stringify(r)}\n` : `event: ${r.type}\ndata: ${JSON.stringify(r)}\n\n`);
  const headers = {
    'content-type': format === 'ndjson' ? `${NDJSON}; charset=utf-8` : `${SSE}; charset=utf-8`,
    'cache-control': 'no-cache',
    'x-accel-buffering': 'no',
    ...opts.headers,
  };
  return {
    response: new Response(body, { status: 200, headers }),
    send(record) {
      if (closed) return false;
      controller.enqueue(encode(record));
      if ((controller.desiredSize ?? 1) <= 0) behind = true;
      return !behind;
    },
    keepAlive() {
      if (closed || behind) return;
      controller.enqueue(encoder.encode(format === 'ndjson' ? '\n' : ': keep-alive\n\n'));
    },
    end() {
      if (closed) return;
      closed = true;
      controller.close();
    },
    get closed() {
      return closed;
    },
  };
}
