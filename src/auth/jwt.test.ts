import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { ZeblitError } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { Auth, Jwt, deriveKey } from './index.ts';

const is401 = (message: RegExp) => (e: unknown) => e instanceof ZeblitError && e.code === 'UNAUTHORIZED' && message.test(e.message);

describe('Jwt (sign and verify)', () => {
  let now = Date.UTC(2030, 0, 1);
  const key = randomBytes(32);
  const jwt = new Jwt(key, () => now);
  const claims = { userId: 'usr_1', keyId: 'key_1', clientType: 'web' as const, scopes: ['read' as const] };

  test('round trip keeps the claims; expiry is in milliseconds', async () => {
    const { token, expiresAt } = await jwt.sign(claims, 900);
    assert.ok(Jwt.looksLikeJwt(token));
    assert.equal(expiresAt, now + 900_000);
    assert.deepEqual(await jwt.verify(token), { ...claims, expiresAt });
  });

  test('a token never outlives notAfter (its key): the expiry it reports is the earlier one', async () => {
    const { token, expiresAt } = await jwt.sign(claims, 900, now + 120_000);
    assert.equal(expiresAt, now + 120_000);
    assert.equal((await jwt.verify(token)).expiresAt, now + 120_000);
    assert.equal((await jwt.sign(claims, 60, now + 120_000)).expiresAt, now + 60_000);
  });

  test('expired tokens are refused (injected clock)', async () => {
    const { token } = await jwt.sign(claims, 60);
    now += 59_000;
    await jwt.verify(token);
    now += 2_000;
    await assert.rejects(jwt.verify(token), is401(/expired/));
  });

  test('tampered payload, foreign key, alg none and garbage are refused', async () => {
    const { token } = await jwt.sign(claims, 900);
    const [h, p, sig] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...payload, scp: ['read', 'write', 'admin'] })).toString('base64url');
    await assert.rejects(jwt.verify(`${h}.${forged}.${sig}`), is401(/^Invalid token$/));
    const other = await new Jwt(randomBytes(32), () => now).sign(claims, 900);
    await assert.rejects(jwt.verify(other.token), is401(/^Invalid token$/));
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    await assert.rejects(jwt.verify(none), is401(/^Invalid token$/));
    await assert.rejects(jwt.verify('a.b.c'), is401(/^Invalid token$/));
  });

  test('a token from another issuer or audience, or without a key id, is refused', async () => {
    const iat = Math.floor(now / 1000);
    const base = () => new SignJWT({ kid: 'key_1', scp: ['read'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('usr_1').setIssuedAt(iat).setExpirationTime(iat + 60);
    await assert.rejects(jwt.verify(await base().setIssuer('someone').setAudience('zeblit-api').sign(key)), is401(/Invalid token/));
    await assert.rejects(jwt.verify(await base().setIssuer('zeblitd').setAudience('elsewhere').sign(key)), is401(/Invalid token/));
    const noKid = await new SignJWT({ scp: ['read'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('usr_1')
      .setIssuer('zeblitd')
      .setAudience('zeblit-api')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 60)
      .sign(key);
    await assert.rejects(jwt.verify(noKid), is401(/Invalid token/));
  });

  test('an API key never looks like a JWT', () => {
    assert.equal(Jwt.looksLikeJwt(`zbl_${'a'.repeat(26)}_${'B-_'.repeat(14)}x`), false);
  });
});

describe('Auth.authenticate with JWTs', () => {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-jwt-'));
  const database = openDatabase(join(home, 'zeblit.db'));
  let now = Date.UTC(2030, 0, 1);
  const secret = randomBytes(32);
  const auth = new Auth({ db: database.db, secret, now: () => now });
  const owner = auth.users.ensureOwner('owner');
  after(() => {
    database.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('a token authenticates as its key, with the key client type', async () => {
    const k = auth.keys.create(owner.id, { name: 'web', client_type: 'web' });
    const { token } = await auth.jwt.sign({ userId: owner.id, keyId: k.id, clientType: 'web', scopes: k.scopes }, 300);
    const p = await auth.authenticate(token, 'tcp');
    assert.deepEqual({ user: p.user.id, auth: p.auth, keyId: p.keyId, clientType: p.clientType, scopes: p.scopes, transport: p.transport }, {
      user: owner.id,
      auth: 'jwt',
      keyId: k.id,
      clientType: 'web',
      scopes: ['read', 'write'],
      transport: 'tcp',
    });
  });

  test('a token never carries more scopes than its key', async () => {
    const ro = auth.keys.create(owner.id, { name: 'ro', scopes: ['read'] });
    const { token } = await auth.jwt.sign({ userId: owner.id, keyId: ro.id, clientType: 'cli', scopes: ['read', 'write', 'admin'] }, 300);
    assert.deepEqual((await auth.authenticate(token, 'tcp')).scopes, ['read']);
  });

  test('revoked-key and expired-key tokens are refused', async () => {
    const k = auth.keys.create(owner.id, { name: 'gone', expires_in_days: 1 });
    const { token } = await auth.jwt.sign({ userId: owner.id, keyId: k.id, clientType: 'cli', scopes: k.scopes }, 86_400);
    await auth.authenticate(token, 'tcp');
    now += 86_400_000 - 1000;
    await auth.authenticate(token, 'tcp');
    now += 1000;
    await assert.rejects(auth.authenticate(token, 'tcp'), is401(/expired/));
    const k2 = auth.keys.create(owner.id, { name: 'revoked' });
    const t2 = await auth.jwt.sign({ userId: owner.id, keyId: k2.id, clientType: 'cli', scopes: k2.scopes }, 300);
    auth.keys.revoke(owner.id, k2.id);
    await assert.rejects(auth.authenticate(t2.token, 'tcp'), is401(/revoked/));
  });

  test('a token naming an unknown key is refused', async () => {
    const { token } = await auth.jwt.sign({ userId: owner.id, keyId: 'key_nope', clientType: 'cli', scopes: ['read'] }, 300);
    await assert.rejects(auth.authenticate(token, 'tcp'), is401(/./));
  });

  test('tokens are signed with a key derived from the server secret, not the secret itself', async () => {
    const k = auth.keys.create(owner.id, { name: 'raw' });
    const claims = { userId: owner.id, keyId: k.id, clientType: 'cli' as const, scopes: k.scopes };
    const withRaw = await new Jwt(secret, () => now).sign(claims, 300);
    await assert.rejects(auth.authenticate(withRaw.token, 'tcp'), is401(/Invalid token/));
    const withDerived = await new Jwt(deriveKey(secret, 'jwt'), () => now).sign(claims, 300);
    assert.equal((await auth.authenticate(withDerived.token, 'tcp')).keyId, k.id);
  });
});
