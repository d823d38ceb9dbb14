/**
 * Migrations at start: restarting is idempotent, a home made by this build is
 * upgraded in place by a newer build (simulated: a copy of dist/ with one more
 * migration) after an automatic backup of its database, a migration that
 * fails stops the start with the previous schema intact and the lock
 * released, and a home a newer build migrated is refused by this one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { cleanup, dataOf, DAEMON_JS, readLockFile, request, ROOT, sock, spawnDaemon, startDaemon, stopDaemon, tempHome } from './helpers.ts';

interface Journal {
  entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
}

/**
 * A copy of the built daemon with one extra migration, as the next release
 * would ship it. node_modules is linked so the external better-sqlite3 resolves.
 */
function newerBuild(tag: string, sql: string): string {
  const dir = tempHome(`build-${tag}`);
  copyFileSync(DAEMON_JS, join(dir, 'zeblitd.js'));
  cpSync(join(ROOT, 'dist', 'migrations'), join(dir, 'migrations'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const journalFile = join(dir, 'migrations', 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as Journal;
  const last = journal.entries[journal.entries.length - 1];
  assert.ok(last, 'the journal lists at least one migration');
  const name = `${String(last.idx + 1).padStart(4, '0')}_e2e_${tag}`;
  writeFileSync(join(dir, 'migrations', `${name}.sql`), sql);
  journal.entries.push({ ...last, idx: last.idx + 1, when: last.when + 60_000, tag: name });
  writeFileSync(journalFile, JSON.stringify(journal, null, 2));
  return join(dir, 'zeblitd.js');
}

/** Reads the database of a stopped daemon. */
function inspect<T>(home: string, read: (db: Database.Database) => T): T {
  const db = new Database(join(home, 'zeblit.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

const migrationCount = (home: string) => inspect(home, (db) => (db.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n);
const hasTable = (home: string, name: string) =>
  inspect(home, (db) => db.prepare("select 1 from sqlite_master where type = 'table' and name = ?").get(name) !== undefined);
const autoBackups = (home: string) => (existsSync(join(home, 'backups')) ? readdirSync(join(home, 'backups')).filter((n) => /^zeblit-auto-.*\.tar\.gz$/.test(n)).sort() : []);
const homeVersion = (home: string) => JSON.parse(readFileSync(join(home, 'version.json'), 'utf8')) as { daemon_version: string; schema: string; migrations: number };

/** What `zeblitd restore` (of this build) makes of a backup, restored into a scratch home. */
function restoredSchema(file: string): { migrations: number; current: string | null } {
  const target = tempHome('rst');
  const r = spawnSync(process.execPath, [DAEMON_JS, 'restore', file, '--json', '--home', target], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return (JSON.parse(r.stdout) as { data: { schema: { migrations: number; current: string | null } } }).data.schema;
}

const shippedMigrations = () => (JSON.parse(readFileSync(join(ROOT, 'dist', 'migrations', 'meta', '_journal.json'), 'utf8')) as Journal).entries.length;

describe('database migrations at start', () => {
  let home: string;
  let projectId: string;

  before(async () => {
    home = tempHome('mig');
    const d = await startDaemon(home);
    projectId = dataOf(await request<{ id: string }>(sock(d), { method: 'POST', path: '/api/v1/projects', json: { name: 'before-upgrade' } })).id;
    assert.deepEqual(await stopDaemon(d), { code: 0, signal: null });
  });
  after(cleanup);

  it('a fresh home is migrated once, and restarting applies nothing twice (and backs nothing up)', async () => {
    assert.equal(migrationCount(home), shippedMigrations());
    assert.deepEqual(autoBackups(home), [], 'a new home has nothing to back up');
    assert.equal(homeVersion(home).migrations, shippedMigrations());
    for (let i = 0; i < 2; i++) {
      const d = await startDaemon(home);
      assert.equal(dataOf(await request<{ name: string }>(sock(d), { path: `/api/v1/projects/${projectId}` })).name, 'before-upgrade');
      assert.deepEqual(await stopDaemon(d), { code: 0, signal: null });
      assert.equal(migrationCount(home), shippedMigrations());
    }
    assert.deepEqual(autoBackups(home), []);
  });

  it('a failing migration stops the start, keeps the previous schema and data, and releases the lock', async () => {
    const broken = newerBuild('broken', 'CREATE TABLE `e2e_half` (`id` integer PRIMARY KEY);\n--> statement-breakpoint\nTHIS IS NOT SQL;\n');
    const failed = spawnDaemon(home, { script: broken });
    const exit = await failed.exited;
    assert.notEqual(exit.code, 0, failed.output());
    assert.match(failed.output(), /failed to start/);
    assert.doesNotMatch(failed.output(), /^\s+at /m, 'a refused start prints a message, not a stack trace');
    assert.equal(readLockFile(home), null, 'the lock is released');
    assert.equal(hasTable(home, 'e2e_half'), false, 'the half-applied migration was rolled back');
    assert.equal(migrationCount(home), shippedMigrations());
    const [backup] = autoBackups(home);
    assert.ok(backup, 'the database was backed up before the migration was tried');
    assert.equal(restoredSchema(join(home, 'backups', backup)).migrations, shippedMigrations());

    // The current build still starts on it.
    const d = await startDaemon(home);
    assert.equal((await request(sock(d), { path: `/api/v1/projects/${projectId}` })).status, 200);
    await stopDaemon(d);
  });

  it('a newer build upgrades the home in place, keeps the data, and is idempotent too', async () => {
    const newer = newerBuild(
      'upgrade',
      'CREATE TABLE `e2e_upgrade_probe` (`id` integer PRIMARY KEY, `note` text);\n--> statement-breakpoint\nALTER TABLE `projects` ADD `e2e_note` text DEFAULT \'upgraded\';\n',
    );
    const before = autoBackups(home);
    for (let i = 0; i < 2; i++) {
      const d = await startDaemon(home, { script: newer });
      const made = autoBackups(home).filter((n) => !before.includes(n));
      assert.equal(made.length, 1, `start ${i + 1}: one automatic backup, before the first start's migration only`);
      if (i === 0) assert.match(readFileSync(join(home, 'logs', 'zeblitd.log'), 'utf8'), /backed up the database before migrating it/);
      const p = await request<{ name: string }>(sock(d), { path: `/api/v1/projects/${projectId}` });
      assert.equal(dataOf(p).name, 'before-upgrade', 'old rows read fine after the upgrade');
      const created = await request(sock(d), { method: 'POST', path: '/api/v1/projects', json: { name: `after-upgrade-${i}` } });
      assert.equal(created.status, 201, created.text);
      assert.deepEqual(await stopDaemon(d), { code: 0, signal: null });
      assert.equal(migrationCount(home), shippedMigrations() + 1, `start ${i + 1}: the new migration is applied exactly once`);
    }
    assert.equal(hasTable(home, 'e2e_upgrade_probe'), true);
    const note = inspect(home, (db) => db.prepare('select e2e_note from projects where id = ?').get(projectId) as { e2e_note: string });
    assert.equal(note.e2e_note, 'upgraded', 'the existing row was upgraded in place');
    const made = autoBackups(home).filter((n) => !before.includes(n));
    assert.equal(restoredSchema(join(home, 'backups', made[0] ?? '')).migrations, shippedMigrations(), 'the backup holds the database as it was before');
    assert.equal(homeVersion(home).migrations, shippedMigrations() + 1);
  });

  it('this build refuses a home a newer build migrated, says what to do, and changes nothing', async () => {
    const refused = spawnDaemon(home);
    const exit = await refused.exited;
    assert.equal(exit.code, 1, refused.output());
    assert.match(refused.output(), /was upgraded by a newer zeblitd: its database has 1 migration\(s\) this zeblitd [\d.]+ does not know/);
    assert.match(refused.output(), /restore a backup made before the upgrade \(.*backups: zeblit restore <file> --force\)/);
    assert.doesNotMatch(refused.output(), /^\s+at /m, 'a message, not a stack trace');
    assert.equal(readLockFile(home), null, 'the lock is released');
    assert.equal(migrationCount(home), shippedMigrations() + 1, 'the database is untouched');
  });
});
