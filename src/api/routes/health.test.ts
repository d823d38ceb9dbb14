import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Health, VERSION } from '../../contracts/index.ts';
import { dataOf, errorOf, makeTestApp, manualClock, ownerWithKey, type TestApp } from '../testing.ts';

describe('GET /api/v1/health', () => {
  const clock = manualClock();
  const t: TestApp = makeTestApp({}, clock.now);
  after(() => t.close());

  test('anonymous TCP caller: alive, version and database, but nothing about where files live', async () => {
    const data = await dataOf<Health>(await t.request('/api/v1/health'));
    assert.deepEqual(Health.strict().parse(data), data);
    assert.equal(data.status, 'ok');
    assert.equal(data.version, VERSION);
    assert.deepEqual(data.database, { ok: true });
    assert.equal(data.transport, 'tcp');
    assert.equal(data.pid, undefined);
    assert.equal(data.home, undefined);
  });

  test('socket caller needs no credentials and learns pid and home', async () => {
    const data = await dataOf<Health>(await t.request('/api/v1/health', { transport: 'unix' }));
    assert.equal(data.transport, 'unix');
    assert.equal(data.pid, process.pid);
    assert.equal(data.home, t.deps.paths.home);
  });

  test('authenticated TCP caller learns pid and home', async () => {
    const { key } = ownerWithKey(t);
    const data = await dataOf<Health>(await t.request('/api/v1/health', { token: key }));
    assert.equal(data.pid, process.pid);
    assert.equal(data.home, t.deps.paths.home);
  });

  test('the telegram service credential learns no more than an anonymous caller', async () => {
    const svc = t.deps.auth.rotateServiceCredential('telegram');
    const data = await dataOf<Health>(await t.request('/api/v1/health', { token: svc.key }));
    assert.equal(data.pid, undefined);
    assert.equal(data.home, undefined);
  });

  test('uptime follows the injected clock', async () => {
    clock.advance(12_345);
    const data = await dataOf<Health>(await t.request('/api/v1/health'));
    assert.equal(data.uptime_seconds, 12.3);
  });

  test('a bad bearer token is refused even on a public route', async () => {
    const err = await errorOf(await t.request('/api/v1/health', { token: 'zbl_nope' }), 401, 'UNAUTHORIZED');
    assert.match(err.message, /Malformed API key/);
  });

  test('a foreign Host is refused before anything else (DNS rebinding)', async () => {
    await errorOf(await t.request('/api/v1/health', { headers: { host: 'evil.example:7823' } }), 403, 'FORBIDDEN');
  });

  test('wrong method on health is 405 with Allow: GET', async () => {
    const res = await t.request('/api/v1/health', { method: 'POST', transport: 'unix' });
    await errorOf(res, 405, 'METHOD_NOT_ALLOWED');
    assert.equal(res.headers.get('allow'), 'GET');
  });
});

describe('GET /api/v1/health with a broken database', () => {
  test('anonymous TCP: degraded, database not ok, still 200', async () => {
    const t = makeTestApp();
    t.deps.database.close();
    try {
      const data = await dataOf<Health>(await t.request('/api/v1/health'));
      assert.equal(data.status, 'degraded');
      assert.deepEqual(data.database, { ok: false });
    } finally {
      t.close();
    }
  });
});
