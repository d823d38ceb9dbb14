import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ZeblitError, type ErrorCode } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { Auth } from './index.ts';

const fails = (code: ErrorCode) => (e: unknown) => e instanceof ZeblitError && e.code === code;

describe('users (domain)', () => {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-users-'));
  const database = openDatabase(join(home, 'zeblit.db'));
  let now = Date.UTC(2030, 0, 1);
  const auth = new Auth({ db: database.db, secret: randomBytes(32), now: () => (now += 1) });
  after(() => {
    database.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('the owner is created once, as an admin; later calls return the same user', () => {
    const owner = auth.users.ensureOwner('jo smith!');
    assert.equal(owner.name, 'josmith');
    assert.equal(owner.role, 'admin');
    assert.deepEqual(auth.users.ensureOwner('someone-else'), owner);
    assert.deepEqual(auth.users.owner(), owner);
    const p = auth.socketOwner();
    assert.deepEqual([p.user.id, p.auth, p.transport, p.keyId, p.scopes], [owner.id, 'socket', 'unix', null, ['read', 'write', 'admin']]);
  });

  test('names are unique', () => {
    const u = auth.users.create({ name: 'pat', email: 'pat@example.com' });
    assert.match(u.id, /^usr_[0-9a-z]{26}$/);
    assert.equal(u.role, 'user');
    assert.throws(() => auth.users.create({ name: 'pat' }), fails('CONFLICT'));
  });

  test('find, get and list', () => {
    const u = auth.users.create({ name: 'quin' });
    assert.deepEqual(auth.users.find(u.id), u);
    assert.equal(auth.users.find('usr_missing'), undefined);
    assert.throws(() => auth.users.get('usr_missing'), fails('NOT_FOUND'));
    assert.deepEqual(auth.users.list().map((x) => x.name), ['josmith', 'pat', 'quin']);
  });

  test('the owner cannot be deleted; others go with their keys and links', () => {
    assert.throws(() => auth.users.delete(auth.users.owner().id), fails('FORBIDDEN'));
    const u = auth.users.create({ name: 'rae' });
    const k = auth.keys.create(u.id, { name: 'k' });
    auth.telegram.verify({ token: auth.telegram.createToken(u.id).token, telegram_user_id: 1, chat_id: 1 });
    assert.equal(auth.users.delete(u.id).id, u.id);
    const left = (table: string) => (database.sqlite.prepare(`select count(*) as n from ${table} where user_id = ?`).get(u.id) as { n: number }).n;
    assert.deepEqual([left('api_keys'), left('telegram_links'), left('telegram_link_tokens')], [0, 0, 0]);
    assert.throws(() => auth.keys.verify(k.key), fails('UNAUTHORIZED'));
    assert.throws(() => auth.users.delete(u.id), fails('NOT_FOUND'));
  });

  test('an owner name already taken by a user gets a suffix', () => {
    const home2 = mkdtempSync(join(tmpdir(), 'zeblit-users-'));
    const db2 = openDatabase(join(home2, 'zeblit.db'));
    try {
      const a2 = new Auth({ db: db2.db, secret: randomBytes(32) });
      a2.users.create({ name: 'sam' });
      assert.equal(a2.users.ensureOwner('sam').name, 'sam-owner');
    } finally {
      db2.close();
      rmSync(home2, { recursive: true, force: true });
    }
  });
});
