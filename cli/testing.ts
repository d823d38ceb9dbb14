/**
 * Test support: a stand-in daemon that answers in the envelope on a Unix
 * socket or on 127.0.0.1, and a way to run the real CLI in-process with
 * captured output. Tests use real sockets, not a mocking library.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough, Readable, Writable } from 'node:stream';
import { VERSION } from '../src/contracts/version.ts';
import { runZeblit } from './source-run.ts';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export type FakeAnswer = { status?: number; data: unknown } | { status: number; error: { code: string; message: string; suggestion?: string; details?: unknown } };
export type FakeRoutes = Record<string, (req: FakeRequest) => FakeAnswer>;

export interface FakeDaemon {
  requests: FakeRequest[];
  /** `http://127.0.0.1:<port>` for TCP, the socket path otherwise. */
  address: string;
  close(): Promise<void>;
}

/**
 * Routes are keyed `METHOD /path` (under /api/v1); `GET /health` answers by
 * default. The fake is a daemon of `version` (the CLI's own unless told): in
 * /health, the envelope's metadata and the `Server` header, as zeblitd does.
 */
export async function startFakeDaemon(routes: FakeRoutes, listen: { socketPath: string } | { tcp: true }, version: string = VERSION): Promise<FakeDaemon> {
  const requests: FakeRequest[] = [];
  const all: FakeRoutes = { 'GET /health': () => ({ data: { status: 'ok', version, uptime_seconds: 1, database: { ok: true }, transport: 'unix', pid: process.pid } }), ...routes };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const text = Buffer.concat(chunks).toString('utf8');
      const path = url.pathname.replace(/^\/api\/v1/, '');
      const r: FakeRequest = { method: req.method ?? 'GET', path, query: url.searchParams, headers: req.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
      requests.push(r);
      const handler = all[`${r.method} ${path}`];
      const answer: FakeAnswer = handler ? handler(r) : { status: 404, error: { code: 'NOT_FOUND', message: `No route for ${r.method} ${path}` } };
      const metadata = { timestamp: new Date().toISOString(), request_id: 'req_fake', version };
      const body = 'error' in answer ? { success: false, data: null, error: answer.error, metadata } : { success: true, data: answer.data, error: null, metadata };
      res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', server: `zeblitd/${version}` });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => ('tcp' in listen ? server.listen(0, '127.0.0.1', resolve) : server.listen(listen.socketPath, resolve)));
  const address = 'tcp' in listen ? `http://127.0.0.1:${(server.address() as AddressInfo).port}` : listen.socketPath;
  return { requests, address, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `zeblit <argv>` in this process. `stdin` text is fed to it; `tty` makes it look like a terminal. */
export async function runCli(argv: string[], env: Record<string, string | undefined>, opts: { stdin?: string; tty?: boolean } = {}): Promise<RunResult> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin: Readable = opts.tty ? new PassThrough() : Readable.from(opts.stdin === undefined ? [] : [opts.stdin]);
  if (opts.tty) {
    Object.assign(stdin, { isTTY: true, setRawMode: () => stdin });
    (stdin as PassThrough).end(opts.stdin ?? '');
  }
  const code = await runZeblit(argv, { stdin, stdout, stderr, env });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
