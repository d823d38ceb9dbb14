import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, beforeEach, describe, test } from 'node:test';
import type { CreatedUser, Me, Project, User } from '../../contracts/index.ts';
import { addKey, addUser, dataOf, errorOf, makeTestApp, manualClock, ownerWithKey, type TestApp } from '../testing.ts';

const unix = { transport: 'unix' as const };

describe('GET /api/v1/users/me', () => {
  const t = makeTestApp();
  after(() => t.close());

  test('on the socket without a token the caller is the owner, with every scope', async () => {
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', unix));
    assert.equal(me.user.id, t.deps.auth.users.owner().id);
    assert.equal(me.user.role, 'admin');
    assert.equal(me.transport, 'unix');
    assert.equal(me.auth, 'socket');
    assert.equal(me.key_id, null);
    assert.equal(me.client_type, null);
    assert.deepEqual(me.scopes, ['read', 'write', 'admin']);
  });

  test('a bearer token on the socket decides who the caller is', async () => {
    const bob = addUser(t, 'bob-me', { client_type: 'editor' });
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', { ...unix, token: bob.key }));
    assert.equal(me.user.id, bob.user.id);
    assert.equal(me.transport, 'unix');
    assert.equal(me.auth, 'api_key');
    assert.equal(me.key_id, bob.keyId);
    assert.equal(me.client_type, 'editor');
    assert.deepEqual(me.scopes, ['read', 'write']);
  });

  test('on TCP a key is required', async () => {
    const res = await t.request('/api/v1/users/me');
    await errorOf(res, 401, 'UNAUTHORIZED');
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="zeblit"');
  });

  test('a non-admin may ask who they are', async () => {
    const carol = addUser(t, 'carol-me');
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', { token: carol.key }));
    assert.equal(me.user.name, 'carol-me');
    assert.equal(me.user.role, 'user');
    assert.equal(me.transport, 'tcp');
  });
});

describe('POST /api/v1/users', () => {
  const t = makeTestApp();
  after(() => t.close());

  test('creates a user and returns a first key that works at once', async () => {
    const created = await dataOf<CreatedUser>(await t.request('/api/v1/users', { method: 'POST', ...unix, json: { name: 'dave', email: 'dave@example.com' } }), 201);
    assert.match(created.user.id, /^usr_[0-9a-z]{26}$/);
    assert.equal(created.user.name, 'dave');
    assert.equal(created.user.email, 'dave@example.com');
    assert.equal(created.user.role, 'user');
    assert.match(created.api_key.key, /^zbl_[0-9a-z]{26}_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(created.api_key.scopes, ['read', 'write']);
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', { token: created.api_key.key }));
    assert.equal(me.user.id, created.user.id);
    assert.equal(me.key_id, created.api_key.id);
  });

  test('an admin user gets a first key that can do admin work', async () => {
    const created = await dataOf<CreatedUser>(await t.request('/api/v1/users', { method: 'POST', ...unix, json: { name: 'erin', role: 'admin' } }), 201);
    assert.equal(created.user.role, 'admin');
    assert.deepEqual(created.api_key.scopes, ['read', 'write', 'admin']);
    const users = await dataOf<User[]>(await t.request('/api/v1/users', { token: created.api_key.key }));
    assert.ok(users.some((u) => u.name === 'erin'));
  });

  test('a taken name is 409 CONFLICT', async () => {
    const err = await errorOf(await t.request('/api/v1/users', { method: 'POST', ...unix, json: { name: 'dave' } }), 409, 'CONFLICT');
    assert.match(err.message, /dave/);
  });

  test('bad fields are 400 VALIDATION_FAILED with one detail per field', async () => {
    const err = await errorOf(
      await t.request('/api/v1/users', { method: 'POST', ...unix, json: { name: '-bad name', email: 'not-an-email', role: 'god', extra: 1 } }),
      400,
      'VALIDATION_FAILED',
    );
    const fields = (err.details as { field: string }[]).map((d) => d.field).sort();
    assert.deepEqual(fields, ['body', 'body.email', 'body.name', 'body.role']);
  });

  test('a huge name is refused with 400, not stored', async () => {
    await errorOf(await t.request('/api/v1/users', { method: 'POST', ...unix, json: { name: 'x'.repeat(100_000) } }), 400, 'VALIDATION_FAILED');
    assert.equal(t.deps.auth.users.list().length, 3);
  });

  test('a non-admin gets 403 and no user is created', async () => {
    const frank = addUser(t, 'frank');
    const err = await errorOf(await t.request('/api/v1/users', { method: 'POST', token: frank.key, json: { name: 'mallory' } }), 403, 'FORBIDDEN');
    assert.match(err.message, /admin/);
    assert.ok(!t.deps.auth.users.list().some((u) => u.name === 'mallory'));
  });

  test('the owner with a key lacking the admin scope gets 403 too', async () => {
    const { key } = ownerWithKey(t, ['read', 'write']);
    await errorOf(await t.request('/api/v1/users', { method: 'POST', token: key, json: { name: 'mallory' } }), 403, 'FORBIDDEN');
  });

  test('a user role with an admin-scoped key is still refused', async () => {
    const gina = addUser(t, 'gina', { scopes: ['read', 'write', 'admin'] });
    const err = await errorOf(await t.request('/api/v1/users', { method: 'POST', token: gina.key, json: { name: 'mallory' } }), 403, 'FORBIDDEN');
    assert.equal(err.message, 'Only an admin can do this');
  });
});

describe('GET /api/v1/users', () => {
  const clock = manualClock();
  const t = makeTestApp({}, clock.now);
  after(() => t.close());

  test('lists every user, oldest first, for an admin', async () => {
    clock.advance(1);
    addUser(t, 'hank');
    const { key } = ownerWithKey(t);
    const users = await dataOf<User[]>(await t.request('/api/v1/users', { token: key }));
    assert.deepEqual(users.map((u) => u.name), ['owner', 'hank']);
    assert.ok(users.every((u) => Object.keys(u).sort().join() === 'created_at,email,id,name,role'));
  });

  test('a non-admin gets 403', async () => {
    const ivy = addUser(t, 'ivy');
    await errorOf(await t.request('/api/v1/users', { token: ivy.key }), 403, 'FORBIDDEN');
  });
});

describe('DELETE /api/v1/users/{id}', () => {
  let t: TestApp;
  beforeEach(() => {
    t?.close();
    t = makeTestApp();
  });
  after(() => t.close());

  test('removes the user, their keys stop working, their workspaces go', async () => {
    const jay = addUser(t, 'jay');
    const project = await dataOf<Project>(await t.request('/api/v1/projects', { method: 'POST', token: jay.key, json: { name: 'site' } }), 201);
    const ws = t.deps.projects.workspace(project);
    assert.ok(existsSync(ws));
    const deleted = await dataOf<User>(await t.request(`/api/v1/users/${jay.user.id}`, { method: 'DELETE', ...unix }));
    assert.equal(deleted.id, jay.user.id);
    assert.equal(t.deps.auth.users.find(jay.user.id), undefined);
    assert.ok(!existsSync(ws));
    await errorOf(await t.request('/api/v1/users/me', { token: jay.key }), 401, 'UNAUTHORIZED');
  });

  test('unknown user is 404', async () => {
    await errorOf(await t.request('/api/v1/users/usr_00000000000000000000000000', { method: 'DELETE', ...unix }), 404, 'NOT_FOUND');
  });

  test('an admin cannot delete themselves', async () => {
    const owner = t.deps.auth.users.owner();
    const err = await errorOf(await t.request(`/api/v1/users/${owner.id}`, { method: 'DELETE', ...unix }), 403, 'FORBIDDEN');
    assert.match(err.message, /yourself/);
  });

  test('another admin cannot delete the owner, and the owner keeps every project', async () => {
    const owner = t.deps.auth.users.owner();
    const project = t.deps.projects.create(owner.id, { name: 'precious' });
    const kim = addUser(t, 'kim', { role: 'admin', scopes: ['read', 'write', 'admin'] });
    const err = await errorOf(await t.request(`/api/v1/users/${owner.id}`, { method: 'DELETE', token: kim.key }), 403, 'FORBIDDEN');
    assert.match(err.message, /owner/);
    assert.equal(t.deps.projects.get(owner.id, project.id).name, 'precious');
    assert.ok(existsSync(t.deps.projects.workspace(project)));
  });

  test('a non-admin gets 403 and the target survives', async () => {
    const lee = addUser(t, 'lee');
    const mia = addUser(t, 'mia');
    await errorOf(await t.request(`/api/v1/users/${mia.user.id}`, { method: 'DELETE', token: lee.key }), 403, 'FORBIDDEN');
    assert.ok(t.deps.auth.users.find(mia.user.id));
  });

  test('a read-only admin key cannot delete', async () => {
    const owner = t.deps.auth.users.owner();
    const ro = addKey(t, owner.id, { scopes: ['read'] });
    const ned = addUser(t, 'ned');
    await errorOf(await t.request(`/api/v1/users/${ned.user.id}`, { method: 'DELETE', token: ro.key }), 403, 'FORBIDDEN');
  });

  test('an id over 64 characters is 400 with the param named', async () => {
    const err = await errorOf(await t.request(`/api/v1/users/${'u'.repeat(65)}`, { method: 'DELETE', ...unix }), 400, 'VALIDATION_FAILED');
    assert.equal((err.details as { field: string }[])[0]?.field, 'param.id');
  });
});
