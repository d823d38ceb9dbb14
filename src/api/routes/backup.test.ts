import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { restoreHome } from '../../backup/index.ts';
import { zeblitPaths } from '../../contracts/index.ts';
import { addUser, errorOf, makeTestApp, ownerWithKey, type TestApp } from '../testing.ts';

describe('POST /backup', () => {
  let t: TestApp;
  const scratch = mkdtempSync(join(tmpdir(), 'zeblit-backup-route-'));

  before(async () => {
    t = makeTestApp();
    const p = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'in-the-backup' });
    await t.deps.files.writeText(p.id, 'main.py', 'print(1)\n', 'utf-8', { author: 'user:test' });
  });
  after(() => {
    t.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('admins get the archive with its sha256; nothing of it stays in the home; it restores', async () => {
    const res = await t.request('/api/v1/backup', { method: 'POST', transport: 'unix' });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get('content-type'), 'application/gzip');
    assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="zeblit-full-\d{8}T\d+Z\.tar\.gz"$/);
    const body = Buffer.from(await res.arrayBuffer());
    assert.equal(Number(res.headers.get('content-length')), body.length);
    assert.equal(res.headers.get('x-zeblit-backup-sha256'), createHash('sha256').update(body).digest('hex'));
    assert.ok(Number(res.headers.get('x-zeblit-backup-files')) >= 3);
    assert.equal(res.headers.get('x-zeblit-backup-skipped'), '0');
    for (let i = 0; i < 50 && readdirSync(t.deps.paths.backups).length > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(readdirSync(t.deps.paths.backups), [], 'the transient archive is removed once sent');

    const file = join(scratch, 'b.tar.gz');
    writeFileSync(file, body);
    const home = join(scratch, 'restored');
    const r = await restoreHome({ home, archive: file, force: false, backupsDir: zeblitPaths({ ZEBLIT_HOME: home }).backups });
    assert.equal(r.kind, 'full');
    assert.ok(existsSync(join(home, 'zeblit.db')));
    const ws = t.deps.projects.workspace(t.deps.projects.get(t.deps.auth.users.owner().id, 'in-the-backup'));
    assert.equal(readFileSync(join(home, ws.slice(t.deps.paths.home.length + 1), 'main.py'), 'utf8'), 'print(1)\n');
  });

  test('only admins with the admin scope: others 403, no credentials 401', async () => {
    const admin = ownerWithKey(t);
    assert.equal((await t.request('/api/v1/backup', { method: 'POST', token: admin.key })).status, 201);
    const noAdminScope = ownerWithKey(t, ['read', 'write']);
    await errorOf(await t.request('/api/v1/backup', { method: 'POST', token: noAdminScope.key }), 403, 'FORBIDDEN');
    const user = addUser(t, 'not-admin', { scopes: ['read', 'write', 'admin'] });
    await errorOf(await t.request('/api/v1/backup', { method: 'POST', token: user.key }), 403, 'FORBIDDEN');
    await errorOf(await t.request('/api/v1/backup', { method: 'POST' }), 401, 'UNAUTHORIZED');
  });

  test('listed in the OpenAPI document', async () => {
    const doc = (await (await t.request('/api/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/backup']);
  });
});
