import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { makeTestApp, type TestApp } from '../api/testing.ts';
import { VERSION, ZeblitError, zeblitPaths, type Project } from '../contracts/index.ts';
import { SchemaTooNewError, defaultMigrationsFolder, openDatabase, schemaState } from '../db/index.ts';
import { Projects } from '../projects/index.ts';
import { KEEP_AUTOMATIC, Backups, backupBeforeMigration, restoreHome, writeBackup, type Written } from './index.ts';

const refused = (code: string, message?: RegExp) => (e: unknown) => e instanceof ZeblitError && e.code === code && (!message || message.test(e.message));

/** Every entry under `dir`: type, and content or link target. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(join(dir, r));
      if (st.isSymbolicLink()) out[r] = `link -> ${readlinkSync(join(dir, r))}`;
      else if (st.isDirectory()) {
        out[r] = `dir ${(st.mode & 0o777).toString(8)}`;
        walk(r);
      } else out[r] = `file ${(st.mode & 0o777).toString(8)} ${readFileSync(join(dir, r)).toString('base64').slice(0, 40)} ${st.size}`;
    }
  };
  walk('');
  return out;
}

async function tarGz(entries: { name: string; body?: string | Buffer; type?: 'symlink' | 'directory'; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    if (e.type === 'symlink') pack.entry({ name: e.name, type: 'symlink', linkname: e.linkname ?? '' });
    else if (e.type === 'directory') pack.entry({ name: e.name, type: 'directory' });
    else pack.entry({ name: e.name }, e.body ?? '');
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  return gzipSync(Buffer.concat(chunks));
}

describe('backup and restore', () => {
  let t: TestApp;
  let p: Project;
  let written: Written;
  const big = randomBytes(200 * 1024); // over the inline limit: a blob file on disk
  const scratch = mkdtempSync(join(tmpdir(), 'zeblit-backup-test-'));
  const fresh = () => mkdtempSync(join(scratch, 'home-'));

  before(async () => {
    t = makeTestApp();
    p = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'kept' });
    await t.deps.files.writeText(p.id, 'src/app.py', 'print("hi")\n', 'utf-8', { author: 'user:test' });
    await t.deps.files.writeText(p.id, 'data/big.bin', big.toString('base64'), 'base64', { author: 'user:test' });
    const ws = t.deps.projects.workspace(p);
    mkdirSync(join(ws, 'empty-folder'));
    symlinkSync('/somewhere/outside', join(ws, 'link-out'));
    writeFileSync(join(ws, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
    // Scratch and logs stay out; the backups folder is not backed up into itself.
    mkdirSync(join(ws, '..', 'scratch', 'uploads'), { recursive: true });
    writeFileSync(join(ws, '..', 'scratch', 'uploads', 'half.part'), 'x');
    mkdirSync(t.deps.paths.logs, { recursive: true });
    writeFileSync(t.deps.paths.daemonLog, '{}\n');
    // The CLI's code cache and offline answers are its own, rebuilt as it goes.
    mkdirSync(join(t.deps.paths.cache, 'offline'), { recursive: true });
    writeFileSync(join(t.deps.paths.cache, 'offline', 'answer.json'), '{}');
    const backups = new Backups({ paths: t.deps.paths, database: t.deps.database, version: VERSION });
    // Writes keep arriving while the snapshot is taken.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing; i++) {
        t.deps.projects.create(t.deps.auth.users.owner().id, { name: `during-${i}` });
        await new Promise((r) => setImmediate(r));
      }
    })();
    written = await backups.create('test');
    writing = false;
    await writer;
  });
  after(() => {
    t.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  test('the archive: owner-only, a header first, a manifest last, no live database files, logs, scratch or lock', async () => {
    assert.equal(statSync(written.file).mode & 0o777, 0o600);
    const names: string[] = [];
    const extract = tar.extract();
    extract.end(gunzipSync(readFileSync(written.file)));
    for await (const e of extract) {
      names.push(e.header.name);
      e.resume();
    }
    assert.equal(names[0], 'zeblit-backup.json');
    assert.equal(names.at(-1), 'manifest.json');
    for (const n of ['home/zeblit.db', 'home/secret.key', `home/projects/${p.id}/workspace/src/app.py`, `home/projects/${p.id}/workspace/link-out`]) assert.ok(names.includes(n), n);
    assert.ok(names.some((n) => n.startsWith('home/blobs/')), 'the large version is a blob file');
    for (const n of names) assert.doesNotMatch(n, /zeblit\.db-(wal|shm)|\/scratch\/|^home\/logs|^home\/cache|^home\/backups|zeblitd\.lock/, n);
    assert.equal(written.manifest.kind, 'full');
    assert.ok((written.manifest.schema.migrations ?? 0) > 0);
    assert.deepEqual(written.problems, []);
  });

  test('restored into an empty home: the same files, modes, links and folders, and a sound database with the data', async () => {
    const home = fresh();
    const paths = zeblitPaths({ ZEBLIT_HOME: home });
    const r = await restoreHome({ home, archive: written.file, force: false, backupsDir: paths.backups });
    assert.equal(r.previous, null);
    assert.equal(r.kind, 'full');
    const wsOld = t.deps.projects.workspace(p);
    const wsNew = join(home, 'projects', p.id, 'workspace');
    assert.deepEqual(tree(wsNew), tree(wsOld));
    assert.equal(readlinkSync(join(wsNew, 'link-out')), '/somewhere/outside', 'a link stays a link: nothing outside is copied');
    assert.ok(readFileSync(paths.secret).equals(readFileSync(t.deps.paths.secret)));
    assert.deepEqual(readdirSync(home).filter((n) => n.startsWith('.restore-')), [], 'no staging left');
    const db = openDatabase(paths.db);
    try {
      const projects = new Projects(db.db, paths);
      assert.equal(projects.get(t.deps.auth.users.owner().id, 'kept').id, p.id);
    } finally {
      db.close();
    }
  });

  test('a home with data is replaced only with force, and what it had is moved aside, not deleted', async () => {
    const home = fresh();
    const paths = zeblitPaths({ ZEBLIT_HOME: home });
    writeFileSync(join(home, 'zeblit.db'), 'the old database');
    writeFileSync(join(home, 'config.json'), '{"port": 9999}');
    await assert.rejects(restoreHome({ home, archive: written.file, force: false, backupsDir: paths.backups }), refused('CONFLICT', /already has data/));
    assert.equal(readFileSync(join(home, 'zeblit.db'), 'utf8'), 'the old database', 'untouched');
    assert.deepEqual(readdirSync(home).sort(), ['config.json', 'zeblit.db']);
    const r = await restoreHome({ home, archive: written.file, force: true, backupsDir: paths.backups });
    assert.ok(r.previous);
    assert.equal(readFileSync(join(r.previous, 'zeblit.db'), 'utf8'), 'the old database');
    assert.equal(readFileSync(join(r.previous, 'config.json'), 'utf8'), '{"port": 9999}');
    assert.notEqual(readFileSync(join(home, 'zeblit.db'), 'utf8'), 'the old database');
  });

  test('damaged, cut, hostile or foreign archives are refused and the home is left as it was', async () => {
    const raw = gunzipSync(readFileSync(written.file));
    const at = raw.indexOf(Buffer.from('print("hi")'));
    assert.ok(at > 0);
    const flipped = Buffer.from(raw);
    flipped[at] = 'P'.charCodeAt(0);
    const header = JSON.stringify({ format: 'zeblit-backup', format_version: 1, kind: 'full', created_at: 1, zeblit_version: VERSION, reason: 'test' });
    const cases: [string, Buffer, RegExp][] = [
      ['a byte changed in a file', gzipSync(flipped), /does not match its checksum/],
      ['cut short', readFileSync(written.file).subarray(0, 4000), /cannot be read|manifest\.json is missing/],
      ['not a backup', await tarGz([{ name: 'hello.txt', body: 'hi' }]), /does not start with zeblit-backup\.json/],
      ['not even a tar.gz', Buffer.from('plain text'), /cannot be read/],
      ['traversal', await tarGz([{ name: 'zeblit-backup.json', body: header }, { name: 'home/../../evil.txt', body: 'pwned' }]), /unsafe name/],
      ['a file under a link', await tarGz([{ name: 'zeblit-backup.json', body: header }, { name: 'home/projects', type: 'symlink', linkname: '/tmp' }, { name: 'home/projects/x.txt', body: 'pwned' }]), /sits under the link projects/],
      ['a newer format', await tarGz([{ name: 'zeblit-backup.json', body: header.replace('"format_version":1', '"format_version":99') }]), /format 99/],
    ];
    for (const [what, bytes, message] of cases) {
      const home = fresh();
      const file = join(scratch, `${what.replace(/\W+/g, '-')}.tar.gz`);
      writeFileSync(file, bytes);
      await assert.rejects(restoreHome({ home, archive: file, force: true, backupsDir: join(home, 'backups') }), refused('VALIDATION_FAILED', message), what);
      assert.deepEqual(readdirSync(home), [], `${what}: the home is as it was`);
      assert.equal(existsSync('/tmp/x.txt') && readFileSync('/tmp/x.txt', 'utf8') === 'pwned', false);
    }
  });

  test('a backup of a database a newer zeblitd migrated is refused', async () => {
    const home = fresh();
    const paths = zeblitPaths({ ZEBLIT_HOME: home });
    const db = openDatabase(paths.db);
    db.sqlite.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('f'.repeat(64), Date.now() + 1e9);
    db.close();
    assert.throws(() => openDatabase(paths.db), (e: unknown) => e instanceof SchemaTooNewError, 'the daemon would not open it either');
    const w = await writeBackup({ home, database: paths.db, kind: 'database', reason: 'test', dest: join(scratch, 'newer.tar.gz'), version: '9.9.9' });
    const target = fresh();
    await assert.rejects(restoreHome({ home: target, archive: w.file, force: false, backupsDir: join(target, 'backups') }), refused('CONFLICT', /newer zeblitd/));
    assert.deepEqual(readdirSync(target), []);
  });

  test('before a migration: a database backup that restore takes back; the newest few are kept', async () => {
    const home = fresh();
    const paths = zeblitPaths({ ZEBLIT_HOME: home });
    openDatabase(paths.db).close();
    const state = schemaState(paths.db, defaultMigrationsFolder());
    let clock = Date.UTC(2030, 0, 1);
    for (let i = 0; i < KEEP_AUTOMATIC + 2; i++) {
      const at = (clock += 1000);
      await backupBeforeMigration(paths, state, VERSION, () => at);
    }
    const kept = readdirSync(paths.backups).sort();
    assert.equal(kept.length, KEEP_AUTOMATIC);
    assert.match(kept[0] ?? '', /^zeblit-auto-20300101T000003000Z\.tar\.gz$/, 'the oldest two are gone');
    rmSync(paths.db);
    const r = await restoreHome({ home, archive: join(paths.backups, kept.at(-1) ?? ''), force: false, backupsDir: paths.backups });
    assert.equal(r.kind, 'database');
    assert.equal(r.files, 1);
    assert.equal(schemaState(paths.db, defaultMigrationsFolder()).pending.length, 0);
  });
});
