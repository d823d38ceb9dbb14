/**
 * A faithful local stand-in for the Telegram Bot API (https://core.telegram.org/bots/api),
 * for driving the real bot (grammY) in tests: POST /bot<token>/<method> with
 * JSON or multipart bodies, answers `{ ok, result }` or `{ ok: false,
 * error_code, description, parameters }`, getUpdates long polling with
 * offsets, and file downloads at /file/bot<token>/<file_path>.
 *
 * This file is the HTTP server: routes, the bot's token, flood control
 * (`throttleNext()`), the log of calls, request bodies. What the methods do
 * to the chats, and how the test plays the users and observes the bot, is
 * the model in chats.ts, which FakeTelegram extends.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import busboy from 'busboy';
import { ApiError, TelegramChats } from './chats.ts';

export type { ChatMessage, FakeUser } from './chats.ts';

export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  at: number;
}

/** The chats (chats.ts) served as the Bot API over HTTP on loopback. */
export class FakeTelegram extends TelegramChats {
  readonly token: string;
  readonly apiRoot: string;
  readonly calls: ApiCall[] = [];
  /** Methods that answer 429 once (with retry_after) before working. */
  private readonly throttleOnce = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    port: number,
    token: string,
  ) {
    super();
    this.token = token;
    this.apiRoot = `http://127.0.0.1:${port}`;
  }

  static async start(token = '123456:TEST-token_for-the-fake'): Promise<FakeTelegram> {
    let self: FakeTelegram | null = null;
    const server = createServer((req, res) => {
      void self!.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 500, description: `fake: ${String(err)}` }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new FakeTelegram(server, (server.address() as AddressInfo).port, token);
    return self;
  }

  async close(): Promise<void> {
    this.wakePollers();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The next call of `method` answers 429 with retry_after, as Telegram's flood control does. */
  throttleNext(method: string, retryAfterSeconds = 1): void {
    this.throttleOnce.set(method, retryAfterSeconds);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const fileMatch = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (fileMatch) {
      const file = fileMatch[1] === this.token ? this.fileAt(decodeURIComponent(fileMatch[2] ?? '')) : undefined;
      if (!file) return void res.writeHead(404).end('Not Found');
      return void res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) }).end(file.bytes);
    }
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!m) return reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    if (m[1] !== this.token) return reply(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
    const method = m[2] ?? '';
    const params = await readParams(req);
    this.calls.push({ method, params, at: Date.now() });
    const retry = this.throttleOnce.get(method);
    if (retry !== undefined) {
      this.throttleOnce.delete(method);
      return reply(res, 429, { ok: false, error_code: 429, description: `Too Many Requests: retry after ${retry}`, parameters: { retry_after: retry } });
    }
    const result = await this.call(method, params, (fn) => req.once('close', fn));
    if (result instanceof ApiError) return reply(res, result.status, { ok: false, error_code: result.status, description: result.message });
    reply(res, 200, { ok: true, result });
  }
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
}

/** JSON, form-urlencoded or multipart bodies, as grammY sends them; files become { name, bytes }. */
async function readParams(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('multipart/form-data')) {
    return new Promise((resolve, reject) => {
      const out: Record<string, unknown> = {};
      const bb = busboy({ headers: req.headers, limits: { fileSize: 60 * 2 ** 20 } });
      bb.on('field', (name, value) => {
        out[name] = parseField(value);
      });
      bb.on('file', (name, stream, info) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          out[name] = { name: info.filename, bytes: Buffer.concat(chunks) };
        });
      });
      bb.on('close', () => {
        // grammY refers to attached files as "attach://<field>".
        for (const [k, v] of Object.entries(out)) if (typeof v === 'string' && v.startsWith('attach://')) out[k] = out[v.slice('attach://'.length)];
        resolve(out);
      });
      bb.on('error', reject);
      req.pipe(bb);
    });
  }
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  if (type.includes('json')) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries([...new URLSearchParams(text)].map(([k, v]) => [k, parseField(v)]));
}

function parseField(v: string): unknown {
  if (/^[[{]/.test(v) || /^-?\d+$/.test(v) || v === 'true' || v === 'false') {
    try {
      return JSON.parse(v);
    } catch {
      return v;
    }
  }
  return v;
}
