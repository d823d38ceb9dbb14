/**
 * Both listeners of one built daemon: the socket (owner, no token) and TCP
 * (bearer key required, Host and Origin checked), WebSockets on both, file
 * modes of the home, and secrets kept out of the log.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZeblitApiError, ZeblitClient } from '../../src/client/index.ts';
import {
  cleanup,
  createKey,
  dataOf,
  fileMode,
  request,
  sock,
  startDaemon,
  tcp,
  tempHome,
  waitFor,
  wsEcho,
  type CreatedKey,
  type DaemonProc,
} from './helpers.ts';

const TRUSTED_ORIGIN = 'http://localhost:5173';

describe('transports of one daemon', () => {
  let d: DaemonProc;
  let key: CreatedKey;

  before(async () => {
    d = await startDaemon(tempHome('tr'), { env: { ZEBLIT_ALLOWED_ORIGINS: TRUSTED_ORIGIN } });
    key = await createKey(d, 'transport test');
  });
  after(cleanup);

  it('serves the same API on the socket (no token) and on TCP (bearer key)', async () => {
    const overSocket = await request<{ transport: string; pid?: number }>(sock(d), { path: '/api/v1/health' });
    assert.equal(overSocket.status, 200);
    assert.equal(dataOf(overSocket).transport, 'unix');
    assert.equal(dataOf(overSocket).pid, d.pid);

    const overTcp = await request<{ transport: string; pid?: number; home?: string }>(tcp(d), { path: '/api/v1/health' });
    assert.equal(overTcp.status, 200);
    assert.equal(dataOf(overTcp).transport, 'tcp');
    assert.equal(dataOf(overTcp).home, undefined, 'an anonymous TCP caller must not learn where the home is');

    const meSocket = await request<{ auth: string; transport: string }>(sock(d), { path: '/api/v1/users/me' });
    assert.deepEqual([dataOf(meSocket).auth, dataOf(meSocket).transport], ['socket', 'unix']);
    const meTcp = await request<{ auth: string; key_id: string }>(tcp(d), { path: '/api/v1/users/me', bearer: key.key });
    assert.equal(meTcp.status, 200);
    assert.deepEqual([dataOf(meTcp).auth, dataOf(meTcp).key_id], ['api_key', key.id]);

    const spec = await request<never>(tcp(d), { path: '/api/v1/openapi.json' });
    assert.equal(spec.status, 200);
    assert.match(spec.text, /"openapi":"3\.1/);
  });

  it('echoes over a WebSocket on the socket and on TCP', async () => {
    const viaSocket = await wsEcho(`ws+unix://${d.socket}:/api/v1/ws/echo`, {}, 'over the socket');
    assert.match(viaSocket.messages[0] ?? '', /"type":"hello"/);
    assert.equal(viaSocket.messages[1], 'over the socket');

    const viaTcp = await wsEcho(`ws://127.0.0.1:${d.port}/api/v1/ws/echo`, { authorization: `Bearer ${key.key}` }, 'over tcp');
    assert.equal(viaTcp.messages[1], 'over tcp');
  });

  it('refuses TCP without a token (401 envelope, WWW-Authenticate), also for the WebSocket', async () => {
    const r = await request(tcp(d), { path: '/api/v1/projects' });
    assert.equal(r.status, 401);
    assert.equal(r.body?.success, false);
    assert.equal(r.body?.error?.code, 'UNAUTHORIZED');
    assert.ok(r.body?.error?.suggestion, 'a 401 says what to do');
    assert.match(String(r.headers['www-authenticate']), /^Bearer/);

    await assert.rejects(wsEcho(`ws://127.0.0.1:${d.port}/api/v1/ws/echo`), { status: 401 });
    const bad = await request(tcp(d), { path: '/api/v1/projects', bearer: 'zbl_nope_nope' });
    assert.equal(bad.status, 401);
  });

  it('answers 403 to a foreign Host header (DNS rebinding), whatever the token', async () => {
    for (const host of ['evil.example', `evil.example:${d.port}`, '127.0.0.1.evil.example']) {
      const r = await request(tcp(d), { path: '/api/v1/projects', bearer: key.key, headers: { host } });
      assert.equal(r.status, 403, host);
      assert.equal(r.body?.error?.code, 'FORBIDDEN');
    }
    for (const host of [`localhost:${d.port}`, `127.0.0.1:${d.port}`, 'localhost']) {
      const r = await request(tcp(d), { path: '/api/v1/projects', bearer: key.key, headers: { host } });
      assert.equal(r.status, 200, host);
    }
  });

  it('answers 400 in the envelope to a Host that does not parse or has a bad port (xn--a was a 500, localhost:abc an empty 400)', async () => {
    for (const host of ['xn--a', `xn--a:${d.port}`, 'localhost:abc', 'localhost:99999', 'owner@localhost']) {
      for (const bearer of [undefined, key.key]) {
        const r = await request(tcp(d), { path: '/api/v1/projects', bearer, headers: { host } });
        assert.equal(r.status, 400, `${host} ${bearer ? 'with' : 'without'} a key: ${r.text}`);
        assert.equal(r.body?.success, false, `${host}: an envelope`);
        assert.equal(r.body?.error?.code, 'BAD_REQUEST');
        assert.match(r.body?.error?.message ?? '', /not a valid host name and port/);
        assert.ok(r.body?.metadata.request_id, 'with its request id');
      }
    }
    // The socket ignores Host (only local processes reach it): the same headers are simply served there.
    for (const host of ['xn--a', 'localhost:abc']) assert.equal((await request(sock(d), { path: '/api/v1/projects', headers: { host } })).status, 200, `socket, ${host}`);
    // The daemon is unharmed.
    assert.equal((await request(tcp(d), { path: '/api/v1/health' })).status, 200);
  });

  it('refuses a WebSocket upgrade with a bad Host with 400, the reason in headers', async () => {
    for (const host of ['xn--a', 'localhost:abc']) {
      const head = await rawExchange(
        d.port,
        `GET /api/v1/ws/echo HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${key.key}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
      );
      assert.match(head, /^HTTP\/1\.1 400 /, `${host}: ${head}`);
      assert.match(head, /\r\nx-zeblit-error: BAD_REQUEST\r\n/i, host);
      assert.match(decodeURIComponent(/\r\nx-zeblit-error-message: ([^\r]*)/i.exec(head)?.[1] ?? ''), /not a valid host name and port/, host);
    }
  });

  it('answers 403 to a foreign Origin, on HTTP and on the WebSocket handshake; never Allow-Origin *', async () => {
    const r = await request(tcp(d), { path: '/api/v1/projects', bearer: key.key, headers: { origin: 'https://evil.example' } });
    assert.equal(r.status, 403);
    assert.equal(r.body?.error?.code, 'FORBIDDEN');
    assert.equal(r.headers['access-control-allow-origin'], undefined);

    const auth = { authorization: `Bearer ${key.key}` };
    await assert.rejects(wsEcho(`ws://127.0.0.1:${d.port}/api/v1/ws/echo`, { ...auth, origin: 'https://evil.example' }), { status: 403 });

    // The allow-listed origin passes, and is echoed back by name.
    const ok = await request(tcp(d), { path: '/api/v1/projects', bearer: key.key, headers: { origin: TRUSTED_ORIGIN } });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers['access-control-allow-origin'], TRUSTED_ORIGIN);
    const echo = await wsEcho(`ws://127.0.0.1:${d.port}/api/v1/ws/echo`, { ...auth, origin: TRUSTED_ORIGIN }, 'trusted');
    assert.equal(echo.messages[1], 'trusted');
  });

  it('refuses a token in the query string, on both transports and for the WebSocket', async () => {
    for (const name of ['token', 'api_key', 'access_token']) {
      const r = await request(tcp(d), { path: `/api/v1/projects?${name}=${key.key}` });
      assert.equal(r.status, 401, name);
      assert.match(r.body?.error?.message ?? '', /query string/);
      assert.ok(!r.text.includes(key.key), 'the refusal must not echo the key');
    }
    const onSocket = await request(sock(d), { path: `/api/v1/projects?token=${key.key}` });
    assert.equal(onSocket.status, 401);
    await assert.rejects(wsEcho(`ws://127.0.0.1:${d.port}/api/v1/ws/echo?token=${key.key}`), { status: 401 });
  });

  it('a refused WebSocket handshake tells the client why: code, message and suggestion in headers (the server sends no body there)', async () => {
    const anonymous = new ZeblitClient({ transport: { kind: 'tcp', baseUrl: `http://127.0.0.1:${d.port}` } });
    await assert.rejects(anonymous.connectWebSocket('/ws/echo'), (e: unknown) => {
      assert.ok(e instanceof ZeblitApiError);
      assert.equal(e.status, 401);
      assert.equal(e.code, 'UNAUTHORIZED');
      assert.doesNotMatch(e.message, /upgrade refused/, 'the server\'s own message, not the status alone');
      assert.ok(e.suggestion);
      return true;
    });
    const foreign = new ZeblitClient({ transport: { kind: 'tcp', baseUrl: `http://127.0.0.1:${d.port}`, token: key.key } });
    await assert.rejects(foreign.connectWebSocket('/ws/echo', { headers: { origin: 'https://evil.example' } }), (e: unknown) => {
      assert.ok(e instanceof ZeblitApiError);
      assert.equal(e.code, 'FORBIDDEN');
      assert.match(e.message, /evil\.example|origin/i);
      return true;
    });
  });

  it('keeps the home private: home 0700, socket 0600, secret.key 0600, lock 0600, database 0600', () => {
    assert.equal(fileMode(d.home).toString(8), '700');
    assert.equal(fileMode(d.socket).toString(8), '600');
    assert.equal(fileMode(join(d.home, 'secret.key')).toString(8), '600');
    assert.equal(fileMode(join(d.home, 'zeblitd.lock')).toString(8), '600');
    assert.equal(fileMode(join(d.home, 'logs')).toString(8), '700');
    for (const f of ['zeblit.db', 'zeblit.db-wal', 'zeblit.db-shm']) assert.equal(fileMode(join(d.home, f)).toString(8), '600', f);
  });

  it('logs every request with its id but never the raw key, whatever header it hides in', async () => {
    const requestId = `redact-${Date.now()}`;
    const r = await request(tcp(d), { path: '/api/v1/projects', bearer: key.key, headers: { 'x-request-id': requestId, 'x-api-key': key.key, cookie: `k=${key.key}` } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['x-request-id'], requestId);
    assert.equal(r.body?.metadata.request_id, requestId);
    // Also a key in the query (refused) and one in a body.
    await request(tcp(d), { path: `/api/v1/projects?api_key=${key.key}`, headers: { 'x-request-id': `${requestId}-q` } });
    await request(tcp(d), { method: 'POST', path: '/api/v1/auth/token', json: { api_key: key.key }, headers: { 'x-request-id': `${requestId}-b` } });

    const log = join(d.home, 'logs', 'zeblitd.log');
    const text = await waitFor('the request lines in the log', () => {
      const t = readFileSync(log, 'utf8');
      return t.includes(`${requestId}-b`) ? t : undefined;
    });
    const line = text.split('\n').find((l) => l.includes(`"request_id":"${requestId}"`));
    assert.ok(line, 'the request is logged with its request id');
    const parsed = JSON.parse(line) as { key_id?: string; status?: number };
    assert.equal(parsed.key_id, key.id, 'the key id (not the key) is logged');
    assert.ok(!text.includes(key.key), 'the raw API key appears in the log');
    const secretPart = key.key.split('_').slice(2).join('_');
    assert.ok(!text.includes(secretPart), 'the secret part of the key appears in the log');
    assert.ok(!d.output().includes(secretPart), 'the secret appears on stderr');
  });
});

/** Writes a raw request (bytes no HTTP client would send) and returns what the server answers until it closes or its headers end. */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let got = '';
    const done = () => {
      socket.destroy();
      resolvePromise(got);
    };
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer')));
    socket.on('data', (b: Buffer) => {
      got += b.toString('latin1');
      if (got.includes('\r\n\r\n')) done();
    });
    socket.on('end', done);
    socket.on('error', reject);
  });
}
