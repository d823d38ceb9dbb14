/**
 * OpenAI's server-sent events: `data: <json>` per chunk, `data: [DONE]` at
 * the end, an error as `data: {"error": …}` (what the official SDKs raise as
 * an APIError mid-stream). Comments (`: keep-alive`) keep a quiet stream
 * open through proxies; the SDKs skip them.
 */
const encoder = new TextEncoder();

export interface DataStream {
  response: Response;
  send(data: unknown): void;
  keepAlive(): void;
  /** `data: [DONE]`, then the end. */
  done(): void;
  /** An error chunk, then the end (no [DONE]: the answer is not whole). */
  fail(body: unknown): void;
  readonly closed: boolean;
}

export function dataStream(opts: { onCancel?: () => void; headers?: Record<string, string> } = {}): DataStream {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    cancel() {
      closed = true;
      opts.onCancel?.();
    },
  });
  const write = (text: string) => {
    if (!closed) controller.enqueue(encoder.encode(text));
  };
  const close = () => {
    if (closed) return;
    closed = true;
    controller.close();
  };
  return {
    response: new Response(body, {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', ...opts.headers },
    }),
    send: (data) => write(`data: ${JSON.stringify(data)}\n\n`),
    keepAlive: () => write(': keep-alive\n\n'),
    done() {
      write('data: [DONE]\n\n');
      close();
    },
    fail(b) {
      write(`data: ${JSON.stringify(b)}\n\n`);
      close();
    },
    get closed() {
      return closed;
    },
  };
}
