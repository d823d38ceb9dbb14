import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { Me } from '../../contracts/index.ts';
import { addKey, addUser, dataOf, errorOf, makeTestApp } from '../testing.ts';

describe('authenticate middleware', () => {
  const t = makeTestApp();
  after(() => t.close());
  const kit = addUser(t, 'kit');

  test('TCP without credentials: 401 with WWW-Authenticate and a suggestion', async () => {
    for (const [path, method] of [['/api/v1/projects', 'GET'], ['/api/v1/projects', 'POST'], ['/api/v1/auth/keys', 'GET'], ['/api/v1/audit', 'GET']] as const) {
      const res = await t.request(path, { method, json: method === 'POST' ? { name: 'x' } : undefined });
      const err = await errorOf(res, 401, 'UNAUTHORIZED');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="zeblit"');
      assert.match(err.suggestion ?? '', /create-key/);
    }
  });

  test('public routes need nothing on TCP', async () => {
    await dataOf(await t.request('/api/v1/health'));
    const doc = await t.request('/api/v1/openapi.json');
    assert.equal(doc.status, 200);
  });

  test('malformed Authorization headers are 401, never a fallback to anonymous or owner', async () => {
    for (const authorization of ['Basic a2l0OnB3', 'Bearer', 'Bearer ', 'Bearer a b', 'Token abc', kit.key]) {
      for (const transport of ['tcp', 'unix'] as const) {
        const err = await errorOf(await t.request('/api/v1/users/me', { transport, headers: { authorization } }), 401, 'UNAUTHORIZED');
        assert.match(err.message, /Malformed/);
      }
    }
  });

  test('the scheme is case-insensitive; trailing blanks are tolerated', async () => {
    const me = await dataOf<Me>(await t.request('/api/v1/users/me', { headers: { authorization: `bearer ${kit.key}  ` } }));
    assert.equal(me.user.id, kit.user.id);
  });

  test('a wrong key on the socket is 401, not the owner', async () => {
    const wrong = kit.key.slice(0, -4) + (kit.key.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    await errorOf(await t.request('/api/v1/users/me', { transport: 'unix', token: wrong }), 401, 'UNAUTHORIZED');
  });

  test('unknown route: 401 on TCP without a key (nothing revealed), 404 with one', async () => {
    await errorOf(await t.request('/api/v1/nothing'), 401, 'UNAUTHORIZED');
    await errorOf(await t.request('/api/v1/nothing', { token: kit.key }), 404, 'NOT_FOUND');
  });

  test('scopes: read-only keys read, and get 403 FORBIDDEN on writes', async () => {
    const ro = addKey(t, kit.user.id, { scopes: ['read'] });
    await dataOf(await t.request('/api/v1/projects', { token: ro.key }));
    const err = await errorOf(await t.request('/api/v1/projects', { method: 'POST', token: ro.key, json: { name: 'x' } }), 403, 'FORBIDDEN');
    assert.match(err.message, /"write" scope/);
    assert.match(err.suggestion ?? '', /--scopes read,write/);
  });

  test('a write-only key cannot read', async () => {
    const wo = addKey(t, kit.user.id, { scopes: ['write'] });
    await errorOf(await t.request('/api/v1/projects', { token: wo.key }), 403, 'FORBIDDEN');
    await dataOf(await t.request('/api/v1/projects', { method: 'POST', token: wo.key, json: { name: 'blind' } }), 201);
  });
});
