/**
 * API keys and JWTs through the real app: creating, listing and revoking
 * keys; a key never outlives or outranks the credential that creates it;
 * trading a key for a JWT. Telegram linking is in auth-telegram.test.ts.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ApiKeyInfo, CreatedKey, Me, TokenResponse } from '../../contracts/index.ts';
import { addKey, addUser, dataOf, errorOf, makeTestApp, manualClock, ownerWithKey } from '../testing.ts';

const unix = { transport: 'unix' as const };
const DAY = 86_400_000;

describe('API keys: POST/GET/DELETE /api/v1/auth/keys', () => {
  const clock = manualClock();
  const t = makeTestApp({}, clock.now);
  after(() => t.close());
  const ann = addUser(t, 'ann');
  const ben = addUser(t, 'ben');

  test('create: named key shown once as zbl_<id>_<secret>, defaults read+write, cli', async () => {
    const k = await dataOf<CreatedKey>(await t.request('/api/v1/auth/keys', { method: 'POST', token: ann.key, json: { name: 'laptop' } }), 201);
    assert.match(k.id, /^key_[0-9a-z]{26}$/);
    assert.ok(k.key.startsWith(`zbl_${k.id.slice(4)}_`), 'the key names its id');
    assert.match(k.key, /^zbl_[0-9a-z]{26}_[A-Za-z0-9_-]{43}$/);
    assert.equal(k.prefix, k.key.slice(0, 12));
    assert.deepEqual(k.scopes, ['read', 'write']);
    assert.equal(k.client_type, 'cli');
    assert.equal(k.created_at, clock.now());
    assert.equal(k.expires_at, null);
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', { token: k.key }));
    assert.equal(me.key_id, k.id);
  });

  test('create with client type, scopes and expiry', async () => {
    const k = await dataOf<CreatedKey>(
      await t.request('/api/v1/auth/keys', { method: 'POST', token: ann.key, json: { name: 'bot', client_type: 'telegram', scopes: ['read', 'read'], expires_in_days: 7 } }),
      201,
    );
    assert.equal(k.client_type, 'telegram');
    assert.deepEqual(k.scopes, ['read']);
    assert.equal(k.expires_at, clock.now() + 7 * DAY);
  });

  test('a key cannot grant scopes its creator lacks', async () => {
    const err = await errorOf(await t.request('/api/v1/auth/keys', { method: 'POST', token: ann.key, json: { name: 'root', scopes: ['admin'] } }), 403, 'FORBIDDEN');
    assert.match(err.message, /admin/);
  });

  test('the socket owner may grant admin', async () => {
    const k = await dataOf<CreatedKey>(await t.request('/api/v1/auth/keys', { method: 'POST', ...unix, json: { name: 'ops', scopes: ['read', 'write', 'admin'] } }), 201);
    assert.deepEqual(k.scopes, ['read', 'write', 'admin']);
  });

  test('create: validation errors per field, unknown fields refused', async () => {
    const err = await errorOf(
      await t.request('/api/v1/auth/keys', { method: 'POST', token: ann.key, json: { name: 'bad/name', client_type: 'pager', scopes: [], expires_in_days: 0, secret: 'x' } }),
      400,
      'VALIDATION_FAILED',
    );
    const fields = (err.details as { field: string }[]).map((d) => d.field).sort();
    assert.deepEqual(fields, ['body', 'body.client_type', 'body.expires_in_days', 'body.name', 'body.scopes']);
  });

  test('a read-only key cannot create keys', async () => {
    const ro = addKey(t, ann.user.id, { scopes: ['read'] });
    await errorOf(await t.request('/api/v1/auth/keys', { method: 'POST', token: ro.key, json: { name: 'x' } }), 403, 'FORBIDDEN');
  });

  test('list: own keys only, newest first, never the secret or the hash', async () => {
    const keys = await dataOf<ApiKeyInfo[]>(await t.request('/api/v1/auth/keys', { token: ann.key }));
    assert.ok(keys.length >= 3);
    assert.ok(!keys.some((k) => k.id === ben.keyId));
    for (const k of keys) assert.deepEqual(Object.keys(k).sort(), ['client_type', 'created_at', 'expires_at', 'id', 'last_used_at', 'name', 'prefix', 'project_id', 'revoked_at', 'scopes', 'service']);
    assert.deepEqual(keys.map((k) => k.created_at), [...keys.map((k) => k.created_at)].sort((a, b) => b - a));
    assert.ok(keys.find((k) => k.id === ann.keyId)?.last_used_at, 'last_used recorded');
  });

  test('revoke: effective on the very next request; hidden from the list unless asked', async () => {
    const k = addKey(t, ann.user.id, { name: 'doomed' });
    await dataOf<Me>(await t.request('/api/v1/users/me', { token: k.key }));
    const revoked = await dataOf<ApiKeyInfo>(await t.request(`/api/v1/auth/keys/${k.id}`, { method: 'DELETE', token: k.key }));
    assert.equal(revoked.id, k.id);
    assert.equal(revoked.revoked_at, clock.now());
    const err = await errorOf(await t.request('/api/v1/users/me', { token: k.key }), 401, 'UNAUTHORIZED');
    assert.match(err.message, /revoked/);
    const active = await dataOf<ApiKeyInfo[]>(await t.request('/api/v1/auth/keys', { token: ann.key }));
    assert.ok(!active.some((x) => x.id === k.id));
    const all = await dataOf<ApiKeyInfo[]>(await t.request('/api/v1/auth/keys?include_revoked=true', { token: ann.key }));
    assert.equal(all.find((x) => x.id === k.id)?.revoked_at, clock.now());
    // Revoking again changes nothing.
    const again = await dataOf<ApiKeyInfo>(await t.request(`/api/v1/auth/keys/${k.id}`, { method: 'DELETE', token: ann.key }));
    assert.equal(again.revoked_at, revoked.revoked_at);
  });

  test("user B cannot revoke user A's key: 404, and the key keeps working", async () => {
    await errorOf(await t.request(`/api/v1/auth/keys/${ann.keyId}`, { method: 'DELETE', token: ben.key }), 404, 'NOT_FOUND');
    await dataOf<Me>(await t.request('/api/v1/users/me', { token: ann.key }));
  });

  test('revoking an unknown key is 404; a bad query flag is 400', async () => {
    await errorOf(await t.request('/api/v1/auth/keys/key_nope', { method: 'DELETE', token: ann.key }), 404, 'NOT_FOUND');
    const err = await errorOf(await t.request('/api/v1/auth/keys?include_revoked=yes', { token: ann.key }), 400, 'VALIDATION_FAILED');
    assert.equal((err.details as { field: string }[])[0]?.field, 'query.include_revoked');
  });

  test('an expired key fails on the next request (injected clock)', async () => {
    const k = addKey(t, ben.user.id, { expires_in_days: 1 });
    clock.advance(DAY - 1);
    await dataOf<Me>(await t.request('/api/v1/users/me', { token: k.key }));
    clock.advance(1);
    const err = await errorOf(await t.request('/api/v1/users/me', { token: k.key }), 401, 'UNAUTHORIZED');
    assert.match(err.message, /expired/);
  });
});

describe('A key never outlives or outranks the credential that creates it', () => {
  const clock = manualClock();
  const t = makeTestApp({}, clock.now);
  after(() => t.close());
  const owner = ownerWithKey(t);
  const fay = addUser(t, 'fay');
  const jwtOf = async (key: string, ttl_seconds: number) =>
    dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: key, json: { ttl_seconds } }));
  const create = (token: string, json: Record<string, unknown>) => t.request('/api/v1/auth/keys', { method: 'POST', token, json });

  test("the issue's case: a key created with a 60 s JWT expires with the JWT, not never", async () => {
    const jwt = await jwtOf(fay.key, 60);
    const k = await dataOf<CreatedKey>(await create(jwt.token, { name: 'forever' }), 201);
    assert.equal(k.expires_at, jwt.expires_at);
    assert.equal(k.expires_at, clock.now() + 60_000);
    // Asking for longer changes nothing; the key dies when the JWT would have.
    const k2 = await dataOf<CreatedKey>(await create(jwt.token, { name: 'a year', expires_in_days: 365 }), 201);
    assert.equal(k2.expires_at, jwt.expires_at);
    clock.advance(60_000);
    await errorOf(await t.request('/api/v1/users/me', { token: k.key }), 401, 'UNAUTHORIZED');
  });

  test('a key created with an expiring key expires no later; asking for less is kept', async () => {
    const week = addKey(t, fay.user.id, { name: 'week', expires_in_days: 7 });
    const longer = await dataOf<CreatedKey>(await create(week.key, { name: 'longer', expires_in_days: 30 }), 201);
    assert.equal(longer.expires_at, week.expires_at);
    const never = await dataOf<CreatedKey>(await create(week.key, { name: 'never' }), 201);
    assert.equal(never.expires_at, week.expires_at);
    const shorter = await dataOf<CreatedKey>(await create(week.key, { name: 'shorter', expires_in_days: 1 }), 201);
    assert.equal(shorter.expires_at, clock.now() + DAY);
  });

  test('a key that never expires, and the socket owner, create keys that never expire', async () => {
    assert.equal((await dataOf<CreatedKey>(await create(fay.key, { name: 'plain' }), 201)).expires_at, null);
    const viaSocket = await dataOf<CreatedKey>(await t.request('/api/v1/auth/keys', { method: 'POST', ...unix, json: { name: 'socket' } }), 201);
    assert.equal(viaSocket.expires_at, null);
  });

  test('scopes never exceed the creator: a JWT of a read+write key cannot grant admin; refused naming the scope', async () => {
    const jwt = await jwtOf(fay.key, 600);
    const err = await errorOf(await create(jwt.token, { name: 'root', scopes: ['read', 'admin'] }), 403, 'FORBIDDEN');
    assert.match(err.message, /admin/);
    assert.doesNotMatch(err.message, /read/);
  });

  test('a JWT from an expiring key expires no later than the key, and says so', async () => {
    const hour = addKey(t, fay.user.id, { name: 'hour', expires_in_days: 1 });
    clock.advance(DAY - 120_000); // two minutes left on the key
    const jwt = await jwtOf(hour.key, 900);
    assert.equal(jwt.expires_at, hour.expires_at);
    assert.equal(jwt.expires_in, 120);
    const k = await dataOf<CreatedKey>(await create(jwt.token, { name: 'child' }), 201);
    assert.equal(k.expires_at, hour.expires_at);
  });

  test("a user created with a short JWT gets a first key that expires with it (no lasting admin from a stolen token)", async () => {
    const jwt = await jwtOf(owner.key, 60);
    const made = await dataOf<{ api_key: CreatedKey }>(await t.request('/api/v1/users', { method: 'POST', token: jwt.token, json: { name: 'mallory', role: 'admin' } }), 201);
    assert.equal(made.api_key.expires_at, jwt.expires_at);
    const viaSocket = await dataOf<{ api_key: CreatedKey }>(await t.request('/api/v1/users', { method: 'POST', ...unix, json: { name: 'olga' } }), 201);
    assert.equal(viaSocket.api_key.expires_at, null);
  });
});

describe('POST /api/v1/auth/token (JWT)', () => {
  const clock = manualClock();
  const t = makeTestApp({}, clock.now);
  after(() => t.close());
  const cat = addUser(t, 'cat');

  test('exchanges a key in the header for a token that authenticates as the key', async () => {
    const tok = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: cat.key }));
    assert.equal(tok.token_type, 'Bearer');
    assert.equal(tok.expires_in, 900);
    assert.equal(tok.expires_at, clock.now() + 900_000);
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', { token: tok.token }));
    assert.equal(me.auth, 'jwt');
    assert.equal(me.user.id, cat.user.id);
    assert.equal(me.key_id, cat.keyId);
    assert.deepEqual(me.scopes, ['read', 'write']);
  });

  test('accepts the key in the body, with a ttl', async () => {
    const tok = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', json: { api_key: cat.key, ttl_seconds: 60 } }));
    assert.equal(tok.expires_in, 60);
  });

  test('refuses: no key, the socket owner without a key, a JWT, a bad key, a bad ttl', async () => {
    await errorOf(await t.request('/api/v1/auth/token', { method: 'POST', json: {} }), 401, 'UNAUTHORIZED');
    await errorOf(await t.request('/api/v1/auth/token', { method: 'POST', ...unix, json: {} }), 401, 'UNAUTHORIZED');
    const tok = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: cat.key }));
    await errorOf(await t.request('/api/v1/auth/token', { method: 'POST', token: tok.token }), 401, 'UNAUTHORIZED');
    await errorOf(await t.request('/api/v1/auth/token', { method: 'POST', json: { api_key: cat.key.slice(0, -1) + (cat.key.endsWith('A') ? 'B' : 'A') } }), 401, 'UNAUTHORIZED');
    await errorOf(await t.request('/api/v1/auth/token', { method: 'POST', token: cat.key, json: { ttl_seconds: 10 } }), 400, 'VALIDATION_FAILED');
  });

  test('an expired token is 401', async () => {
    const tok = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: cat.key, json: { ttl_seconds: 60 } }));
    clock.advance(61_000);
    const err = await errorOf(await t.request('/api/v1/users/me', { token: tok.token }), 401, 'UNAUTHORIZED');
    assert.match(err.message, /expired/);
  });

  test('a tampered token is 401', async () => {
    const tok = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: cat.key }));
    const [h, p, s] = tok.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...claims, scp: ['read', 'write', 'admin'] })).toString('base64url');
    await errorOf(await t.request('/api/v1/users', { token: `${h}.${forged}.${s}` }), 401, 'UNAUTHORIZED');
    // A middle character: the last one of a base64url signature carries padding bits a decoder may ignore.
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    await errorOf(await t.request('/api/v1/users/me', { token: flipped }), 401, 'UNAUTHORIZED');
  });

  test('a token dies with its key', async () => {
    const k = addKey(t, cat.user.id, { name: 'short' });
    const tok = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: k.key }));
    await dataOf<Me>(await t.request('/api/v1/users/me', { token: tok.token }));
    await dataOf<ApiKeyInfo>(await t.request(`/api/v1/auth/keys/${k.id}`, { method: 'DELETE', token: cat.key }));
    const err = await errorOf(await t.request('/api/v1/users/me', { token: tok.token }), 401, 'UNAUTHORIZED');
    assert.match(err.message, /revoked/);
  });

  test('a token of a read-only key cannot write', async () => {
    const ro = addKey(t, cat.user.id, { scopes: ['read'] });
    const tok = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: ro.key }));
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', { token: tok.token }));
    assert.deepEqual(me.scopes, ['read']);
    await errorOf(await t.request('/api/v1/projects', { method: 'POST', token: tok.token, json: { name: 'nope' } }), 403, 'FORBIDDEN');
  });
});
