import assert from 'node:assert/strict';
import crypto, { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, mock, test } from 'node:test';
import { ZeblitError } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { Auth, deriveKey } from './index.ts';

const DAY = 86_400_000;

function setup() {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-keys-'));
  const database = openDatabase(join(home, 'zeblit.db'));
  let now = Date.UTC(2030, 0, 1);
  const secret = crypto.randomBytes(32);
  const auth = new Auth({ db: database.db, secret, now: () => now });
  const owner = auth.users.ensureOwner('owner');
  return {
    home,
    database,
    auth,
    secret,
    owner,
    clock: { now: () => now, advance: (ms: number) => void (now += ms) },
    close: () => {
      database.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

function throws401(fn: () => unknown, message: RegExp) {
  assert.throws(fn, (e: unknown) => e instanceof ZeblitError && e.code === 'UNAUTHORIZED' && message.test(e.message));
}

describe('API keys (domain)', () => {
  const s = setup();
  after(() => s.close());
  const { auth, owner } = s;

  test('format zbl_<id body>_<43-char secret>; defaults read+write and cli', () => {
    const k = auth.keys.create(owner.id, { name: 'laptop' });
    const m = /^zbl_([0-9a-hjkmnp-tv-z]{26})_([A-Za-z0-9_-]{43})$/.exec(k.key);
    assert.ok(m, k.key);
    assert.equal(`key_${m[1]}`, k.id);
    assert.deepEqual(k.scopes, ['read', 'write']);
    assert.equal(k.client_type, 'cli');
    assert.equal(k.prefix, k.key.slice(0, 12));
    // Two keys never share a secret.
    const k2 = auth.keys.create(owner.id, { name: 'laptop' });
    assert.notEqual(k.key.slice(-43), k2.key.slice(-43));
  });

  test('only a keyed hash is stored: the raw key and its secret appear nowhere in the row or the file', () => {
    const k = auth.keys.create(owner.id, { name: 'stored', scopes: ['read'] });
    const secretPart = k.key.slice(-43); // base64url: the secret itself may contain _
    const row = s.database.sqlite.prepare('select * from api_keys where id = ?').get(k.id) as Record<string, unknown>;
    const text = JSON.stringify(row);
    assert.ok(!text.includes(k.key));
    assert.ok(!text.includes(secretPart));
    assert.equal(row.hash, createHmac('sha256', deriveKey(s.secret, 'api-key-hash')).update(k.key).digest('base64url'));
    // A plain (unkeyed) hash would let a stolen database be brute-forced offline.
    assert.notEqual(row.hash, crypto.createHash('sha256').update(k.key).digest('base64url'));
    s.database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    const file = readFileSync(join(s.home, 'zeblit.db'));
    assert.equal(file.indexOf(secretPart), -1);
    assert.ok(file.indexOf(k.id) >= 0, 'the row is in the file we searched');
  });

  test('verify: the right key passes; wrong secret, unknown id and garbage fail alike', () => {
    const k = auth.keys.create(owner.id, { name: 'v', client_type: 'editor', scopes: ['read', 'write', 'admin'] });
    assert.deepEqual(auth.keys.verify(k.key), {
      keyId: k.id,
      userId: owner.id,
      clientType: 'editor',
      scopes: ['read', 'write', 'admin'],
      service: null,
      expiresAt: null,
      projectId: null,
    });
    const last = k.key.at(-1) === 'A' ? 'B' : 'A';
    throws401(() => auth.keys.verify(k.key.slice(0, -1) + last), /^Invalid API key$/);
    throws401(() => auth.keys.verify(`zbl_${'0'.repeat(26)}_${k.key.slice(-43)}`), /^Invalid API key$/);
    throws401(() => auth.keys.verify('zbl_short'), /Malformed/);
    throws401(() => auth.keys.verify(`${k.key}x`), /Malformed/);
  });

  test('constant-time path: a wrong secret and an unknown id both do one timingSafeEqual of equal lengths', () => {
    const k = auth.keys.create(owner.id, { name: 'ct' });
    const calls: [number, number][] = [];
    const real = crypto.timingSafeEqual;
    const spy = mock.method(crypto, 'timingSafeEqual', (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      calls.push([a.byteLength, b.byteLength]);
      return real(a, b);
    });
    syncBuiltinESMExports();
    try {
      assert.throws(() => auth.keys.verify(k.key.slice(0, -1) + (k.key.endsWith('x') ? 'y' : 'x')));
      assert.throws(() => auth.keys.verify(`zbl_${'1'.repeat(26)}_${k.key.slice(-43)}`));
      auth.keys.verify(k.key);
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
    assert.equal(calls.length, 3);
    for (const [a, b] of calls) assert.equal(a, b);
  });

  test('revoke: effective on the next verify; idempotent; another user cannot', () => {
    const k = auth.keys.create(owner.id, { name: 'r' });
    auth.keys.verify(k.key);
    const other = auth.users.create({ name: 'other' });
    assert.throws(() => auth.keys.revoke(other.id, k.id), (e: unknown) => e instanceof ZeblitError && e.code === 'NOT_FOUND');
    auth.keys.verify(k.key);
    const r = auth.keys.revoke(owner.id, k.id);
    assert.equal(r.revoked_at, s.clock.now());
    throws401(() => auth.keys.verify(k.key), /revoked/);
    throws401(() => auth.keys.assertActive(k.id), /revoked/);
    s.clock.advance(10);
    assert.equal(auth.keys.revoke(owner.id, k.id).revoked_at, r.revoked_at);
  });

  test('expiry follows the injected clock, to the millisecond', () => {
    const k = auth.keys.create(owner.id, { name: 'e', expires_in_days: 2 });
    assert.equal(k.expires_at, s.clock.now() + 2 * DAY);
    s.clock.advance(2 * DAY - 1);
    auth.keys.verify(k.key);
    auth.keys.assertActive(k.id);
    s.clock.advance(1);
    throws401(() => auth.keys.verify(k.key), /expired/);
    throws401(() => auth.keys.assertActive(k.id), /expired/);
  });

  test("notAfter caps the expiry (the creator's own); an earlier request is kept", () => {
    const cap = s.clock.now() + 60_000;
    assert.equal(auth.keys.create(owner.id, { name: 'c1' }, { notAfter: cap }).expires_at, cap);
    assert.equal(auth.keys.create(owner.id, { name: 'c2', expires_in_days: 1 }, { notAfter: cap }).expires_at, cap);
    assert.equal(auth.keys.create(owner.id, { name: 'c3', expires_in_days: 1 }, { notAfter: s.clock.now() + 2 * DAY }).expires_at, s.clock.now() + DAY);
    assert.equal(auth.keys.create(owner.id, { name: 'c4' }, { notAfter: null }).expires_at, null);
  });

  test('rotateService: one active credential per service, no scopes, earlier ones revoked at once', () => {
    const a = auth.keys.rotateService('telegram', owner.id);
    assert.equal(auth.keys.verify(a.key).service, 'telegram');
    assert.deepEqual(a.scopes, []);
    const b = auth.keys.rotateService('telegram', owner.id, { notAfter: s.clock.now() + 1000 });
    throws401(() => auth.keys.verify(a.key), /revoked/);
    assert.equal(b.expires_at, s.clock.now() + 1000);
    assert.equal(auth.keys.verify(b.key).service, 'telegram');
    assert.equal(auth.keys.list(owner.id).filter((k) => k.service === 'telegram').length, 1);
  });

  test('last_used_at is recorded, at most every 30 seconds', () => {
    const k = auth.keys.create(owner.id, { name: 'u' });
    assert.equal(auth.keys.get(owner.id, k.id).last_used_at, null);
    const first = s.clock.now();
    auth.keys.verify(k.key);
    assert.equal(auth.keys.get(owner.id, k.id).last_used_at, first);
    s.clock.advance(30_000);
    auth.keys.verify(k.key);
    assert.equal(auth.keys.get(owner.id, k.id).last_used_at, first);
    s.clock.advance(1);
    auth.keys.verify(k.key);
    assert.equal(auth.keys.get(owner.id, k.id).last_used_at, s.clock.now());
  });

  test('list: newest first, revoked hidden unless asked, other users never', () => {
    const u = auth.users.create({ name: 'lister' });
    const a = auth.keys.create(u.id, { name: 'a' });
    s.clock.advance(1);
    const b = auth.keys.create(u.id, { name: 'b' });
    s.clock.advance(1);
    const c = auth.keys.create(u.id, { name: 'c' });
    auth.keys.revoke(u.id, b.id);
    assert.deepEqual(auth.keys.list(u.id).map((k) => k.id), [c.id, a.id]);
    assert.deepEqual(auth.keys.list(u.id, true).map((k) => k.id), [c.id, b.id, a.id]);
    assert.ok(auth.keys.list(u.id, true).every((k) => !('key' in k) && !('hash' in k)));
  });

  test('create validates its input', () => {
    assert.throws(() => auth.keys.create(owner.id, { name: '' }));
    assert.throws(() => auth.keys.create(owner.id, { name: 'x', scopes: [] }));
    assert.throws(() => auth.keys.create(owner.id, { name: 'x', expires_in_days: 0 }));
  });

  test('a key of a deleted user no longer authenticates', async () => {
    const u = auth.users.create({ name: 'leaver' });
    const k = auth.keys.create(u.id, { name: 'k' });
    assert.equal((await auth.authenticate(k.key, 'tcp')).user.id, u.id);
    auth.users.delete(u.id);
    await assert.rejects(auth.authenticate(k.key, 'tcp'), (e: unknown) => e instanceof ZeblitError && e.code === 'UNAUTHORIZED');
  });
});
