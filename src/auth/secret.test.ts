import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openDatabase } from '../db/index.ts';
import { Auth, deriveKey, loadOrCreateSecret } from './index.ts';

const mode = (file: string) => statSync(file).mode & 0o777;

describe('server secret file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeblit-secret-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('created once: 32 random bytes, mode 0600, even under a permissive umask', () => {
    const file = join(dir, 'a.key');
    const old = process.umask(0);
    try {
      const secret = loadOrCreateSecret(file);
      assert.equal(secret.length, 32);
      assert.equal(mode(file), 0o600);
      assert.deepEqual(readFileSync(file), secret);
      assert.deepEqual(loadOrCreateSecret(file), secret, 'the same secret on the next start');
    } finally {
      process.umask(old);
    }
  });

  test('two homes get different secrets', () => {
    assert.notDeepEqual(loadOrCreateSecret(join(dir, 'b.key')), loadOrCreateSecret(join(dir, 'c.key')));
  });

  test('an existing file that is too open is tightened to 0600', () => {
    const file = join(dir, 'open.key');
    writeFileSync(file, Buffer.alloc(32, 7));
    chmodSync(file, 0o644);
    assert.deepEqual(loadOrCreateSecret(file), Buffer.alloc(32, 7));
    assert.equal(mode(file), 0o600);
  });

  test('a damaged (short) file is an error, never silently replaced', () => {
    const file = join(dir, 'short.key');
    writeFileSync(file, Buffer.alloc(5), { mode: 0o600 });
    assert.throws(() => loadOrCreateSecret(file), /damaged/);
    assert.equal(readFileSync(file).length, 5);
  });

  test('derived keys are deterministic and differ per purpose', () => {
    const secret = Buffer.alloc(32, 1);
    assert.deepEqual(deriveKey(secret, 'jwt'), deriveKey(secret, 'jwt'));
    assert.notDeepEqual(deriveKey(secret, 'jwt'), deriveKey(secret, 'api-key-hash'));
    assert.notDeepEqual(deriveKey(secret, 'jwt'), secret);
    assert.equal(deriveKey(secret, 'link-token-hash').length, 32);
  });

  test('Auth.fromSecretFile writes the file 0600 and keys survive a restart with it', () => {
    const home = mkdtempSync(join(dir, 'home-'));
    const database = openDatabase(join(home, 'zeblit.db'));
    try {
      const first = Auth.fromSecretFile(database.db, join(home, 'secret.key'));
      assert.equal(mode(join(home, 'secret.key')), 0o600);
      const owner = first.users.ensureOwner('owner');
      const k = first.keys.create(owner.id, { name: 'k' });
      const again = Auth.fromSecretFile(database.db, join(home, 'secret.key'));
      assert.equal(again.keys.verify(k.key).keyId, k.id);
    } finally {
      database.close();
    }
  });
});
