import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ZeblitError, type ErrorCode } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { Auth } from './index.ts';
import { LINK_TOKEN_TTL_MS } from './telegram.ts';

const fails = (code: ErrorCode, message: RegExp) => (e: unknown) => e instanceof ZeblitError && e.code === code && message.test(e.message);

describe('Telegram links (domain)', () => {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-tg-'));
  const database = openDatabase(join(home, 'zeblit.db'));
  let now = Date.UTC(2030, 0, 1);
  const auth = new Auth({ db: database.db, secret: randomBytes(32), now: () => now });
  const owner = auth.users.ensureOwner('owner');
  const uma = auth.users.create({ name: 'uma' });
  after(() => {
    database.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('tokens last 10 minutes and are stored only as a keyed hash', () => {
    assert.equal(LINK_TOKEN_TTL_MS, 600_000);
    const t = auth.telegram.createToken(uma.id);
    assert.equal(t.expires_at, now + 600_000);
    const rows = database.sqlite.prepare('select * from telegram_link_tokens').all();
    assert.ok(!JSON.stringify(rows).includes(t.token));
    assert.ok(!JSON.stringify(rows).includes(t.token.slice(4)));
  });

  test('verify: one time, links the token owner, returns a telegram key of theirs', async () => {
    const t = auth.telegram.createToken(uma.id);
    const { link, api_key } = auth.telegram.verify({ token: t.token, telegram_user_id: 111, chat_id: 222 });
    assert.equal(link.user_id, uma.id);
    assert.equal(link.telegram_user_id, '111');
    assert.equal(link.chat_id, '222');
    assert.equal(link.username, null);
    assert.equal(link.key_id, api_key.id);
    assert.equal(api_key.client_type, 'telegram');
    assert.equal(api_key.name, 'telegram:111');
    const p = await auth.authenticate(api_key.key, 'tcp');
    assert.equal(p.user.id, uma.id);
    assert.throws(() => auth.telegram.verify({ token: t.token, telegram_user_id: 333, chat_id: 1 }), fails('INVALID_TOKEN', /already used/));
  });

  test('expiry: valid until 10 minutes, refused at 10 minutes', () => {
    const a = auth.telegram.createToken(uma.id);
    const b = auth.telegram.createToken(uma.id);
    now += LINK_TOKEN_TTL_MS - 1;
    auth.telegram.verify({ token: a.token, telegram_user_id: 444, chat_id: 1 });
    now += 1;
    assert.throws(() => auth.telegram.verify({ token: b.token, telegram_user_id: 555, chat_id: 1 }), fails('INVALID_TOKEN', /expired/));
  });

  test('a refused verify leaves the token unused', () => {
    const t = auth.telegram.createToken(uma.id);
    assert.throws(() => auth.telegram.verify({ token: t.token, telegram_user_id: 'not-a-number', chat_id: 1 }));
    auth.telegram.verify({ token: t.token, telegram_user_id: 666, chat_id: 1 });
  });

  test("an account linked to another user is refused (409) and nothing of that user changes; the token stays unspent", async () => {
    const first = auth.telegram.verify({ token: auth.telegram.createToken(uma.id).token, telegram_user_id: 777, chat_id: 1 });
    const owners = auth.telegram.createToken(owner.id);
    assert.throws(() => auth.telegram.verify({ token: owners.token, telegram_user_id: 777, chat_id: 2 }), fails('CONFLICT', /already linked to another Zeblit user/));
    assert.deepEqual(auth.telegram.list(uma.id).filter((l) => l.telegram_user_id === '777').map((l) => l.id), [first.link.id]);
    assert.equal((await auth.authenticate(first.api_key.key, 'tcp')).user.id, uma.id);
    // Once uma unlinks, the same token works for the owner.
    auth.telegram.delete(uma.id, first.link.id);
    assert.equal(auth.telegram.verify({ token: owners.token, telegram_user_id: 777, chat_id: 2 }).link.user_id, owner.id);
  });

  test('relinking an account to the same user replaces the link and revokes its old key', async () => {
    const first = auth.telegram.verify({ token: auth.telegram.createToken(uma.id).token, telegram_user_id: 778, chat_id: 1 });
    const second = auth.telegram.verify({ token: auth.telegram.createToken(uma.id).token, telegram_user_id: 778, chat_id: 2 });
    assert.deepEqual(auth.telegram.list(uma.id).filter((l) => l.telegram_user_id === '778').map((l) => l.id), [second.link.id]);
    await assert.rejects(auth.authenticate(first.api_key.key, 'tcp'), fails('UNAUTHORIZED', /revoked/));
  });

  test('the link key takes its scopes and expiry from the grant recorded with the token', () => {
    const t = auth.telegram.createToken(uma.id, { scopes: ['read', 'admin'], notAfter: now + 5_000 });
    const { api_key } = auth.telegram.verify({ token: t.token, telegram_user_id: 779, chat_id: 1 });
    assert.deepEqual(api_key.scopes, ['read']);
    assert.equal(api_key.expires_at, now + 5_000);
    assert.throws(() => auth.telegram.createToken(uma.id, { scopes: ['admin'], notAfter: null }), fails('FORBIDDEN', /read or write/));
  });

  test("delete: only the user's own link; revokes its key", async () => {
    const { link, api_key } = auth.telegram.verify({ token: auth.telegram.createToken(uma.id).token, telegram_user_id: 888, chat_id: 1 });
    assert.throws(() => auth.telegram.delete(owner.id, link.id), fails('NOT_FOUND', /./));
    await auth.authenticate(api_key.key, 'tcp');
    assert.equal(auth.telegram.delete(uma.id, link.id).id, link.id);
    await assert.rejects(auth.authenticate(api_key.key, 'tcp'), fails('UNAUTHORIZED', /revoked/));
    assert.ok(!auth.telegram.list(uma.id).some((l) => l.id === link.id));
  });
});
