import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { FileVersionInfo } from '../contracts/index.ts';
import { filesFixture } from './testing.ts';

const count = (fx: ReturnType<typeof filesFixture>, table: string) => fx.database.sqlite.prepare(`select count(*) as n from ${table}`).get() as { n: number };

describe('versions and blobs', () => {
  let now = Date.UTC(2030, 0, 1);
  const fx = filesFixture({ now: () => now, inlineBlobBytes: 1024, maxVersionedBytes: 64 * 1024, retention: { keepVersions: 3, keepDays: 7 } });
  after(() => fx.close());
  const ctx = { author: 'agent:engineer' };

  test('content is stored once however often it recurs, across paths and projects', async () => {
    const a = fx.project();
    const b = fx.project();
    const before = count(fx, 'blobs').n;
    await fx.files.create(a.id, { path: 'one.txt', content: 'same bytes' }, ctx);
    await fx.files.create(a.id, { path: 'two.txt', content: 'same bytes' }, ctx);
    await fx.files.create(b.id, { path: 'three.txt', content: 'same bytes' }, ctx);
    await fx.files.write(a.id, 'one.txt', Buffer.from('other'), ctx);
    await fx.files.write(a.id, 'one.txt', Buffer.from('same bytes'), ctx);
    assert.equal(count(fx, 'blobs').n - before, 2);
    const list = await fx.files.versions(a.id, 'one.txt');
    assert.deepEqual(list.items.map((v) => v.version), [3, 2, 1]);
    assert.equal(list.items[0]?.sha256, list.items[2]?.sha256);
    assert.equal(list.items[0]?.author, 'agent:engineer');
  });

  test('small blobs sit in SQLite, larger ones on disk under blobs/ab/cdef…', async () => {
    const p = fx.project();
    const big = Buffer.alloc(5000, 'z');
    const meta = await fx.files.write(p.id, 'big.txt', big, ctx);
    const sha = meta.sha256 ?? '';
    assert.ok(existsSync(join(fx.paths.blobs, sha.slice(0, 2), sha.slice(2))));
    const row = fx.database.sqlite.prepare('select data is null as disk from blobs where sha256 = ?').get(sha) as { disk: number };
    assert.equal(row.disk, 1);
    const small = await fx.files.write(p.id, 'small.txt', Buffer.from('tiny'), ctx);
    const r2 = fx.database.sqlite.prepare('select data is null as disk from blobs where sha256 = ?').get(small.sha256) as { disk: number };
    assert.equal(r2.disk, 0);
    const v = await fx.files.version(p.id, 'big.txt', 1);
    assert.ok(v.data?.equals(big));
  });

  test('ignored paths are served but not versioned; .gitignore is honoured and re-read', async () => {
    const p = fx.project();
    const ws = fx.projects.workspace(p);
    const nm = await fx.files.write(p.id, 'node_modules/x/index.js', Buffer.from('module'), ctx);
    assert.deepEqual([nm.ignored, nm.versioned, nm.version], [true, false, null]);
    assert.equal((await fx.files.read(p.id, 'node_modules/x/index.js')).content, 'module');
    for (const path of ['.venv/bin/python', '__pycache__/a.pyc', '.git/HEAD', 'dist/app.js', 'build/out.o', 'src/__pycache__/m.pyc'])
      assert.equal((await fx.files.write(p.id, path, Buffer.from('x'), ctx)).version, null, path);
    await fx.files.write(p.id, '.gitignore', Buffer.from('*.log\n/secret/\n!keep.log\n'), ctx);
    assert.equal((await fx.files.write(p.id, 'app.log', Buffer.from('x'), ctx)).version, null);
    assert.equal((await fx.files.write(p.id, 'keep.log', Buffer.from('x'), ctx)).version, 1);
    assert.equal((await fx.files.write(p.id, 'secret/key', Buffer.from('x'), ctx)).version, null);
    assert.equal((await fx.files.write(p.id, 'sub/secret/key', Buffer.from('x'), ctx)).version, 1, 'anchored pattern');
    assert.equal((await fx.files.write(p.id, 'build.sh', Buffer.from('x'), ctx)).version, 1, 'a file named like a default folder');
    // Changes inside ignored folders are not scanned (and so not announced).
    mkdirSync(join(ws, 'node_modules/y'), { recursive: true });
    writeFileSync(join(ws, 'node_modules/y/z.js'), 'z');
    const sync = await fx.files.sync(p.id, { author: 'container' });
    assert.ok(sync.changes.every((c) => !c.path.startsWith('node_modules')));
    // A new rule: the path leaves the index without a "deleted" version.
    writeFileSync(join(ws, '.gitignore'), '*.log\n/secret/\n!keep.log\nbuild.sh\n');
    const s2 = await fx.files.sync(p.id, { author: 'container' });
    assert.ok(!s2.changes.some((c) => c.path === 'build.sh'));
    assert.equal((await fx.files.versions(p.id, 'build.sh')).items[0]?.action, 'created');
  });

  test('files over the size limit are tracked (index, events) but not versioned', async () => {
    const p = fx.project();
    const seen = fx.events.length;
    const meta = await fx.files.write(p.id, 'huge.bin', Buffer.alloc(70 * 1024, 1), ctx);
    assert.deepEqual([meta.version, meta.versioned], [null, false]);
    assert.equal((fx.events[seen]?.data as { version: number | null }).version, null);
    writeFileSync(join(fx.projects.workspace(p), 'huge.bin'), Buffer.alloc(80 * 1024, 2));
    const s = await fx.files.sync(p.id, { author: 'container' });
    assert.deepEqual(s.changes, [{ path: 'huge.bin', action: 'modified', version: null }]);
    await assert.rejects(fx.files.versions(p.id, 'nothing-here'));
  });

  test('retention keeps N versions or D days, never the current one, never a referenced blob', async () => {
    const p = fx.project();
    for (let i = 1; i <= 6; i++) {
      await fx.files.write(p.id, 'r.txt', Buffer.from(`v${i} ${'x'.repeat(2000)}`), ctx);
      now += 86_400_000;
    }
    assert.deepEqual(fx.files.prune(p.id).versions, 0, 'all younger than 7 days');
    now += 10 * 86_400_000;
    const pruned = fx.files.prune(p.id);
    assert.equal(pruned.versions, 3);
    assert.ok(pruned.blobs >= 3, 'their blobs went too');
    const left = (await fx.files.versions(p.id, 'r.txt')).items.map((v: FileVersionInfo) => v.version);
    assert.deepEqual(left, [6, 5, 4]);
    assert.equal((await fx.files.version(p.id, 'r.txt', 4)).data?.toString().startsWith('v4'), true);
    // A blob still used by another path survives even when its own old version goes.
    await fx.files.write(p.id, 'shared-a.txt', Buffer.from('shared'), ctx);
    await fx.files.write(p.id, 'shared-b.txt', Buffer.from('shared'), ctx);
    for (let i = 0; i < 4; i++) await fx.files.write(p.id, 'shared-a.txt', Buffer.from(`next ${i}`), ctx);
    now += 30 * 86_400_000;
    fx.files.prune(p.id);
    assert.equal((await fx.files.version(p.id, 'shared-b.txt', 1)).data?.toString(), 'shared');
    const orphans = fx.database.db.all<{ n: number }>(sql`select count(*) as n from blobs b where not exists (select 1 from file_versions v where v.sha256 = b.sha256)`);
    assert.equal(orphans[0]?.n, 0);
    const onDisk = readdirSync(fx.paths.blobs, { recursive: true }).filter((f) => String(f).length > 10).length;
    const diskRows = (fx.database.sqlite.prepare('select count(*) as n from blobs where data is null').get() as { n: number }).n;
    assert.equal(onDisk, diskRows, 'no orphan blob files');
  });

  test('a deleted file keeps its newest content through pruning, and can be restored', async () => {
    const p = fx.project();
    for (let i = 1; i <= 5; i++) await fx.files.write(p.id, 'd.txt', Buffer.from(`d${i}`), ctx);
    await fx.files.delete(p.id, 'd.txt', ctx);
    now += 100 * 86_400_000;
    fx.files.prune(p.id);
    const left = (await fx.files.versions(p.id, 'd.txt')).items.map((v) => [v.version, v.action]);
    assert.deepEqual(left, [[6, 'deleted'], [5, 'modified'], [4, 'modified']]);
    const restored = await fx.files.restore(p.id, 'd.txt', 5, ctx);
    assert.equal(restored.version, 7);
  });
});
