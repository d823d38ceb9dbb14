import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LoginCode, Me, WebSession } from '../../contracts/index.ts';
import { addKey, addUser, dataOf, errorOf, makeTestApp, manualClock, ownerWithKey, type TestApp } from '../testing.ts';

const COOKIE = 'zeblit_session_7823';

/** The session cookie a response set: its value and its attributes. */
function setCookieOf(res: Response): { value: string; attrs: string } {
  const header = res.headers.get('set-cookie') ?? '';
  const m = new RegExp(`^${COOKIE}=([^;]*)(.*)$`).exec(header);
  assert.ok(m, `no ${COOKIE} in Set-Cookie: ${header}`);
  return { value: m[1] ?? '', attrs: m[2] ?? '' };
}

describe('web client sessions: one-time codes, the cookie, CSRF', () => {
  const clock = manualClock();
  let t: TestApp;
  before(() => (t = makeTestApp({}, clock.now)));
  after(() => t.close());

  const code = async (): Promise<LoginCode> => dataOf<LoginCode>(await t.request('/api/v1/web/login-codes', { method: 'POST', transport: 'unix' }), 201);
  const exchange = (c: string, headers: Record<string, string> = {}) => t.request('/api/v1/web/session', { method: 'POST', json: { code: c }, headers });
  async function signIn(): Promise<{ cookie: string; csrf: string; session: WebSession }> {
    const res = await exchange((await code()).code);
    const session = await dataOf<WebSession>(res);
    return { cookie: setCookieOf(res).value, csrf: session.csrf_token, session };
  }
  const me = (headers: Record<string, string>) => t.request('/api/v1/users/me', { headers });

  it('the owner on the socket gets a code with its /login#code= path; over TCP only an admin with the admin scope', async () => {
    const c = await code();
    assert.match(c.code, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(c.path, `/login#code=${c.code}`);
    assert.equal(c.expires_at, clock.now() + 5 * 60_000);
    assert.equal(c.url, null, 'no TCP origin known in a route test');
    const user = addUser(t, 'not-admin');
    await errorOf(await t.request('/api/v1/web/login-codes', { method: 'POST', token: user.key }), 403, 'FORBIDDEN');
    const admin = ownerWithKey(t, ['read', 'write']);
    await errorOf(await t.request('/api/v1/web/login-codes', { method: 'POST', token: admin.key }), 403, 'FORBIDDEN');
    const full = ownerWithKey(t);
    await dataOf(await t.request('/api/v1/web/login-codes', { method: 'POST', token: full.key }), 201);
  });

  it('the exchange sets an HttpOnly, SameSite=Strict cookie named by the port and answers the CSRF token', async () => {
    const res = await exchange((await code()).code);
    const s = await dataOf<WebSession>(res);
    const { attrs } = setCookieOf(res);
    assert.match(attrs, /; HttpOnly/);
    assert.match(attrs, /; SameSite=Strict/);
    assert.match(attrs, /; Path=\//);
    assert.match(attrs, /; Max-Age=600/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.equal(s.user.name, 'owner');
    assert.deepEqual(s.scopes, ['read', 'write', 'admin']);
    assert.equal(s.token_expires_at, clock.now() + 600_000);
    assert.equal(s.session_expires_at, clock.now() + 24 * 3_600_000);
    assert.ok(!JSON.stringify(s).includes(setCookieOf(res).value), 'the session token is only in the cookie');
  });

  it('a code works once, and not after 5 minutes', async () => {
    const c = (await code()).code;
    await dataOf(await exchange(c));
    const again = await errorOf(await exchange(c), 401, 'UNAUTHORIZED');
    assert.match(again.message, /unknown or was already used/);
    assert.match(again.suggestion ?? '', /zeblit web/);
    const late = (await code()).code;
    clock.advance(5 * 60_000 + 1);
    await errorOf(await exchange(late), 401, 'UNAUTHORIZED');
    await errorOf(await exchange('not-a-code'), 401, 'UNAUTHORIZED');
  });

  it('the cookie with its CSRF token is the user; the cookie alone, the token alone or a wrong token are refused', async () => {
    const a = await signIn();
    const b = await signIn();
    const who = await dataOf<Me>(await me({ cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': a.csrf }));
    assert.equal(who.auth, 'web');
    assert.equal(who.client_type, 'web');
    await errorOf(await me({ cookie: `${COOKIE}=${a.cookie}` }), 401, 'UNAUTHORIZED');
    const alone = await errorOf(await me({ 'x-zeblit-csrf': a.csrf }), 401, 'UNAUTHORIZED');
    assert.match(alone.message, /CSRF token without a session cookie/);
    await errorOf(await me({ cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': b.csrf }), 401, 'UNAUTHORIZED');
    await errorOf(await me({ cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': `${a.csrf}x` }), 401, 'UNAUTHORIZED');
    // A mutating request is refused the same way without the token.
    await errorOf(await t.request('/api/v1/projects', { method: 'POST', json: { name: 'csrf-less' }, headers: { cookie: `${COOKIE}=${a.cookie}` } }), 401, 'UNAUTHORIZED');
    await dataOf(await t.request('/api/v1/projects', { method: 'POST', json: { name: 'with-csrf', template: 'blank' }, headers: { cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': a.csrf } }), 201);
  });

  it('the session token is never a bearer token, and a session cannot be traded for one', async () => {
    const a = await signIn();
    await errorOf(await me({ authorization: `Bearer ${a.cookie}` }), 401, 'UNAUTHORIZED');
    await errorOf(await t.request('/api/v1/auth/token', { method: 'POST', json: {}, headers: { cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': a.csrf } }), 401, 'UNAUTHORIZED');
    // A cookie of another port's daemon is not this one's.
    await errorOf(await me({ cookie: `zeblit_session_8888=${a.cookie}`, 'x-zeblit-csrf': a.csrf }), 401, 'UNAUTHORIZED');
  });

  it('Origin: the daemon’s own origin is allowed for its page, a foreign one is refused even with cookie and token', async () => {
    const a = await signIn();
    const headers = { cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': a.csrf };
    await dataOf(await me({ ...headers, origin: 'http://127.0.0.1:7823' }));
    const foreign = await errorOf(await me({ ...headers, origin: 'http://127.0.0.1:8888' }), 403, 'FORBIDDEN');
    assert.match(foreign.message, /Origin "http:\/\/127\.0\.0\.1:8888" is not allowed/);
    await errorOf(await me({ ...headers, origin: 'http://evil.example' }), 403, 'FORBIDDEN');
    await errorOf(await exchange((await code()).code, { origin: 'http://evil.example' }), 403, 'FORBIDDEN');
  });

  it('renewal keeps a session going past the token life; the token alone expires; the session ends after 24 hours', async () => {
    const a = await signIn();
    let cookie = a.cookie;
    for (let i = 0; i < 5; i++) {
      clock.advance(4 * 60_000);
      const res = await t.request('/api/v1/web/session/renew', { method: 'POST', headers: { cookie: `${COOKIE}=${cookie}`, 'x-zeblit-csrf': a.csrf } });
      const s = await dataOf<WebSession>(res);
      assert.equal(s.csrf_token, a.csrf, 'the CSRF token is the session’s, unchanged by renewal');
      cookie = setCookieOf(res).value;
    }
    await dataOf(await me({ cookie: `${COOKIE}=${cookie}`, 'x-zeblit-csrf': a.csrf }));
    // The first token (20 minutes old) has expired.
    const old = await errorOf(await me({ cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': a.csrf }), 401, 'UNAUTHORIZED');
    assert.match(old.message, /expired/);
    // An API key cannot "renew".
    const owner = ownerWithKey(t);
    await errorOf(await t.request('/api/v1/web/session/renew', { method: 'POST', token: owner.key }), 403, 'FORBIDDEN');
    // However often renewed, the session ends at its 24 hours.
    const b = await signIn();
    let c2 = b.cookie;
    for (let elapsed = 9; elapsed <= 25 * 60; elapsed += 9) {
      clock.advance(9 * 60_000);
      const res = await t.request('/api/v1/web/session/renew', { method: 'POST', headers: { cookie: `${COOKIE}=${c2}`, 'x-zeblit-csrf': b.csrf } });
      if (res.status !== 200) {
        await errorOf(res, 401, 'UNAUTHORIZED');
        assert.ok(elapsed >= 24 * 60, `refused after ${elapsed} minutes`);
        return;
      }
      c2 = setCookieOf(res).value;
    }
    assert.fail('the session outlived 24 hours');
  });

  it('signing out revokes the session for every tab and clears the cookie', async () => {
    const a = await signIn();
    const headers = { cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': a.csrf };
    const res = await t.request('/api/v1/web/session', { method: 'DELETE', headers });
    assert.deepEqual(await dataOf(res), { signed_out: true });
    assert.match(res.headers.get('set-cookie') ?? '', new RegExp(`^${COOKIE}=; .*Max-Age=0`));
    await errorOf(await me(headers), 401, 'UNAUTHORIZED');
    await errorOf(await t.request('/api/v1/web/session/renew', { method: 'POST', headers }), 401, 'UNAUTHORIZED');
  });

  it('a session holds no more than the credential that asked for its code', async () => {
    const admin = t.deps.auth.users.create({ name: 'admin-ro', role: 'admin' });
    const key = addKey(t, admin.id, { scopes: ['read', 'admin'], expires_in_days: 1 });
    // An admin-scoped key has every scope by hasScope; the session keeps exactly the key's list.
    const c = await dataOf<LoginCode>(await t.request('/api/v1/web/login-codes', { method: 'POST', token: key.key }), 201);
    const s = await dataOf<WebSession>(await exchange(c.code));
    assert.deepEqual(s.scopes, ['read', 'admin']);
    assert.ok(key.expires_at !== null && s.session_expires_at <= key.expires_at);
  });

  it('a session keeps the default project of the key that asked for its code', async () => {
    const admin = t.deps.auth.users.create({ name: 'admin-proj', role: 'admin' });
    const key = t.deps.auth.keys.create(admin.id, { name: 'with a project', scopes: ['read', 'write', 'admin'], client_type: 'cli' }, {}, { projectId: 'prj_default' });
    const c = await dataOf<LoginCode>(await t.request('/api/v1/web/login-codes', { method: 'POST', token: key.key }), 201);
    const s = await dataOf<WebSession>(await exchange(c.code));
    const session = t.deps.auth.keys.list(admin.id).find((k) => k.name === 'web session');
    assert.ok(session, 'the session is a key of its user');
    assert.equal(session.project_id, 'prj_default');
    assert.deepEqual(s.scopes, ['read', 'write', 'admin']);
  });

  it('on public routes a stale cookie is ignored (signing in again works); the socket ignores cookies', async () => {
    const a = await signIn();
    await t.request('/api/v1/web/session', { method: 'DELETE', headers: { cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': a.csrf } });
    await dataOf(await exchange((await code()).code, { cookie: `${COOKIE}=${a.cookie}` }));
    await dataOf(await t.request('/api/v1/health', { headers: { cookie: `${COOKIE}=${a.cookie}`, 'x-zeblit-csrf': a.csrf } }));
    const owner = await dataOf<Me>(await t.request('/api/v1/users/me', { transport: 'unix', headers: { cookie: `${COOKIE}=garbage` } }));
    assert.equal(owner.auth, 'socket');
  });
});

describe('guessing sign-in codes', () => {
  it('counts against the failed-authentication limit per address', async () => {
    const t = makeTestApp({ authFailureLimit: { perSecond: 0.001, burst: 3 } });
    try {
      const guess = () => t.request('/api/v1/web/session', { method: 'POST', json: { code: 'guess' } });
      for (let i = 0; i < 3; i++) await errorOf(await guess(), 401, 'UNAUTHORIZED');
      await errorOf(await guess(), 429, 'RATE_LIMITED');
    } finally {
      t.close();
    }
  });
});
