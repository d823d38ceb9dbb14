import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { AuditEntry, PageOf, Project } from '../../contracts/index.ts';
import { addUser, dataOf, errorOf, makeTestApp, manualClock, ownerWithKey } from '../testing.ts';

const unix = { transport: 'unix' as const };

describe('audit trail and GET /api/v1/audit', () => {
  const clock = manualClock();
  const t = makeTestApp({}, clock.now);
  after(() => t.close());
  const owner = t.deps.auth.users.owner();
  const fay = addUser(t, 'fay', { client_type: 'editor' });
  const gus = addUser(t, 'gus');
  const all = async () => (await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit?limit=500', unix))).items;
  let created: Project;
  let failedAt = 0;

  test('a successful mutation is recorded with user, key, client type, transport, action, resource, outcome', async () => {
    clock.advance(1000);
    const res = await t.request('/api/v1/projects', { method: 'POST', token: fay.key, json: { name: 'audited' } });
    created = await dataOf<Project>(res, 201);
    const [e] = await all();
    assert.ok(e);
    assert.deepEqual(
      { ...e, id: undefined },
      {
        id: undefined,
        user_id: fay.user.id,
        key_id: fay.keyId,
        client_type: 'editor',
        transport: 'tcp',
        action: 'POST /api/v1/projects',
        method: 'POST',
        path: '/api/v1/projects',
        resource: created.id,
        status: 201,
        outcome: 'success',
        request_id: res.headers.get('x-request-id'),
        created_at: clock.now(),
      },
    );
    assert.match(e.id, /^aud_[0-9a-z]{26}$/);
  });

  test('failures are recorded too: refused, invalid and unauthenticated requests', async () => {
    clock.advance(1000);
    failedAt = clock.now();
    await errorOf(await t.request(`/api/v1/projects/${created.id}`, { method: 'DELETE', token: gus.key }), 404, 'NOT_FOUND');
    clock.advance(1); // entries of one instant have no defined order
    await errorOf(await t.request('/api/v1/projects', { method: 'POST', token: gus.key, json: { name: '' } }), 400, 'VALIDATION_FAILED');
    clock.advance(1);
    await errorOf(await t.request('/api/v1/projects', { method: 'POST', json: { name: 'anon' } }), 401, 'UNAUTHORIZED');
    const [anon, invalid, denied] = await all();
    assert.deepEqual([denied?.user_id, denied?.action, denied?.status, denied?.outcome, denied?.resource], [gus.user.id, 'DELETE /api/v1/projects/:id', 404, 'failure', created.id]);
    assert.deepEqual([invalid?.user_id, invalid?.status, invalid?.outcome], [gus.user.id, 400, 'failure']);
    assert.deepEqual([anon?.user_id, anon?.key_id, anon?.status, anon?.outcome, anon?.transport], [null, null, 401, 'failure', 'tcp']);
  });

  test('the socket owner is recorded with transport unix and no key', async () => {
    clock.advance(1000);
    await dataOf(await t.request('/api/v1/projects', { method: 'POST', ...unix, json: { name: 'mine' } }), 201);
    const [e] = await all();
    assert.deepEqual([e?.user_id, e?.key_id, e?.client_type, e?.transport, e?.outcome], [owner.id, null, null, 'unix', 'success']);
  });

  test('reads are not recorded', async () => {
    const before = (await all()).length;
    await dataOf(await t.request('/api/v1/projects', { token: fay.key }));
    await dataOf(await t.request('/api/v1/users/me', { token: fay.key }));
    assert.equal((await all()).length, before);
  });

  test('an admin (socket or admin-scoped key) sees everyone; others only themselves', async () => {
    const everyone = new Set((await all()).map((e) => e.user_id));
    assert.deepEqual(everyone, new Set([fay.user.id, gus.user.id, owner.id, null]));
    const adminKey = ownerWithKey(t);
    const viaKey = await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit?limit=500', { token: adminKey.key }));
    assert.ok(viaKey.items.some((e) => e.user_id === gus.user.id));
    const fays = await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit', { token: fay.key }));
    assert.ok(fays.total >= 1);
    assert.ok(fays.items.every((e) => e.user_id === fay.user.id));
    // Naming someone else in the filter does not widen the view.
    const sneaky = await dataOf<PageOf<AuditEntry>>(await t.request(`/api/v1/audit?user_id=${gus.user.id}`, { token: fay.key }));
    assert.ok(sneaky.items.every((e) => e.user_id === fay.user.id));
    assert.equal(sneaky.total, fays.total);
  });

  test('the owner with a key lacking the admin scope sees only their own entries', async () => {
    const rw = ownerWithKey(t, ['read', 'write']);
    const page = await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit?limit=500', { token: rw.key }));
    assert.ok(page.items.length > 0);
    assert.ok(page.items.every((e) => e.user_id === owner.id));
  });

  test('filters: user_id, action, outcome, since/until; paging newest first', async () => {
    const byGus = await dataOf<PageOf<AuditEntry>>(await t.request(`/api/v1/audit?user_id=${gus.user.id}`, unix));
    assert.equal(byGus.total, 2);
    assert.ok(byGus.items.every((e) => e.user_id === gus.user.id));
    const failures = await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit?outcome=failure', unix));
    assert.equal(failures.total, 3);
    const posts = await dataOf<PageOf<AuditEntry>>(await t.request(`/api/v1/audit?action=${encodeURIComponent('POST /api/v1/projects')}`, unix));
    assert.ok(posts.items.every((e) => e.action === 'POST /api/v1/projects'));
    assert.equal(posts.total, 4);
    const window = await dataOf<PageOf<AuditEntry>>(await t.request(`/api/v1/audit?since=${failedAt}&until=${failedAt + 2}`, unix));
    assert.deepEqual(window.items.map((e) => e.status), [401, 400, 404]);
    const page = await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit?limit=2&offset=1', unix));
    const full = await all();
    assert.equal(page.total, full.length);
    assert.deepEqual(page.items.map((e) => e.id), full.slice(1, 3).map((e) => e.id));
    assert.deepEqual(full.map((e) => e.created_at), [...full.map((e) => e.created_at)].sort((a, b) => b - a));
  });

  test('bad filters are 400 with the field named', async () => {
    const err = await errorOf(await t.request('/api/v1/audit?outcome=maybe&limit=9999&since=-1', unix), 400, 'VALIDATION_FAILED');
    assert.deepEqual((err.details as { field: string }[]).map((d) => d.field).sort(), ['query.limit', 'query.outcome', 'query.since']);
  });

  test('the audit log needs authentication on TCP', async () => {
    await errorOf(await t.request('/api/v1/audit'), 401, 'UNAUTHORIZED');
  });
});
