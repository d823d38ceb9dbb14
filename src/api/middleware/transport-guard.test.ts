import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { dataOf, errorOf, makeTestApp, ownerWithKey } from '../testing.ts';

describe('transport guard: Host on TCP (DNS rebinding)', () => {
  const t = makeTestApp({ allowedHosts: ['zeblit.lan'] });
  after(() => t.close());

  test('loopback names pass, with or without a port, in any case', async () => {
    for (const host of ['127.0.0.1:7823', '127.0.0.1', 'localhost:7823', 'LOCALHOST', '[::1]:7823', '[::1]'])
      await dataOf(await t.request('/api/v1/health', { headers: { host } }));
  });

  test('an extra host from the config passes', async () => {
    await dataOf(await t.request('/api/v1/health', { headers: { host: 'zeblit.lan:7823' } }));
  });

  test('anything else is 403 FORBIDDEN naming the host', async () => {
    for (const host of ['evil.example', 'evil.example:7823', '127.0.0.1.evil.example', 'localhost.evil.example:7823', '[::2]:7823', '0.0.0.0:7823', 'localhost.']) {
      const err = await errorOf(await t.request('/api/v1/health', { headers: { host } }), 403, 'FORBIDDEN');
      assert.ok(err.message.includes(`"${host}"`), err.message);
      assert.match(err.suggestion ?? '', /DNS rebinding/);
    }
  });

  test('a Host that does not parse, or has a bad port, is 400 BAD_REQUEST in the envelope (it was a 500 for xn--a)', async () => {
    const bad = ['xn--a', 'xn--a:7823', 'localhost:abc', 'localhost:', 'localhost:99999', 'localhost:0', '', 'owner@localhost', 'localhost/x', 'localhost?x', '[::1', '999.0.0.1'];
    for (const host of bad) {
      const err = await errorOf(await t.request('/api/v1/health', { headers: { host } }), 400, 'BAD_REQUEST');
      assert.match(err.message, host ? /is not a valid host name and port/ : /missing/, host);
      assert.match(err.suggestion ?? '', /localhost/);
    }
  });

  test('a bad Host is refused before authentication, whatever the credentials', async () => {
    const { key } = ownerWithKey(t);
    await errorOf(await t.request('/api/v1/users/me', { token: key, headers: { host: 'xn--a' } }), 400, 'BAD_REQUEST');
    await errorOf(await t.request('/api/v1/users/me', { token: 'zbl_wrong', headers: { host: 'localhost:abc' } }), 400, 'BAD_REQUEST');
  });

  test('a name in allowed_hosts is compared as the header is normalised (case)', async () => {
    const u = makeTestApp({ allowedHosts: ['Zeblit.LAN'] });
    try {
      await dataOf(await u.request('/api/v1/health', { headers: { host: 'ZEBLIT.lan:7823' } }));
    } finally {
      u.close();
    }
  });

  test('a foreign Host is refused even with a valid key, before authentication', async () => {
    const { key } = ownerWithKey(t);
    await errorOf(await t.request('/api/v1/users/me', { token: key, headers: { host: 'evil.example' } }), 403, 'FORBIDDEN');
  });

  test('the socket ignores Host (only local processes reach it)', async () => {
    await dataOf(await t.request('/api/v1/health', { transport: 'unix', headers: { host: 'evil.example' } }));
    await dataOf(await t.request('/api/v1/health', { transport: 'unix', headers: { host: 'xn--a' } }));
  });
});

describe('transport guard: Origin on TCP', () => {
  const t = makeTestApp({ allowedOrigins: ['http://localhost:5173'] });
  after(() => t.close());
  const { key } = ownerWithKey(t);

  test('no Origin (CLI, SDKs): passes, and no CORS header is sent', async () => {
    const res = await t.request('/api/v1/users/me', { token: key });
    await dataOf(res);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });

  test('an allowed Origin is echoed exactly (never *), with Vary: Origin', async () => {
    const res = await t.request('/api/v1/users/me', { token: key, headers: { origin: 'http://localhost:5173' } });
    await dataOf(res);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.equal(res.headers.get('vary'), 'Origin');
  });

  test('a preflight from an allowed Origin is 204 with the allowed methods and headers', async () => {
    const res = await t.request('/api/v1/projects', { method: 'OPTIONS', headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'POST' } });
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'http://localhost:5173');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /Authorization/);
  });

  test('a foreign Origin is 403 even with a valid key; near misses too', async () => {
    for (const origin of ['http://evil.example', 'http://localhost:5174', 'https://localhost:5173', 'http://localhost:5173.evil.example', 'null']) {
      const res = await t.request('/api/v1/users/me', { token: key, headers: { origin } });
      const err = await errorOf(res, 403, 'FORBIDDEN');
      assert.ok(err.message.includes(origin));
      assert.equal(res.headers.get('access-control-allow-origin'), null);
    }
  });

  test('a foreign preflight is 403 too', async () => {
    await errorOf(await t.request('/api/v1/projects', { method: 'OPTIONS', headers: { origin: 'http://evil.example' } }), 403, 'FORBIDDEN');
  });

  test('a foreign Origin cannot create anything', async () => {
    await errorOf(await t.request('/api/v1/projects', { method: 'POST', token: key, headers: { origin: 'http://evil.example' }, json: { name: 'csrf' } }), 403, 'FORBIDDEN');
    assert.equal(t.deps.projects.list(t.deps.auth.users.owner().id).total, 0);
  });
});

describe('transport guard: credentials in the query string', () => {
  const t = makeTestApp();
  after(() => t.close());
  const { key } = ownerWithKey(t);

  test('refused on TCP and on the socket, whatever the parameter is called', async () => {
    for (const name of ['token', 'api_key', 'apikey', 'key', 'access_token', 'auth', 'authorization', 'jwt', 'TOKEN', 'Api_Key']) {
      for (const transport of ['tcp', 'unix'] as const) {
        const err = await errorOf(await t.request(`/api/v1/users/me?${name}=${key}`, { transport }), 401, 'UNAUTHORIZED');
        assert.match(err.message, /query string/);
        assert.match(err.suggestion ?? '', /revoke/);
      }
    }
  });

  test('refused even when a valid header is sent too, and even on public routes', async () => {
    await errorOf(await t.request(`/api/v1/users/me?token=${key}`, { token: key }), 401, 'UNAUTHORIZED');
    await errorOf(await t.request(`/api/v1/health?api_key=${key}`), 401, 'UNAUTHORIZED');
  });

  test('ordinary query parameters are fine', async () => {
    await dataOf(await t.request('/api/v1/projects?q=token&limit=5', { token: key }));
  });
});
