import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ClientTimeoutError, DaemonUnreachableError, ZeblitApiError, ZeblitClient } from './index.ts';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A tiny daemon stand-in: answers in the envelope and records what it saw. */
function fakeDaemon(seen: Seen[]): Server {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const metadata = { timestamp: new Date().toISOString(), request_id: 'req_test', version: '0.0.0' };
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'req_test', ...headers });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/api/v1/slow') return setTimeout(() => send(200, { success: true, data: 1, error: null, metadata }), 2000).unref();
      if (url.pathname === '/api/v1/html') return send(502, '<html>bad gateway</html>', { 'content-type': 'text/html' });
      if (url.pathname === '/api/v1/openapi.json') return send(200, { openapi: '3.1.0' });
      if (url.pathname === '/api/v1/projects/missing')
        return send(404, { success: false, data: null, error: { code: 'NOT_FOUND', message: 'Project "missing" not found', suggestion: 'List them with zeblit list' }, metadata });
      if (url.pathname === '/api/v1/limited')
        return send(429, { success: false, data: null, error: { code: 'RATE_LIMITED', message: 'slow down' }, metadata }, { 'retry-after': '3' });
      send(200, { success: true, data: { echo: { method: req.method, path: url.pathname, query: Object.fromEntries(url.searchParams), body: body ? JSON.parse(body) : null } }, error: null, metadata });
    });
  });
}

const listen = (server: Server, ...args: [string] | [number, string]) =>
  new Promise<void>((resolve) => (args.length === 1 ? server.listen(args[0], resolve) : server.listen(args[0], args[1], resolve)));
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

type Echo = { echo: { method: string; path: string; query: Record<string, string>; body: unknown } };

describe('ZeblitClient', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeblit-client-'));
  const socketPath = join(dir, 'zeblitd.sock');
  const seen: Seen[] = [];
  const unixServer = fakeDaemon(seen);
  const tcpServer = fakeDaemon(seen);
  let baseUrl = '';

  before(async () => {
    await listen(unixServer, socketPath);
    await listen(tcpServer, 0, '127.0.0.1');
    baseUrl = `http://127.0.0.1:${(tcpServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    await close(unixServer);
    await close(tcpServer);
    rmSync(dir, { recursive: true, force: true });
  });

  it('speaks over the Unix socket without credentials', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath } });
    const data = await client.request<Echo>('GET', '/anything');
    assert.equal(data.echo.path, '/api/v1/anything');
    assert.equal(seen.at(-1)?.headers.authorization, undefined);
    assert.equal(client.target, socketPath);
  });

  it('sends the bearer token over TCP, and the JSON body and query', async () => {
    const client = new ZeblitClient({ transport: { kind: 'tcp', baseUrl, token: 'zbl_k_secret' } });
    const data = await client.request<Echo>('POST', '/things', { json: { name: 'a' }, query: { q: 'x y', n: 2, skip: undefined } });
    assert.deepEqual(data.echo, { method: 'POST', path: '/api/v1/things', query: { q: 'x y', n: '2' }, body: { name: 'a' } });
    const last = seen.at(-1);
    assert.equal(last?.headers.authorization, 'Bearer zbl_k_secret');
    assert.equal(last?.headers['content-type'], 'application/json');
    assert.match(String(last?.headers.host), /^127\.0\.0\.1:\d+$/);
  });

  it('maps each route to its method and path', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath } });
    const calls: Array<[Promise<unknown>, string, string]> = [
      [client.projects.list({ q: 'web', status: 'all', limit: 5 }), 'GET', '/api/v1/projects?q=web&status=all&limit=5'],
      [client.projects.create({ name: 'demo', template: 'node' }), 'POST', '/api/v1/projects'],
      [client.projects.templates(), 'GET', '/api/v1/projects/templates'],
      [client.projects.get('my app'), 'GET', '/api/v1/projects/my%20app'],
      [client.projects.update('demo', { description: 'd' }), 'PUT', '/api/v1/projects/demo'],
      [client.projects.delete('prj_1'), 'DELETE', '/api/v1/projects/prj_1'],
      [client.projects.archive('demo'), 'POST', '/api/v1/projects/demo/archive'],
      [client.projects.unarchive('demo'), 'POST', '/api/v1/projects/demo/unarchive'],
      [client.users.me(), 'GET', '/api/v1/users/me'],
      [client.users.list(), 'GET', '/api/v1/users'],
      [client.users.create({ name: 'bob' }), 'POST', '/api/v1/users'],
      [client.users.delete('usr_1'), 'DELETE', '/api/v1/users/usr_1'],
      [client.auth.createKey({ name: 'laptop', scopes: ['read'] }), 'POST', '/api/v1/auth/keys'],
      [client.auth.listKeys({ includeRevoked: true }), 'GET', '/api/v1/auth/keys?include_revoked=true'],
      [client.auth.revokeKey('key_1'), 'DELETE', '/api/v1/auth/keys/key_1'],
      [client.auth.token(), 'POST', '/api/v1/auth/token'],
      [client.auth.telegramLinkToken(), 'POST', '/api/v1/auth/telegram/link'],
      [client.auth.telegramServiceCredential(), 'POST', '/api/v1/auth/telegram/bot-credential'],
      [client.auth.telegramVerify({ token: 't', telegram_user_id: 1, chat_id: 2 }), 'POST', '/api/v1/auth/telegram/verify'],
      [client.auth.telegramLinks(), 'GET', '/api/v1/auth/telegram/links'],
      [client.auth.telegramUnlink('tgl_1'), 'DELETE', '/api/v1/auth/telegram/links/tgl_1'],
      [client.audit.list({ limit: 10, outcome: 'failure' }), 'GET', '/api/v1/audit?limit=10&outcome=failure'],
      [client.health(), 'GET', '/api/v1/health'],
    ];
    for (const [call, method, url] of calls) {
      await call;
      assert.deepEqual({ method: seen.at(-1)?.method, url: seen.at(-1)?.url }, { method, url });
    }
  });

  it('turns an error envelope into a ZeblitApiError with code, suggestion, status and request id', async () => {
    const client = new ZeblitClient({ transport: { kind: 'tcp', baseUrl } });
    await assert.rejects(client.projects.get('missing'), (e: unknown) => {
      assert.ok(e instanceof ZeblitApiError);
      assert.equal(e.code, 'NOT_FOUND');
      assert.equal(e.status, 404);
      assert.equal(e.message, 'Project "missing" not found');
      assert.equal(e.suggestion, 'List them with zeblit list');
      assert.equal(e.requestId, 'req_test');
      return true;
    });
    await assert.rejects(client.request('GET', '/limited'), (e: unknown) => e instanceof ZeblitApiError && e.code === 'RATE_LIMITED' && e.retryAfter === 3);
  });

  it('refuses an answer that is not an envelope', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath } });
    await assert.rejects(client.request('GET', '/html'), (e: unknown) => e instanceof ZeblitApiError && e.code === 'UNEXPECTED_RESPONSE' && e.status === 502);
  });

  it('reads the OpenAPI document without an envelope', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath } });
    assert.deepEqual(await client.openapi(), { openapi: '3.1.0' });
  });

  it('says the daemon is unreachable when no socket file exists or nothing listens', async () => {
    const noFile = new ZeblitClient({ transport: { kind: 'unix', socketPath: join(dir, 'absent.sock') } });
    await assert.rejects(noFile.health(), (e: unknown) => e instanceof DaemonUnreachableError && e.errno === 'ENOENT');
    const closed = createServer();
    await listen(closed, 0, '127.0.0.1');
    const port = (closed.address() as AddressInfo).port;
    await close(closed);
    const refused = new ZeblitClient({ transport: { kind: 'tcp', baseUrl: `http://127.0.0.1:${port}` } });
    await assert.rejects(refused.health(), (e: unknown) => e instanceof DaemonUnreachableError && e.errno === 'ECONNREFUSED');
  });

  it('gives up after the deadline', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath }, timeoutMs: 100 });
    const started = Date.now();
    await assert.rejects(client.request('GET', '/slow'), (e: unknown) => e instanceof ClientTimeoutError && e.timeoutMs === 100);
    assert.ok(Date.now() - started < 1500);
  });

  it('honours an abort signal', async () => {
    const client = new ZeblitClient({ transport: { kind: 'unix', socketPath } });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('stop')), 50);
    await assert.rejects(client.request('GET', '/slow', { signal: ac.signal }), /stop/);
  });
});
