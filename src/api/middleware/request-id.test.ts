import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { createApp } from '../app.ts';
import { addUser, envelopeOf, makeTestApp } from '../testing.ts';

describe('request ids', () => {
  const t = makeTestApp();
  after(() => t.close());

  test('a sane X-Request-Id is kept and echoed in the header and the envelope', async () => {
    for (const id of ['abc-123', 'trace.span:1_2', 'x'.repeat(128)]) {
      const res = await t.request('/api/v1/health', { headers: { 'x-request-id': id } });
      assert.equal(res.headers.get('x-request-id'), id);
      assert.equal((await envelopeOf(res)).metadata.request_id, id);
    }
  });

  test('an insane one is replaced by a minted req_ id', async () => {
    for (const id of ['has space', '<script>', 'x'.repeat(129), 'ünïcode', 'a/b', 'a;b']) {
      const res = await t.request('/api/v1/health', { headers: { 'x-request-id': id } });
      const got = res.headers.get('x-request-id') ?? '';
      assert.match(got, /^req_[0-9a-z]{26}$/, `for ${JSON.stringify(id)}`);
      assert.equal((await envelopeOf(res)).metadata.request_id, got);
    }
  });

  test('minted ids differ per request', async () => {
    const a = (await t.request('/api/v1/health')).headers.get('x-request-id');
    const b = (await t.request('/api/v1/health')).headers.get('x-request-id');
    assert.notEqual(a, b);
  });

  test('errors carry the id too: 401, 403, 404, 405', async () => {
    const cases: [string, RequestInit & { transport?: 'unix' | 'tcp' }][] = [
      ['/api/v1/users/me', {}],
      ['/api/v1/health', { headers: { host: 'evil.example' } }],
      ['/api/v1/nope', { transport: 'unix' }],
      ['/api/v1/health', { method: 'DELETE', transport: 'unix' }],
    ];
    for (const [path, init] of cases) {
      const res = await t.request(path, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-request-id': 'err-case' } });
      assert.ok(res.status >= 400);
      assert.equal(res.headers.get('x-request-id'), 'err-case');
      assert.equal((await envelopeOf(res)).metadata.request_id, 'err-case');
    }
  });
});

describe('request log', () => {
  const t = makeTestApp();
  after(() => t.close());
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const app = createApp({ ...t.deps, logger });
  const send = (path: string, init: RequestInit = {}, transport: 'tcp' | 'unix' = 'tcp') =>
    Promise.resolve(app.request(`http://127.0.0.1:7823${path}`, { ...init, headers: { host: '127.0.0.1:7823', ...(init.headers as Record<string, string>) } }, { transport }));

  test('one line per request: method, path, status, duration, transport, user, key id, client type', async () => {
    const eve = addUser(t, 'eve', { client_type: 'editor' });
    lines.length = 0;
    const res = await send('/api/v1/projects?q=secret-search', { headers: { authorization: `Bearer ${eve.key}`, 'x-request-id': 'log-1' } });
    assert.equal(res.status, 200);
    const reqLines = lines.filter((l) => l.msg === 'request');
    assert.equal(reqLines.length, 1);
    const l = reqLines[0] as Record<string, unknown>;
    assert.deepEqual(
      { ...l, duration_ms: typeof l.duration_ms, time: undefined, pid: undefined, hostname: undefined, level: undefined },
      {
        ...l,
        request_id: 'log-1',
        method: 'GET',
        path: '/api/v1/projects',
        status: 200,
        duration_ms: 'number',
        transport: 'tcp',
        user_id: eve.user.id,
        key_id: eve.keyId,
        client_type: 'editor',
        time: undefined,
        pid: undefined,
        hostname: undefined,
        level: undefined,
      },
    );
    const text = JSON.stringify(lines);
    assert.ok(!text.includes(eve.key), 'the key is never logged');
    assert.ok(!text.includes('secret-search'), 'the query string is never logged');
  });

  test('a 500 is logged as an error with the request id and the cause; the body shows neither', async () => {
    const broken = makeTestApp();
    const errLines: Record<string, unknown>[] = [];
    const errApp = createApp({ ...broken.deps, logger: pino({ level: 'info' }, { write: (s: string) => void errLines.push(JSON.parse(s) as Record<string, unknown>) }) });
    broken.deps.database.close();
    try {
      const res = await errApp.request('http://127.0.0.1:7823/api/v1/projects', { headers: { host: '127.0.0.1:7823', 'x-request-id': 'boom-1' } }, { transport: 'unix' });
      const body = await envelopeOf(res);
      assert.equal(res.status, 500);
      assert.equal(body.error?.code, 'INTERNAL');
      const unhandled = errLines.find((l) => l.msg === 'unhandled error');
      assert.ok(unhandled, 'the error is logged');
      assert.equal(unhandled.request_id, 'boom-1');
      assert.match(JSON.stringify(unhandled.err), /database connection is not open/);
      assert.equal(errLines.find((l) => l.msg === 'request')?.level, 50, 'the request line is logged at error level');
    } finally {
      broken.close();
    }
  });
});
