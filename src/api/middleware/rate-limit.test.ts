import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { addUser, dataOf, errorOf, makeTestApp, manualClock } from '../testing.ts';
import { TokenBuckets } from './rate-limit.ts';

describe('TokenBuckets (injected clock)', () => {
  test('a full bucket allows the burst, then refuses with the wait until one token is back', () => {
    const clock = manualClock();
    const b = new TokenBuckets({ perSecond: 1, burst: 3, now: clock.now });
    assert.deepEqual(b.take('k'), { allowed: true, remaining: 2, retryAfterMs: 0, resetMs: 1000 });
    assert.deepEqual(b.take('k'), { allowed: true, remaining: 1, retryAfterMs: 0, resetMs: 2000 });
    assert.deepEqual(b.take('k'), { allowed: true, remaining: 0, retryAfterMs: 0, resetMs: 3000 });
    assert.deepEqual(b.take('k'), { allowed: false, remaining: 0, retryAfterMs: 1000, resetMs: 3000 });
    clock.advance(400);
    const r = b.take('k');
    assert.equal(r.allowed, false);
    assert.equal(r.retryAfterMs, 600);
  });

  test('tokens come back at the configured rate, never above the burst', () => {
    const clock = manualClock();
    const b = new TokenBuckets({ perSecond: 2, burst: 4, now: clock.now });
    for (let i = 0; i < 4; i++) assert.equal(b.take('k').allowed, true);
    assert.equal(b.take('k').allowed, false);
    clock.advance(500); // one token at 2/s
    assert.equal(b.take('k').allowed, true);
    assert.equal(b.take('k').allowed, false);
    clock.advance(60_000);
    const results = Array.from({ length: 5 }, () => b.take('k').allowed);
    assert.deepEqual(results, [true, true, true, true, false], 'an hour idle still buys only the burst');
  });

  test('each key has its own bucket', () => {
    const clock = manualClock();
    const b = new TokenBuckets({ perSecond: 1, burst: 1, now: clock.now });
    assert.equal(b.take('a').allowed, true);
    assert.equal(b.take('a').allowed, false);
    assert.equal(b.take('b').allowed, true);
  });

  test('idle buckets are swept and come back full', () => {
    const clock = manualClock();
    const b = new TokenBuckets({ perSecond: 0.001, burst: 2, now: clock.now, idleMs: 1000 });
    b.take('old');
    b.take('old');
    assert.equal(b.take('old').allowed, false);
    clock.advance(1001);
    assert.deepEqual(b.take('old'), { allowed: true, remaining: 1, retryAfterMs: 0, resetMs: 1_000_000 });
  });
});

describe('rate limit middleware (per API key)', () => {
  const clock = manualClock();
  // `now` rides along in the options object: the middleware passes it to its buckets.
  const rateLimit = { perSecond: 1, burst: 3, now: clock.now };
  const t = makeTestApp({ rateLimit });
  after(() => t.close());
  const ann = addUser(t, 'ann');
  const bob = addUser(t, 'bob');

  test('the burst passes with X-RateLimit headers counting down', async () => {
    for (const remaining of ['2', '1', '0']) {
      const res = await t.request('/api/v1/users/me', { token: ann.key });
      await dataOf(res);
      assert.equal(res.headers.get('x-ratelimit-limit'), '3');
      assert.equal(res.headers.get('x-ratelimit-remaining'), remaining);
      assert.equal(res.headers.get('x-ratelimit-reset'), String(3 - Number(remaining)));
    }
  });

  test('over the limit: 429 RATE_LIMITED with Retry-After and the X-RateLimit headers', async () => {
    const res = await t.request('/api/v1/users/me', { token: ann.key });
    const err = await errorOf(res, 429, 'RATE_LIMITED');
    assert.match(err.message, /1 per second/);
    assert.equal(err.suggestion, 'Retry after 1 s.');
    assert.equal(res.headers.get('retry-after'), '1');
    assert.equal(res.headers.get('x-ratelimit-limit'), '3');
    assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
    assert.equal(res.headers.get('x-ratelimit-reset'), '3');
  });

  test('writes are limited too, and a refused write changes nothing', async () => {
    await errorOf(await t.request('/api/v1/projects', { method: 'POST', token: ann.key, json: { name: 'p' } }), 429, 'RATE_LIMITED');
    assert.equal(t.deps.projects.list(ann.user.id).total, 0);
  });

  test('another key is not affected', async () => {
    await dataOf(await t.request('/api/v1/users/me', { token: bob.key }));
  });

  test('after a second one more request passes', async () => {
    clock.advance(1000);
    const res = await t.request('/api/v1/users/me', { token: ann.key });
    await dataOf(res);
    assert.equal(res.headers.get('x-ratelimit-remaining'), '0');
    await errorOf(await t.request('/api/v1/users/me', { token: ann.key }), 429, 'RATE_LIMITED');
  });

  test('the socket owner has a bucket of their own', async () => {
    await dataOf(await t.request('/api/v1/users/me', { transport: 'unix' }));
  });

  test('a JWT shares the bucket of the key it came from', async () => {
    clock.advance(3000);
    const { token } = await dataOf<{ token: string }>(await t.request('/api/v1/auth/token', { method: 'POST', token: bob.key }));
    await dataOf(await t.request('/api/v1/users/me', { token }));
    await dataOf(await t.request('/api/v1/users/me', { token }));
    await errorOf(await t.request('/api/v1/users/me', { token: bob.key }), 429, 'RATE_LIMITED');
  });
});

describe('rate limit middleware (anonymous callers)', () => {
  const clock = manualClock();
  const t = makeTestApp({ rateLimit: { perSecond: 1, burst: 2, now: clock.now } as never });
  after(() => t.close());
  /** A request without a key, as it arrives on the TCP listener from `address`. */
  const from = (address: string) =>
    t.app.request('http://127.0.0.1:7823/api/v1/health', { headers: { host: '127.0.0.1:7823' } }, { transport: 'tcp', incoming: { socket: { remoteAddress: address } } as never });

  test('each address has its own bucket: one caller spending its burst does not refuse another', async () => {
    assert.equal((await from('10.0.0.1')).status, 200);
    assert.equal((await from('10.0.0.1')).status, 200);
    await errorOf(await from('10.0.0.1'), 429, 'RATE_LIMITED');
    assert.equal((await from('10.0.0.2')).status, 200);
  });
});
