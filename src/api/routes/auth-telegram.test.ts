/**
 * Telegram linking through the real app: link tokens, verifying them with
 * the telegram service credential only, links and unlinking; and that
 * credential itself, which is accepted nowhere but on verify.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ApiKeyInfo, CreatedKey, Me, Project, TelegramLink, TelegramLinkToken, TokenResponse } from '../../contracts/index.ts';
import { addKey, addUser, dataOf, errorOf, makeTestApp, manualClock, ownerWithKey } from '../testing.ts';

const unix = { transport: 'unix' as const };

describe('Telegram linking: /api/v1/auth/telegram/*', () => {
  const clock = manualClock();
  const t = makeTestApp({}, clock.now);
  after(() => t.close());
  const owner = ownerWithKey(t);
  // The credential a bot process holds: minted by the daemon, never by POST /auth/keys.
  const bot = t.deps.auth.rotateServiceCredential('telegram');
  const dan = addUser(t, 'dan');
  const eve = addUser(t, 'eve');
  const linkToken = async (key: string) =>
    dataOf<TelegramLinkToken>(await t.request('/api/v1/auth/telegram/link', { method: 'POST', token: key }), 201);
  const verify = (token: string, key: string, tgUser: number | string = 4242) =>
    t.request('/api/v1/auth/telegram/verify', { method: 'POST', token: key, json: { token, telegram_user_id: tgUser, chat_id: -100123, username: 'dan_tg' } });
  let linkId = '';
  let tgKey = '';

  test('link: a one-time token valid 10 minutes, with instructions', async () => {
    const lt = await linkToken(dan.key);
    assert.match(lt.token, /^tgl_[A-Za-z0-9_-]{24}$/);
    assert.equal(lt.expires_at, clock.now() + 600_000);
    assert.ok(lt.instructions.includes(lt.token));
    // No bot runs here: the instructions say how to get one.
    assert.match(lt.instructions, /to the Zeblit Telegram bot \(`zeblit telegram run`/);
  });

  test('verify with the service credential: links the user and returns a telegram key of theirs', async () => {
    const lt = await linkToken(dan.key);
    const res = await dataOf<{ link: TelegramLink; api_key: CreatedKey }>(await verify(lt.token, bot.key), 201);
    assert.equal(res.link.user_id, dan.user.id);
    assert.equal(res.link.telegram_user_id, '4242');
    assert.equal(res.link.chat_id, '-100123');
    assert.equal(res.link.username, 'dan_tg');
    assert.equal(res.link.key_id, res.api_key.id);
    assert.equal(res.api_key.client_type, 'telegram');
    assert.equal(res.api_key.service, null, 'the link key is an ordinary key of the user');
    assert.deepEqual(res.api_key.scopes, ['read', 'write']);
    assert.equal(res.api_key.expires_at, null, 'asked for by a key that never expires');
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', { token: res.api_key.key }));
    assert.equal(me.user.id, dan.user.id);
    assert.equal(me.client_type, 'telegram');
    linkId = res.link.id;
    tgKey = res.api_key.key;
    // One time only.
    const err = await errorOf(await verify(lt.token, bot.key, 4343), 400, 'INVALID_TOKEN');
    assert.match(err.message, /already used/);
  });

  test('an expired token is 400 with a clear message (injected clock)', async () => {
    const lt = await linkToken(eve.key);
    clock.advance(600_000);
    const err = await errorOf(await verify(lt.token, bot.key, 5555), 400, 'INVALID_TOKEN');
    assert.match(err.message, /expired/);
    assert.ok(err.suggestion);
    const fresh = await linkToken(eve.key);
    clock.advance(599_999);
    await dataOf(await verify(fresh.token, bot.key, 5555), 201);
  });

  test('an unknown token is 400', async () => {
    const err = await errorOf(await verify('tgl_nope', bot.key), 400, 'INVALID_TOKEN');
    assert.match(err.message, /Unknown/);
  });

  test('only the service credential may verify: not a user key with client type telegram, not an admin, not the socket owner', async () => {
    const lt = await linkToken(eve.key);
    const labelled = await dataOf<CreatedKey>(await t.request('/api/v1/auth/keys', { method: 'POST', token: eve.key, json: { name: 'my bot', client_type: 'telegram' } }), 201);
    for (const key of [eve.key, labelled.key, owner.key]) {
      const err = await errorOf(await verify(lt.token, key, 6666), 403, 'FORBIDDEN');
      assert.match(err.message, /telegram service credential/);
      assert.match(err.suggestion ?? '', /bot-credential/);
    }
    const viaSocket = await t.request('/api/v1/auth/telegram/verify', { method: 'POST', ...unix, json: { token: lt.token, telegram_user_id: 6666, chat_id: 1 } });
    await errorOf(viaSocket, 403, 'FORBIDDEN');
    const jwt = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: owner.key }));
    await errorOf(await verify(lt.token, jwt.token, 6666), 403, 'FORBIDDEN');
    // The refused attempts did not spend the token.
    const res = await dataOf<{ link: TelegramLink }>(await verify(lt.token, bot.key, 6666), 201);
    assert.equal(res.link.user_id, eve.user.id);
  });

  test("the issue's attack: another user's telegram key and the owner's Telegram id cannot take over the owner's link", async () => {
    const ownerLink = await dataOf<{ link: TelegramLink; api_key: CreatedKey }>(await verify((await linkToken(owner.key)).token, bot.key, 1001), 201);
    // Eve: a key of client type telegram, a link token of hers, verify with the owner's Telegram id.
    const eveTg = await dataOf<CreatedKey>(await t.request('/api/v1/auth/keys', { method: 'POST', token: eve.key, json: { name: 'tg', client_type: 'telegram' } }), 201);
    const evesToken = await linkToken(eve.key);
    await errorOf(await verify(evesToken.token, eveTg.key, 1001), 403, 'FORBIDDEN');
    // Even the service credential will not move an account linked to someone else: 409, the owner unlinks first.
    const err = await errorOf(await verify(evesToken.token, bot.key, 1001), 409, 'CONFLICT');
    assert.match(err.message, /already linked to another Zeblit user/);
    assert.match(err.suggestion ?? '', /[Uu]nlink/);
    // The owner's link and key survive.
    const links = await dataOf<TelegramLink[]>(await t.request('/api/v1/auth/telegram/links', { token: owner.key }));
    assert.deepEqual(links.map((l) => l.id), [ownerLink.link.id]);
    assert.equal((await dataOf<Me>(await t.request('/api/v1/users/me', { token: ownerLink.api_key.key }))).user.id, owner.user.id);
    // After the owner unlinks, Eve's unspent token links that account to her.
    await dataOf(await t.request(`/api/v1/auth/telegram/links/${ownerLink.link.id}`, { method: 'DELETE', token: owner.key }));
    const mine = await dataOf<{ link: TelegramLink }>(await verify(evesToken.token, bot.key, 1001), 201);
    assert.equal(mine.link.user_id, eve.user.id);
  });

  test('relinking an account to the same user replaces the link and revokes only its old key', async () => {
    const first = await dataOf<{ link: TelegramLink; api_key: CreatedKey }>(await verify((await linkToken(dan.key)).token, bot.key, 2002), 201);
    const second = await dataOf<{ link: TelegramLink; api_key: CreatedKey }>(await verify((await linkToken(dan.key)).token, bot.key, 2002), 201);
    await errorOf(await t.request('/api/v1/users/me', { token: first.api_key.key }), 401, 'UNAUTHORIZED');
    await dataOf<Me>(await t.request('/api/v1/users/me', { token: second.api_key.key }));
    const links = await dataOf<TelegramLink[]>(await t.request('/api/v1/auth/telegram/links', { token: dan.key }));
    assert.ok(!links.some((l) => l.id === first.link.id));
    assert.ok(links.some((l) => l.id === second.link.id));
  });

  test('verify validates its body', async () => {
    const err = await errorOf(
      await t.request('/api/v1/auth/telegram/verify', { method: 'POST', token: bot.key, json: { token: 'x', telegram_user_id: 'abc', chat_id: '1', extra: true } }),
      400,
      'VALIDATION_FAILED',
    );
    const fields = (err.details as { field: string }[]).map((d) => d.field).sort();
    assert.deepEqual(fields, ['body', 'body.telegram_user_id']);
  });

  test('links: each user sees only their own', async () => {
    const mine = await dataOf<TelegramLink[]>(await t.request('/api/v1/auth/telegram/links', { token: dan.key }));
    assert.ok(mine.some((l) => l.id === linkId));
    assert.ok(mine.every((l) => l.user_id === dan.user.id));
    const eves = await dataOf<TelegramLink[]>(await t.request('/api/v1/auth/telegram/links', { token: eve.key }));
    assert.ok(eves.every((l) => l.user_id === eve.user.id) && eves.length === 3);
  });

  test("unlinking: another user gets 404; the owner's unlink revokes the telegram key", async () => {
    await errorOf(await t.request(`/api/v1/auth/telegram/links/${linkId}`, { method: 'DELETE', token: eve.key }), 404, 'NOT_FOUND');
    await dataOf<Me>(await t.request('/api/v1/users/me', { token: tgKey }));
    const gone = await dataOf<TelegramLink>(await t.request(`/api/v1/auth/telegram/links/${linkId}`, { method: 'DELETE', token: dan.key }));
    assert.equal(gone.id, linkId);
    await errorOf(await t.request('/api/v1/users/me', { token: tgKey }), 401, 'UNAUTHORIZED');
    assert.ok(!(await dataOf<TelegramLink[]>(await t.request('/api/v1/auth/telegram/links', { token: dan.key }))).some((l) => l.id === linkId));
    await errorOf(await t.request(`/api/v1/auth/telegram/links/${linkId}`, { method: 'DELETE', token: dan.key }), 404, 'NOT_FOUND');
  });

  test('a read-only key cannot ask for a link token', async () => {
    const ro = addKey(t, dan.user.id, { scopes: ['read'] });
    await errorOf(await t.request('/api/v1/auth/telegram/link', { method: 'POST', token: ro.key }), 403, 'FORBIDDEN');
  });

  test('the telegram key works on the API like any key of the user', async () => {
    const lt = await linkToken(dan.key);
    const res = await dataOf<{ api_key: CreatedKey }>(await verify(lt.token, bot.key, 7777), 201);
    const p = await dataOf<Project>(await t.request('/api/v1/projects', { method: 'POST', token: res.api_key.key, json: { name: 'from-phone' } }), 201);
    assert.equal(p.owner_id, dan.user.id);
  });

  test('the link key holds no more than the credential that asked for the token: its expiry, never admin', async () => {
    const expiring = addKey(t, owner.user.id, { name: 'week', scopes: ['read', 'write', 'admin'], expires_in_days: 7 });
    const res = await dataOf<{ api_key: CreatedKey }>(await verify((await linkToken(expiring.key)).token, bot.key, 8888), 201);
    assert.equal(res.api_key.expires_at, expiring.expires_at);
    assert.deepEqual(res.api_key.scopes, ['read', 'write']);
    // A token asked for with a 60 s JWT: redeemed after the JWT died, it links nothing.
    const jwt = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: dan.key, json: { ttl_seconds: 60 } }));
    const lt = await linkToken(jwt.token);
    clock.advance(61_000);
    const err = await errorOf(await verify(lt.token, bot.key, 9999), 400, 'INVALID_TOKEN');
    assert.match(err.message, /credential that asked for this link token has expired/);
  });
});

describe('The telegram service credential: POST /api/v1/auth/telegram/bot-credential', () => {
  const t = makeTestApp();
  after(() => t.close());
  const owner = ownerWithKey(t);
  const amy = addUser(t, 'amy', { role: 'admin', scopes: ['read', 'write', 'admin'] });
  const uli = addUser(t, 'uli');
  const mint = (init: { token?: string; transport?: 'unix' }) => t.request('/api/v1/auth/telegram/bot-credential', { method: 'POST', ...init });

  test('an admin mints it: a key of the owner, shown once, with no scopes, marked as the telegram service', async () => {
    const k = await dataOf<CreatedKey>(await mint({ token: owner.key }), 201);
    assert.equal(k.service, 'telegram');
    assert.deepEqual(k.scopes, []);
    assert.match(k.key, /^zbl_/);
    const listed = await dataOf<ApiKeyInfo[]>(await t.request('/api/v1/auth/keys', { token: owner.key }));
    assert.equal(listed.find((x) => x.id === k.id)?.service, 'telegram', "listed among the owner's keys (who may revoke it)");
  });

  test('minting again rotates it: the previous one stops working at once', async () => {
    const a = await dataOf<CreatedKey>(await mint(unix), 201);
    const b = await dataOf<CreatedKey>(await mint({ token: amy.key }), 201);
    const lt = await dataOf<TelegramLinkToken>(await t.request('/api/v1/auth/telegram/link', { method: 'POST', token: uli.key }), 201);
    const body = { token: lt.token, telegram_user_id: 31, chat_id: 31 };
    await errorOf(await t.request('/api/v1/auth/telegram/verify', { method: 'POST', token: a.key, json: body }), 401, 'UNAUTHORIZED');
    await dataOf(await t.request('/api/v1/auth/telegram/verify', { method: 'POST', token: b.key, json: body }), 201);
    const active = (await dataOf<ApiKeyInfo[]>(await t.request('/api/v1/auth/keys', { token: owner.key }))).filter((k) => k.service === 'telegram');
    assert.deepEqual(active.map((k) => k.id), [b.id]);
  });

  test('only an admin with the admin scope', async () => {
    await errorOf(await mint({ token: uli.key }), 403, 'FORBIDDEN');
    const rw = addKey(t, owner.user.id, { scopes: ['read', 'write'] });
    await errorOf(await mint({ token: rw.key }), 403, 'FORBIDDEN');
  });

  test('it is accepted nowhere but on verify: no reads, no writes, no keys, no JWT, no new credential', async () => {
    const svc = await dataOf<CreatedKey>(await mint(unix), 201);
    for (const [method, path, json] of [
      ['GET', '/api/v1/users/me', undefined],
      ['GET', '/api/v1/projects', undefined],
      ['POST', '/api/v1/projects', { name: 'x' }],
      ['POST', '/api/v1/auth/keys', { name: 'escape' }],
      ['POST', '/api/v1/auth/telegram/link', undefined],
      ['POST', '/api/v1/auth/telegram/bot-credential', undefined],
      ['GET', '/api/v1/users', undefined],
    ] as const) {
      const err = await errorOf(await t.request(path, { method, token: svc.key, json }), 403, 'FORBIDDEN');
      assert.match(err.message, /service credential works only on its own route/, `${method} ${path}`);
    }
    await errorOf(await t.request('/api/v1/auth/token', { method: 'POST', token: svc.key }), 403, 'FORBIDDEN');
    await errorOf(await t.request('/api/v1/auth/token', { method: 'POST', json: { api_key: svc.key } }), 403, 'FORBIDDEN');
  });

  test('POST /auth/keys never makes one, whatever client type is asked', async () => {
    const k = await dataOf<CreatedKey>(await t.request('/api/v1/auth/keys', { method: 'POST', token: owner.key, json: { name: 'fake bot', client_type: 'telegram', scopes: ['read'] } }), 201);
    assert.equal(k.service, null);
    await errorOf(await t.request('/api/v1/auth/keys', { method: 'POST', token: owner.key, json: { name: 'x', service: 'telegram' } }), 400, 'VALIDATION_FAILED');
  });

  test('a credential minted with a JWT expires with it', async () => {
    const jwt = await dataOf<TokenResponse>(await t.request('/api/v1/auth/token', { method: 'POST', token: owner.key, json: { ttl_seconds: 120 } }));
    const k = await dataOf<CreatedKey>(await mint({ token: jwt.token }), 201);
    assert.equal(k.expires_at, jwt.expires_at);
  });
});
