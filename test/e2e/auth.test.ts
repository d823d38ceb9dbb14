/**
 * Who may do what, through the built daemon: revoked keys, scopes, users
 * isolated from each other, tokens, and the per-key rate limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CreatedUser, PageOf, Project } from '../../src/contracts/index.ts';
import { cleanup, createKey, dataOf, request, sock, startDaemon, tcp, tempHome, type DaemonProc } from './helpers.ts';

describe('keys, scopes and users', () => {
  let d: DaemonProc;
  before(async () => {
    d = await startDaemon(tempHome('auth'));
  });
  after(cleanup);

  it('a revoked key fails on the very next request, over TCP and over the socket', async () => {
    const k = await createKey(d, 'to revoke');
    assert.equal((await request(tcp(d), { path: '/api/v1/projects', bearer: k.key })).status, 200);
    const revoked = await request<{ revoked_at: number | null }>(sock(d), { method: 'DELETE', path: `/api/v1/auth/keys/${k.id}` });
    assert.equal(revoked.status, 200);
    assert.ok(dataOf(revoked).revoked_at);

    const next = await request(tcp(d), { path: '/api/v1/projects', bearer: k.key });
    assert.equal(next.status, 401);
    assert.equal(next.body?.error?.code, 'UNAUTHORIZED');
    assert.match(next.body?.error?.message ?? '', /revoked/i);
    // A bearer token on the socket decides who the caller is: it is refused there too.
    assert.equal((await request(sock(d), { path: '/api/v1/projects', bearer: k.key })).status, 401);
    // And it no longer shows in the list of live keys.
    const keys = dataOf(await request<{ id: string }[]>(sock(d), { path: '/api/v1/auth/keys' }));
    assert.ok(!keys.some((x) => x.id === k.id));
  });

  it('a JWT dies with the key it came from', async () => {
    const k = await createKey(d, 'jwt source');
    const t = await request<{ token: string }>(tcp(d), { method: 'POST', path: '/api/v1/auth/token', bearer: k.key, json: {} });
    assert.equal(t.status, 200, t.text);
    const jwt = dataOf(t).token;
    assert.equal((await request(tcp(d), { path: '/api/v1/projects', bearer: jwt })).status, 200);
    await request(sock(d), { method: 'DELETE', path: `/api/v1/auth/keys/${k.id}` });
    assert.equal((await request(tcp(d), { path: '/api/v1/projects', bearer: jwt })).status, 401);
    const tampered = `${jwt.slice(0, -4)}AAAA`;
    assert.equal((await request(tcp(d), { path: '/api/v1/projects', bearer: tampered })).status, 401);
  });

  it('a read-only key reads but gets 403 on every kind of write', async () => {
    const ro = await createKey(d, 'read only', ['read']);
    assert.deepEqual(ro.scopes, ['read']);
    assert.equal((await request(tcp(d), { path: '/api/v1/projects', bearer: ro.key })).status, 200);
    const existing = dataOf(await request<Project>(sock(d), { method: 'POST', path: '/api/v1/projects', json: { name: 'ro-target' } }));
    const writes = [
      { method: 'POST', path: '/api/v1/projects', json: { name: 'nope' } },
      { method: 'PUT', path: `/api/v1/projects/${existing.id}`, json: { description: 'x' } },
      { method: 'DELETE', path: `/api/v1/projects/${existing.id}` },
      { method: 'POST', path: '/api/v1/auth/keys', json: { name: 'escalate', scopes: ['read', 'write'] } },
    ];
    for (const w of writes) {
      const r = await request(tcp(d), { ...w, bearer: ro.key });
      assert.equal(r.status, 403, `${w.method} ${w.path}: ${r.text}`);
      assert.equal(r.body?.error?.code, 'FORBIDDEN');
    }
    // The project is untouched.
    assert.equal((await request(sock(d), { path: `/api/v1/projects/${existing.id}` })).status, 200);
  });

  it('users are isolated: B gets 404 for A\'s project, by id and by name, and cannot list it', async () => {
    const a = dataOf(await request<CreatedUser>(sock(d), { method: 'POST', path: '/api/v1/users', json: { name: 'alice' } }));
    const b = dataOf(await request<CreatedUser>(sock(d), { method: 'POST', path: '/api/v1/users', json: { name: 'bob' } }));
    assert.equal(a.user.role, 'user');
    assert.match(a.api_key.key, /^zbl_/);

    const created = await request<Project>(tcp(d), { method: 'POST', path: '/api/v1/projects', bearer: a.api_key.key, json: { name: 'secret-plans' } });
    assert.equal(created.status, 201, created.text);
    const project = dataOf(created);
    assert.equal(project.owner_id, a.user.id);

    for (const ref of [project.id, project.name]) {
      for (const [method, json] of [['GET', undefined], ['PUT', { description: 'mine now' }], ['DELETE', undefined]] as const) {
        const r = await request(tcp(d), { method, path: `/api/v1/projects/${ref}`, bearer: b.api_key.key, json });
        assert.equal(r.status, 404, `${method} ${ref} as bob: ${r.text}`);
        assert.equal(r.body?.error?.code, 'NOT_FOUND');
      }
    }
    const listB = dataOf(await request<PageOf<Project>>(tcp(d), { path: '/api/v1/projects', bearer: b.api_key.key }));
    assert.equal(listB.total, 0);
    // B may use the same name: names are unique per user.
    assert.equal((await request(tcp(d), { method: 'POST', path: '/api/v1/projects', bearer: b.api_key.key, json: { name: 'secret-plans' } })).status, 201);
    // A plain user is no admin.
    assert.equal((await request(tcp(d), { path: '/api/v1/users', bearer: b.api_key.key })).status, 403);
    // B cannot revoke A's key either.
    assert.equal((await request(tcp(d), { method: 'DELETE', path: `/api/v1/auth/keys/${a.api_key.id}`, bearer: b.api_key.key })).status, 404);
    assert.equal((await request(tcp(d), { path: `/api/v1/projects/${project.id}`, bearer: a.api_key.key })).status, 200);
  });
});

describe('rate limit (1 per second, bursts of 3)', () => {
  let d: DaemonProc;
  before(async () => {
    d = await startDaemon(tempHome('rl'), { env: { ZEBLIT_RATE_LIMIT_RPS: '1', ZEBLIT_RATE_LIMIT_BURST: '3' } });
  });
  after(cleanup);

  it('answers 429 RATE_LIMITED with Retry-After and X-RateLimit headers once the burst is spent', async () => {
    // The key is created over the socket, which has its own bucket.
    const k = await createKey(d, 'limited');
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof request>> | undefined;
    for (let i = 0; i < 6; i++) {
      const r = await request(tcp(d), { path: '/api/v1/projects', bearer: k.key });
      statuses.push(r.status);
      if (r.status === 200) assert.equal(r.headers['x-ratelimit-limit'], '3');
      if (r.status === 429) limited ??= r;
    }
    // Requests take far less than a second here, so at most one token trickles back in.
    assert.ok(statuses.slice(0, 3).every((s) => s === 200), statuses.join(','));
    assert.ok(limited, `no 429 in ${statuses.join(',')}`);
    assert.equal(limited.body?.error?.code, 'RATE_LIMITED');
    assert.equal(limited.body?.success, false);
    const retry = Number(limited.headers['retry-after']);
    assert.ok(Number.isInteger(retry) && retry >= 1 && retry <= 2, `Retry-After ${String(limited.headers['retry-after'])}`);
    assert.equal(limited.headers['x-ratelimit-remaining'], '0');
    assert.ok(limited.headers['x-ratelimit-reset'] !== undefined);

    // Buckets are per key: another key is not affected.
    const other = await createKey(d, 'other');
    assert.equal((await request(tcp(d), { path: '/api/v1/projects', bearer: other.key })).status, 200);
  });
});

describe('failed authentication is limited per address (defaults: bursts of 20, then 30 a minute)', () => {
  let d: DaemonProc;
  before(async () => {
    d = await startDaemon(tempHome('af'));
  });
  after(cleanup);

  it("the issue's flood: 300 bad-token requests, 10 at a time, are mostly 429; the real key keeps working throughout", async () => {
    const k = await createKey(d, 'real');
    const bad = `zbl_${'0'.repeat(26)}_${'A'.repeat(43)}`;
    const statuses: number[] = [];
    const real: number[] = [];
    for (let round = 0; round < 30; round++) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => request(tcp(d), { path: '/api/v1/projects', bearer: bad })));
      statuses.push(...batch.map((r) => r.status));
      real.push((await request(tcp(d), { path: '/api/v1/projects', bearer: k.key })).status);
    }
    const limited = statuses.filter((s) => s === 429).length;
    assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join(','));
    // 20 in the burst, and at most one more every 2 s while the flood runs.
    assert.ok(limited >= 250, `only ${limited} of 300 were 429`);
    assert.deepEqual(new Set(real), new Set([200]), 'the valid key was never refused');
    const one = await request(tcp(d), { path: '/api/v1/projects', bearer: bad });
    assert.equal(one.status, 429);
    assert.equal(one.body?.error?.code, 'RATE_LIMITED');
    assert.ok(Number(one.headers['retry-after']) >= 1);
    // The socket (the owner, no token needed) is not counted.
    assert.equal((await request(sock(d), { path: '/api/v1/projects', bearer: bad })).status, 401);
  });
});

describe('the telegram service credential through the built daemon', () => {
  let d: DaemonProc;
  before(async () => {
    d = await startDaemon(tempHome('tg'));
  });
  after(cleanup);

  it("a second user's telegram-labelled key cannot take over the owner's link; only the minted credential verifies", async () => {
    const svc = dataOf(await request<{ key: string; service: string | null; scopes: string[] }>(sock(d), { method: 'POST', path: '/api/v1/auth/telegram/bot-credential' }));
    assert.equal(svc.service, 'telegram');
    assert.deepEqual(svc.scopes, []);
    // The owner links Telegram account 1001.
    const ownerToken = dataOf(await request<{ token: string }>(sock(d), { method: 'POST', path: '/api/v1/auth/telegram/link' })).token;
    const linked = await request<{ link: { id: string }; api_key: { key: string } }>(tcp(d), {
      method: 'POST',
      path: '/api/v1/auth/telegram/verify',
      bearer: svc.key,
      json: { token: ownerToken, telegram_user_id: 1001, chat_id: 1001 },
    });
    assert.equal(linked.status, 201, linked.text);
    // The attack: a second user, a key with client_type telegram, a link token of theirs, the owner's Telegram id.
    const mallory = dataOf(await request<CreatedUser>(sock(d), { method: 'POST', path: '/api/v1/users', json: { name: 'mallory' } }));
    const labelled = dataOf(
      await request<{ key: string }>(tcp(d), { method: 'POST', path: '/api/v1/auth/keys', bearer: mallory.api_key.key, json: { name: 'tg', client_type: 'telegram' } }),
    );
    const token = dataOf(await request<{ token: string }>(tcp(d), { method: 'POST', path: '/api/v1/auth/telegram/link', bearer: labelled.key })).token;
    const attack = await request(tcp(d), { method: 'POST', path: '/api/v1/auth/telegram/verify', bearer: labelled.key, json: { token, telegram_user_id: 1001, chat_id: 6 } });
    assert.equal(attack.status, 403, attack.text);
    const viaService = await request(tcp(d), { method: 'POST', path: '/api/v1/auth/telegram/verify', bearer: svc.key, json: { token, telegram_user_id: 1001, chat_id: 6 } });
    assert.equal(viaService.status, 409, viaService.text);
    assert.equal(viaService.body?.error?.code, 'CONFLICT');
    // The owner's link and key survive.
    const links = dataOf(await request<{ id: string }[]>(sock(d), { path: '/api/v1/auth/telegram/links' }));
    assert.deepEqual(links.map((l) => l.id), [dataOf(linked).link.id]);
    assert.equal((await request(tcp(d), { path: '/api/v1/users/me', bearer: dataOf(linked).api_key.key })).status, 200);
    // The service credential itself reads nothing.
    assert.equal((await request(tcp(d), { path: '/api/v1/projects', bearer: svc.key })).status, 403);
  });
});
