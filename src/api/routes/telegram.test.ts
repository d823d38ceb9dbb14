import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AuditEntry, Health, PageOf, TelegramConfigView } from '../../contracts/index.ts';
import { addUser, dataOf, errorOf, makeTestApp, ownerWithKey, type TestApp, type TestUser } from '../testing.ts';

const TOKEN = '7012345678:AAE-route-test_SECRET-token-9f3a';

describe('/api/v1/config/telegram', () => {
  let t: TestApp;
  let owner: TestUser;
  let fay: TestUser;
  let changes = 0;
  before(() => {
    t = makeTestApp();
    owner = ownerWithKey(t);
    fay = addUser(t, 'fay');
    t.deps.telegram.config.onChange(() => changes++);
  });
  after(() => t.close());

  test('nothing configured: no token, no allow-list, the bot not configured', async () => {
    const v = await dataOf<TelegramConfigView>(await t.request('/api/v1/config/telegram', { token: owner.key }));
    assert.deepEqual([v.token_set, v.token_source, v.token_hint, v.allowed_users, v.problem, v.bot.state], [false, null, null, [], null, 'not_configured']);
  });

  test('only an admin reads or changes it', async () => {
    await errorOf(await t.request('/api/v1/config/telegram', { token: fay.key }), 403, 'FORBIDDEN');
    await errorOf(await t.request('/api/v1/config/telegram', { method: 'PUT', token: fay.key, json: { bot_token: TOKEN } }), 403, 'FORBIDDEN');
    const readOnlyAdmin = ownerWithKey(t, ['read', 'write']);
    await errorOf(await t.request('/api/v1/config/telegram', { token: readOnlyAdmin.key }), 403, 'FORBIDDEN');
  });

  test('PUT stores the token sealed; no response, audit entry or file shows it; listeners hear of it', async () => {
    const before = changes;
    const res = await t.request('/api/v1/config/telegram', { method: 'PUT', token: owner.key, json: { bot_token: ` ${TOKEN} `, allowed_users: [1001, 1001, 2002] } });
    const text = await res.clone().text();
    const v = await dataOf<TelegramConfigView>(res);
    assert.ok(!text.includes(TOKEN.slice(0, -4)), 'the token is not in the response');
    assert.deepEqual([v.token_set, v.token_source, v.token_hint, v.allowed_users], [true, 'config', '…9f3a', [1001, 2002]]);
    assert.equal(changes, before + 1);
    assert.equal(t.deps.telegram.config.resolved().token, TOKEN, 'the daemon opens it');

    const file = join(t.deps.paths.telegram, 'settings.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(t.deps.paths.telegram).mode & 0o777, 0o700);
    assert.ok(!readFileSync(file, 'utf8').includes(TOKEN.slice(5, -4)), 'the file holds it sealed');
    const audit = await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit?limit=500', { transport: 'unix' }));
    const entry = audit.items.find((e) => e.action === 'PUT /api/v1/config/telegram');
    assert.equal(entry?.resource, 'config/telegram');
    assert.ok(!JSON.stringify(audit).includes(TOKEN.slice(0, -4)));
  });

  test('bad input is a 400 naming the field, and changes nothing', async () => {
    for (const body of [{ bot_token: 'not-a-token' }, { allowed_users: [-5] }, { allowed_users: ['1001'] }, {}, { colour: 'red' }]) {
      const e = await errorOf(await t.request('/api/v1/config/telegram', { method: 'PUT', token: owner.key, json: body }), 400, 'VALIDATION_FAILED');
      assert.ok(e.message.length > 0);
    }
    const e = await errorOf(await t.request('/api/v1/config/telegram', { method: 'PUT', token: owner.key, json: { bot_token: 'abc' } }), 400, 'VALIDATION_FAILED');
    assert.match(JSON.stringify(e.details), /BotFather/);
    assert.equal(t.deps.telegram.config.resolved().token, TOKEN);
  });

  test('null removes the token and clears the allow-list', async () => {
    const v = await dataOf<TelegramConfigView>(await t.request('/api/v1/config/telegram', { method: 'PUT', token: owner.key, json: { bot_token: null, allowed_users: null } }));
    assert.deepEqual([v.token_set, v.allowed_users], [false, []]);
  });

  test('a damaged settings file is reported, never written over, and runs no bot', async () => {
    const file = join(t.deps.paths.telegram, 'settings.json');
    writeFileSync(file, '{ "version": 1, "allowed_users": [1001], "bot_tok');
    const v = await dataOf<TelegramConfigView>(await t.request('/api/v1/config/telegram', { token: owner.key }));
    assert.match(v.problem ?? '', /damaged/);
    assert.equal(v.token_set, false);
    const e = await errorOf(await t.request('/api/v1/config/telegram', { method: 'PUT', token: owner.key, json: { bot_token: TOKEN } }), 409, 'CONFLICT');
    assert.match(e.suggestion ?? '', /remove it/);
    assert.match(readFileSync(file, 'utf8'), /bot_tok$/, 'left as it was');
  });

  test("the bot's state is in /health for the owner and admins, not for others", async () => {
    const mine = await dataOf<Health>(await t.request('/api/v1/health', { transport: 'unix' }));
    assert.equal(mine.telegram_bot?.state, 'not_configured');
    const admin = await dataOf<Health>(await t.request('/api/v1/health', { token: owner.key }));
    assert.equal(admin.telegram_bot?.state, 'not_configured');
    const other = await dataOf<Health>(await t.request('/api/v1/health', { token: fay.key }));
    assert.equal(other.telegram_bot, undefined);
  });
});
