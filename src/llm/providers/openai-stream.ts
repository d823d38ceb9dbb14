/**
 * The streamed Chat Completions request, on node:http(s) with keep-alive
 * agents and eventsource-parser, instead of the openai SDK's fetch (undici)
 * and its SSE reader: the same request and the same answers, at about half
 * the CPU per call (scripts/bench/openai.ts measures it against the SDK in
 * the same run; docs/benchmarks.md has the figures). Every completion of an
 * agent or of /v1 through OpenAI or a compatible server is one of these, so
 * the daemon's overhead on /v1 is mostly this call.
 *
 * It fails the way the SDK fails, with the SDK's own error classes, so
 * failure.ts reads both alike: an HTTP error status is APIError.generate's
 * class (RateLimitError with its retry-after headers…), an error event in
 * the stream an APIError without status, a connection failure an
 * APIConnectionError, an abort an APIUserAbortError.
 */
import { request as httpRequest, Agent as HttpAgent, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type OpenAI from 'openai';
import { APIConnectionError, APIError, APIUserAbortError } from 'openai';

type Chunk = OpenAI.Chat.ChatCompletionChunk;

/** One pool of kept-alive connections per scheme for the whole daemon, as the SDK's fetch had. */
const AGENTS = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) };
/** An error body is read for its message; past this it is cut (a proxy's HTML page, say). */
const MAX_ERROR_BODY = 64 * 1024;

export interface ChatStreamRequest {
  /** The provider's base URL, ending in /v1 (or wherever the API's paths start). */
  baseURL: string;
  apiKey: string;
  body: OpenAI.Chat.ChatCompletionCreateParamsStreaming;
  signal: AbortSignal;
  userAgent: string;
}

function toHeaders(h: IncomingHttpHeaders): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(', ') : v);
  return out;
}

/** The response's head, or the SDK's error for a request that never got one. */
function send(req: ChatStreamRequest): Promise<IncomingMessage> {
  const url = new URL(`${req.baseURL.replace(/\/+$/, '')}/chat/completions`);
  const body = JSON.stringify(req.body);
  const agent = url.protocol === 'https:' ? AGENTS['https:'] : url.protocol === 'http:' ? AGENTS['http:'] : null;
  if (!agent) return Promise.reject(new APIConnectionError({ message: `unsupported protocol ${url.protocol}` }));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const r = request(url, {
      method: 'POST',
      agent,
      signal: req.signal,
      headers: {
        'content-type': 'application/json',
        accept: 'text/event-stream',
        'content-length': Buffer.byteLength(body),
        'user-agent': req.userAgent,
        ...(req.apiKey ? { authorization: `Bearer ${req.apiKey}` } : {}),
      },
    });
    r.once('response', resolve);
    r.once('error', (e) => reject(req.signal.aborted ? new APIUserAbortError() : new APIConnectionError({ message: 'Connection error.', cause: e })));
    r.end(body);
  });
}

async function statusError(res: IncomingMessage): Promise<APIError> {
  // Redirects are not followed (a POST's body would not go along everywhere): the base URL is what is wrong.
  const location = res.headers.location;
  if (location && (res.statusCode ?? 0) >= 300 && (res.statusCode ?? 0) < 400) {
    res.resume();
    return APIError.generate(res.statusCode, { error: { message: `it redirects to ${location}: use that as the base URL` } }, undefined, toHeaders(res.headers));
  }
  let text = '';
  try {
    res.setEncoding('utf8');
    for await (const piece of res) {
      text += piece as string;
      if (text.length > MAX_ERROR_BODY) {
        res.destroy();
        break;
      }
    }
  } catch {
    // what came is what there is
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const message = json === undefined ? text.slice(0, MAX_ERROR_BODY) || undefined : undefined;
  return APIError.generate(res.statusCode, json as object | undefined, message, toHeaders(res.headers));
}

/**
 * POSTs a streamed completion and yields its chunks until `data: [DONE]`
 * or the end of the body (the caller decides whether the answer was whole).
 * A chunk that is not JSON throws (the SDK's reader does the same).
 */
export async function* streamChat(req: ChatStreamRequest): AsyncGenerator<Chunk> {
  const res = await send(req);
  if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300) throw await statusError(res);
  const ready: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (e) => ready.push(e) });
  res.setEncoding('utf8');
  // After [DONE] the body is still read to its end, as the SDK does: the connection then goes back to the pool.
  let done = false;
  try {
    for await (const piece of res) {
      parser.feed(piece as string);
      while (ready.length > 0 && !done) {
        const e = ready.shift() as EventSourceMessage;
        if (e.data.startsWith('[DONE]')) {
          done = true;
          break;
        }
        const data = JSON.parse(e.data) as Chunk & { error?: unknown; message?: string };
        if (e.event === 'error') throw new APIError(undefined, data.error as object | undefined, data.message, undefined);
        if (data.error) throw new APIError(undefined, data.error as object, undefined, toHeaders(res.headers));
        yield data;
      }
    }
  } catch (e) {
    if (req.signal.aborted) throw new APIUserAbortError();
    throw e;
  } finally {
    // A body left unread (an error, the caller stopping early) would hold its connection: it is closed instead.
    if (!res.complete) res.destroy();
  }
}
