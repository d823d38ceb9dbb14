import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Me, TokenResponse } from '../../contracts/index.ts';
import { callerAddress } from '../env.ts';
import { addUser, dataOf, errorOf, makeTestApp, manualClock } from '../testing.ts';
import { TokenBuckets } from './rate-limit.ts';

describe('failed authentication is limited per remote address (TCP)', () => {
  const clock = manualClock();
  // `now` rides along in the options object, as in the rate limit tests.
  const t = makeTestApp({ authFailureLimit: { perSecond: 0.5, burst: 5, now: clock.now } as never }, clock.now);
  after(() => t.close());
  const ann = addUser(t, 'ann');
  const BAD = 'zbl_' + '0'.repeat(26) + '_' + 'A'.repeat(43);

  /** A request as it arrives on the TCP listener from `address`. */
  const from = (address: string, path: string, init: { token?: string; method?: string; json?: unknown } = {}) => {
    const headers = new Headers({ host: '127.0.0.1:7823' });
    if (init.token) headers.set('authorization', `Bearer ${init.token}`);
    if (init.json !== undefined) headers.set('content-type', 'application/json');
    return Promise.resolve(
      t.app.request(
        `http://127.0.0.1:7823${path}`,
        { method: init.method ?? 'GET', headers, body: init.json === undefined ? undefined : JSON.stringify(init.json) },
        { transport: 'tcp', incoming: { socket: { remoteAddress: address } } as never },
      ),
    );
  };

  test("the issue's flood: bad tokens get 401 for the burst, then 429 RATE_LIMITED with Retry-After", async () => {
    for (let i = 0; i < 5; i++) await errorOf(await from('10.1.0.1', '/api/v1/users/me', { token: BAD }), 401, 'UNAUTHORIZED');
    let limited = 0;
    for (let i = 0; i < 50; i++) {
      const res = await from('10.1.0.1', '/api/v1/users/me', { token: BAD });
      const err = await errorOf(res, 429, 'RATE_LIMITED');
      assert.equal(res.headers.get('retry-after'), '2');
      assert.match(err.message, /failed authentications/);
      assert.match(err.suggestion ?? '', /Invalid API key/);
      limited++;
    }
    assert.equal(limited, 50);
  });

  test('a valid key from the flooded address is never refused by it (on loopback the attacker shares the address)', async () => {
    for (let i = 0; i < 20; i++) {
      await dataOf<Me>(await from('10.1.0.1', '/api/v1/users/me', { token: ann.key }));
      await errorOf(await from('10.1.0.1', '/api/v1/users/me', { token: BAD }), 429, 'RATE_LIMITED');
    }
  });

  test('other addresses are not affected', async () => {
    await errorOf(await from('10.1.0.2', '/api/v1/users/me', { token: BAD }), 401, 'UNAUTHORIZED');
  });

  test('failures are forgiven at the configured rate', async () => {
    clock.advance(2_000);
    await errorOf(await from('10.1.0.1', '/api/v1/users/me', { token: BAD }), 401, 'UNAUTHORIZED');
    await errorOf(await from('10.1.0.1', '/api/v1/users/me', { token: BAD }), 429, 'RATE_LIMITED');
  });

  test('every kind of 401 counts: no credentials, a malformed header, a bad api_key in POST /auth/token, a forged JWT', async () => {
    const addr = '10.1.0.3';
    await errorOf(await from(addr, '/api/v1/projects'), 401, 'UNAUTHORIZED');
    await errorOf(await from(addr, '/api/v1/projects', { token: 'not a bearer' }), 401, 'UNAUTHORIZED');
    await errorOf(await from(addr, '/api/v1/auth/token', { method: 'POST', json: { api_key: BAD } }), 401, 'UNAUTHORIZED');
    const jwt = await dataOf<TokenResponse>(await from(addr, '/api/v1/auth/token', { method: 'POST', token: ann.key }));
    await errorOf(await from(addr, '/api/v1/users/me', { token: `${jwt.token.slice(0, -4)}AAAA` }), 401, 'UNAUTHORIZED');
    await errorOf(await from(addr, '/api/v1/users/me', { token: BAD }), 401, 'UNAUTHORIZED');
    await errorOf(await from(addr, '/api/v1/auth/token', { method: 'POST', json: { api_key: BAD } }), 429, 'RATE_LIMITED');
    // The real key still gets its token.
    await dataOf<TokenResponse>(await from(addr, '/api/v1/auth/token', { method: 'POST', token: ann.key }));
  });

  test('an IPv6 caller is counted by its /64: rotating inside it buys nothing', async () => {
    for (let i = 1; i <= 5; i++) await errorOf(await from(`2001:db8:1:2::${i.toString(16)}`, '/api/v1/users/me', { token: BAD }), 401, 'UNAUTHORIZED');
    await errorOf(await from('2001:db8:1:2:ffff:ffff:ffff:ffff', '/api/v1/users/me', { token: BAD }), 429, 'RATE_LIMITED');
    await errorOf(await from('2001:db8:1:3::1', '/api/v1/users/me', { token: BAD }), 401, 'UNAUTHORIZED');
  });

  test('the Unix socket is not counted (its caller is the owner without any token)', async () => {
    for (let i = 0; i < 20; i++) await errorOf(await t.request('/api/v1/users/me', { transport: 'unix', token: BAD }), 401, 'UNAUTHORIZED');
  });
});

describe('limiter memory is bounded', () => {
  test('past maxEntries the least recently used bucket goes; the size never grows past it', () => {
    const clock = manualClock();
    const b = new TokenBuckets({ perSecond: 1, burst: 1, now: clock.now, maxEntries: 100 });
    assert.equal(b.take('keep').allowed, true);
    for (let i = 0; i < 10_000; i++) {
      b.take(`addr-${i}`);
      if (i % 50 === 0) assert.equal(b.take('keep').allowed, false, 'a recently used bucket stays');
      assert.ok(b.size <= 100);
    }
    assert.equal(b.size, 100);
  });

  test('an address rotating attacker cannot grow the failure limiter past its bound', async () => {
    const clock = manualClock();
    const t = makeTestApp({ authFailureLimit: { perSecond: 0.001, burst: 1, now: clock.now, maxEntries: 50 } as never }, clock.now);
    try {
      const from = (address: string) =>
        Promise.resolve(t.app.request('http://127.0.0.1:7823/api/v1/users/me', { headers: { host: '127.0.0.1:7823' } }, { transport: 'tcp', incoming: { socket: { remoteAddress: address } } as never }));
      await errorOf(await from('10.9.0.1'), 401, 'UNAUTHORIZED');
      await errorOf(await from('10.9.0.1'), 429, 'RATE_LIMITED');
      // 50 other addresses push the first one out: forgotten, it starts again (what an attacker with that many addresses has anyway).
      for (let i = 0; i < 50; i++) await errorOf(await from(`10.8.0.${i}`), 401, 'UNAUTHORIZED');
      await errorOf(await from('10.9.0.1'), 401, 'UNAUTHORIZED');
    } finally {
      t.close();
    }
  });
});

describe('callerAddress', () => {
  const of = (remoteAddress: string | undefined) => callerAddress({ incoming: { socket: { remoteAddress } } as never });
  test('IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by /64, unknown as ?', () => {
    assert.equal(of('127.0.0.1'), '127.0.0.1');
    assert.equal(of('::ffff:10.0.0.7'), '10.0.0.7');
    assert.equal(of('::1'), '0:0:0:0::/64');
    assert.equal(of('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(of('2001:0db8:0000:0001:aaaa:bbbb:cccc:dddd'), '2001:db8:0:1::/64');
    assert.equal(of('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(of('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(of(undefined), '?');
  });
});
