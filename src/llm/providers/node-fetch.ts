/**
 * The `fetch` the vendor SDKs are given: one request over node:http(s) with
 * keep-alive agents, answered as a web Response whose body streams. Node
 * 20's built-in fetch (undici) costs about twice the CPU per streamed call
 * (measured with the OpenAI SDK against the fake LLM: ~3.4 ms against
 * ~1.5 ms, client and server together), which every model call of the
 * agents and every request of the OpenAI-compatible endpoint paid.
 *
 * It keeps fetch's contract where the SDKs rely on it: an aborted signal
 * rejects (or errors the body mid-stream) with an AbortError; a network
 * failure rejects with TypeError('fetch failed', { cause }). It asks for no
 * compression (the SDKs' streams are small text). Bodies other than text
 * and bytes (forms, streams: unused by the calls made here) go to the
 * built-in fetch.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type OutgoingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'AbortError') return reason;
  return new DOMException(reason instanceof Error ? reason.message : 'This operation was aborted', 'AbortError');
}

function plainHeaders(h: RequestInit['headers']): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  new Headers(h).forEach((v, k) => (out[k] = v));
  return out;
}

function responseHeaders(res: IncomingMessage): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) h.append(k, one);
    else h.set(k, v);
  }
  return h;
}

type Body = string | Uint8Array | null;

function bodyOf(init: RequestInit): Body | undefined {
  const b = init.body;
  if (b === undefined || b === null) return null;
  if (typeof b === 'string' || b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  return undefined;
}

export const nodeFetch: typeof fetch = (input, init = {}) => {
  const body = bodyOf(init);
  if (input instanceof Request || body === undefined) return fetch(input, init);
  const url = new URL(String(input));
  const https = url.protocol === 'https:';
  if (!https && url.protocol !== 'http:') return fetch(input, init);
  const signal = init.signal ?? undefined;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  const method = (init.method ?? 'GET').toUpperCase();
  const headers = plainHeaders(init.headers);
  if (body !== null && headers['content-length'] === undefined) headers['content-length'] = String(Buffer.byteLength(body));

  return new Promise<Response>((resolve, reject) => {
    let answer: IncomingMessage | null = null;
    const req = (https ? httpsRequest : httpRequest)(
      { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || undefined, path: `${url.pathname}${url.search}`, method, headers, agent: https ? agents.https : agents.http },
      (res) => {
        answer = res;
        res.once('close', () => signal?.removeEventListener('abort', onAbort));
        const empty = method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304;
        if (empty) res.resume();
        resolve(new Response(empty ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), { status: res.statusCode ?? 502, statusText: res.statusMessage, headers: responseHeaders(res) }));
      },
    );
    // Before the answer: the promise rejects; after it: the body stream errors with the same AbortError.
    const onAbort = () => {
      const err = abortError(signal!);
      answer?.destroy(err);
      req.destroy(err);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.once('error', (err: Error) => {
      if (answer) return;
      signal?.removeEventListener('abort', onAbort);
      reject(signal?.aborted ? abortError(signal) : new TypeError('fetch failed', { cause: err }));
    });
    req.end(body ?? undefined);
  });
};
