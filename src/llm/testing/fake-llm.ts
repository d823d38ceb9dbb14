/**
 * A fake LLM server on loopback that speaks both vendors' wire formats the way
 * the real SDKs expect them: Anthropic Messages (POST /v1/messages) and OpenAI
 * Chat Completions (POST /v1/chat/completions), each plain and streamed, plus
 * GET /v1/models. Tests script its replies and read what it was asked, in the
 * provider-neutral shape of ../types.ts:
 *
 *   const fake = await FakeLlm.start();
 *   fake.script([{ tool_calls: [{ name: 'read_file', input: { path: 'a.py' } }] }, { text: 'done' }]);
 *   new Anthropic({ apiKey: 'k', baseURL: fake.anthropicBaseUrl, maxRetries: 0 });
 *   new OpenAI({ apiKey: 'k', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
 *   fake.requests[0].messages  // what the model saw
 *
 * Each request takes the next scripted reply meant for its vendor (or for
 * either); with none left, the fallback answers ("ok" unless set). Like the
 * real APIs it refuses, with a 400, conversations whose tool uses and tool
 * results do not pair up (see checkConversation), so agent-loop bugs show.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicError, answerAnthropic, parseAnthropic } from './fake-anthropic.ts';
import { answerOpenAI, openaiError, parseOpenAI } from './fake-openai.ts';
import { checkConversation, isRecord, plan, wait, type FakeReply, type FakeRequest, type FakeResponder, type FakeVendor } from './fake-reply.ts';

export type { FakeReply, FakeRequest, FakeResponder, FakeStopReason, FakeToolCall, FakeVendor } from './fake-reply.ts';

export interface FakeLlmOptions {
  port?: number;
  host?: string;
  /** Refuse malformed conversations with a 400 as the real APIs do (default true). */
  validate?: boolean;
}

type Scripted = { reply: FakeReply | FakeResponder; vendor: FakeVendor | 'any' };

const MAX_BODY = 32 * 1024 * 1024;

export class FakeLlm {
  readonly url: string;
  /** For the Anthropic SDK's baseURL: it appends /v1/messages. */
  readonly anthropicBaseUrl: string;
  /** For the OpenAI SDK's baseURL: it appends /chat/completions. */
  readonly openaiBaseUrl: string;
  readonly requests: FakeRequest[] = [];
  /** Bodies and headers of POST /v1/embeddings, in order. */
  readonly embeddingRequests: Array<{ raw: Record<string, unknown>; headers: Record<string, string> }> = [];
  private queue: Scripted[] = [];
  private fallbackResponder: FakeResponder = () => ({ text: 'ok' });
  private key: string | null = null;
  private readonly waiters = new Set<{ n: number; resolve: (r: FakeRequest[]) => void }>();

  private constructor(
    private readonly server: Server,
    host: string,
    port: number,
    private readonly validate: boolean,
  ) {
    this.url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.anthropicBaseUrl = this.url;
    this.openaiBaseUrl = `${this.url}/v1`;
  }

  /** Numbers the client's connections in the order they came (kept-alive requests share one). */
  private readonly connections = new WeakMap<object, number>();
  private connectionOf(req: IncomingMessage): number {
    let n = this.connections.get(req.socket);
    if (n === undefined) this.connections.set(req.socket, (n = ++this.connectionCount));
    return n;
  }
  private connectionCount = 0;

  static async start(opts: FakeLlmOptions = {}): Promise<FakeLlm> {
    const host = opts.host ?? '127.0.0.1';
    let self: FakeLlm | null = null;
    const server = createServer((req, res) => {
      self!.handle(req, res).catch((err: unknown) => {
        // A responder that throws is a test bug: say so in the answer rather than hang the client.
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `fake LLM: ${String(err)}`, type: 'server_error' } }));
        else res.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => resolve());
    });
    self = new FakeLlm(server, host, (server.address() as AddressInfo).port, opts.validate ?? true);
    return self;
  }

  /** Queues replies; each request takes the next one for its vendor. A function computes the reply from the request. */
  script(replies: Array<FakeReply | FakeResponder>, vendor: FakeVendor | 'any' = 'any'): this {
    for (const reply of replies) this.queue.push({ reply, vendor });
    return this;
  }

  /** Answers when the queue holds nothing for the request (default: the text "ok"). */
  fallback(responder: FakeResponder): this {
    this.fallbackResponder = responder;
    return this;
  }

  /** Requires this key (x-api-key or Authorization: Bearer), else 401 in the vendor's shape; null accepts any. */
  requireKey(key: string | null): this {
    this.key = key;
    return this;
  }

  /**
   * Resolves once `n` requests have arrived in all (counting from the start or
   * the last reset), e.g. to act while a call is in flight; rejects after
   * `timeoutMs` saying how many came.
   */
  waitForRequests(n: number, timeoutMs = 10_000): Promise<FakeRequest[]> {
    if (this.requests.length >= n) return Promise.resolve(this.requests.slice());
    return new Promise((resolve, reject) => {
      const waiter = { n, resolve: (r: FakeRequest[]) => (clearTimeout(timer), resolve(r)) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`fake LLM: waited ${timeoutMs} ms for ${n} request(s), ${this.requests.length} came`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Scripted replies not yet taken. */
  remaining(): number {
    return this.queue.length;
  }

  /** Forgets requests, the queue, the fallback and the key. */
  reset(): void {
    this.requests.length = 0;
    this.embeddingRequests.length = 0;
    this.queue = [];
    this.fallbackResponder = () => ({ text: 'ok' });
    this.key = null;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * POST /v1/embeddings as OpenAI answers it: one vector per input (made from
   * the text, so equal inputs get equal vectors), floats or base64 of float32
   * as asked. Recorded in `embeddingRequests`; `key` is checked as for chats.
   */
  private embeddings(body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse, fail: (status: number, message: string) => void): void {
    const headers = headersOf(req);
    this.embeddingRequests.push({ raw: body, headers });
    const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1] ?? null;
    if (this.key !== null && bearer !== this.key) return fail(401, 'Incorrect API key provided.');
    const input = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) && body.input.every((s) => typeof s === 'string') ? (body.input as string[]) : null;
    if (typeof body.model !== 'string' || input === null) return fail(400, "'model' and 'input' (a string or strings) are required");
    const dims = typeof body.dimensions === 'number' ? body.dimensions : 8;
    const base64 = body.encoding_format === 'base64';
    const data = input.map((text, index) => {
      const v = fakeVector(text, dims);
      return { object: 'embedding', index, embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v };
    });
    const tokens = input.reduce((n, s) => n + Math.max(1, Math.ceil(s.length / 4)), 0);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } }));
  }

  private take(vendor: FakeVendor): FakeReply | FakeResponder {
    const i = this.queue.findIndex((s) => s.vendor === 'any' || s.vendor === vendor);
    if (i < 0) return this.fallbackResponder;
    return this.queue.splice(i, 1)[0]!.reply;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!.replace(/\/+$/, '');
    const vendor: FakeVendor = path.endsWith('/messages') || req.headers['anthropic-version'] !== undefined ? 'anthropic' : 'openai';
    const fail = (status: number, message: string, type?: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(vendor === 'anthropic' ? anthropicError(status, message, type) : openaiError(status, message, type));
    };

    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      req.resume();
      // One list both SDKs can read (Anthropic's fields and OpenAI's side by side).
      const data = ['fake-claude', 'fake-gpt'].map((id) => ({ id, type: 'model', object: 'model', display_name: id, created_at: '2025-01-01T00:00:00Z', created: 1735689600, owned_by: 'zeblit' }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ object: 'list', data, has_more: false, first_id: 'fake-claude', last_id: 'fake-gpt' }));
      return;
    }
    const isMessages = path === '/v1/messages';
    const isChat = path === '/v1/chat/completions' || path === '/chat/completions';
    const isEmbeddings = path === '/v1/embeddings' || path === '/embeddings';
    if (!isMessages && !isChat && !isEmbeddings) {
      req.resume();
      return fail(404, `fake LLM: no route for ${req.method} ${path}`);
    }
    if (req.method !== 'POST') {
      req.resume();
      return fail(405, `fake LLM: ${path} takes POST`);
    }

    const raw = await readBody(req);
    if (raw === null) return fail(413, 'request body too large');
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return fail(400, 'the request body is not valid JSON');
    }
    if (!isRecord(body)) return fail(400, 'the request body must be a JSON object');
    if (isEmbeddings) return this.embeddings(body, req, res, fail);
    const parsed = isMessages ? parseAnthropic(body) : parseOpenAI(body);
    if (typeof parsed === 'string') return fail(400, parsed);

    const headers = headersOf(req);
    const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '')?.[1] ?? null;
    const apiKey = headers['x-api-key'] ?? bearer;
    const request: FakeRequest = { vendor: isMessages ? 'anthropic' : 'openai', ...parsed, headers, api_key: apiKey, raw: body, path, connection: this.connectionOf(req) };
    this.requests.push(request);
    for (const w of this.waiters) {
      if (this.requests.length < w.n) continue;
      this.waiters.delete(w);
      w.resolve(this.requests.slice());
    }

    if (this.key !== null && headers['x-api-key'] !== this.key && bearer !== this.key) {
      return fail(401, isMessages ? 'invalid x-api-key' : 'Incorrect API key provided.');
    }
    if (this.validate) {
      const complaint = checkConversation(request.messages, request.vendor);
      if (complaint !== null) return fail(400, complaint);
    }

    const scripted = this.take(request.vendor);
    const reply = typeof scripted === 'function' ? await scripted(request) : scripted;
    if (!(await wait(reply.delay_ms ?? 0, res))) return;
    if (reply.drop_connection) {
      req.socket.destroy();
      return;
    }
    if (reply.error) {
      const e = reply.error;
      const extra: Record<string, string> = e.retry_after_seconds !== undefined ? { 'retry-after': String(e.retry_after_seconds) } : {};
      return fail(e.status, e.message ?? `fake error ${e.status}`, e.type, extra);
    }
    const p = plan(reply, request, isMessages ? 'msg_' : 'chatcmpl-', isMessages ? 'toolu_' : 'call_');
    if (isMessages) await answerAnthropic(res, p, request.stream);
    else {
      const opts = body.stream_options;
      await answerOpenAI(res, p, request.stream, isRecord(opts) && opts.include_usage === true);
    }
  }
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  return headers;
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (b: Buffer) => {
      size += b.length;
      if (size <= MAX_BODY) parts.push(b);
    });
    req.on('end', () => resolve(size > MAX_BODY ? null : Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

/** A unit-length vector made from the text (float32-exact, so a base64 round trip returns the same numbers). */
export function fakeVector(text: string, dims: number): number[] {
  const raw = Array.from({ length: dims }, (_, i) => {
    let h = 2166136261 ^ i;
    for (let j = 0; j < text.length; j++) h = Math.imul(h ^ text.charCodeAt(j), 16777619);
    return ((h >>> 0) % 2000) / 1000 - 1;
  });
  const norm = Math.hypot(...raw) || 1;
  return Array.from(new Float32Array(raw.map((x) => x / norm)));
}
