import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ZodError } from 'zod';
import { Auth } from '../auth/index.ts';
import { DEFAULT_SETTINGS, ZeblitError, zeblitPaths, type ErrorCode, type Project } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { Projects, assertActive, listTemplates } from './index.ts';

const fails = (code: ErrorCode) => (e: unknown) => e instanceof ZeblitError && e.code === code;

function setup() {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-projects-'));
  const paths = zeblitPaths({ ZEBLIT_HOME: home });
  const database = openDatabase(paths.db);
  let now = Date.UTC(2030, 0, 1);
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const auth = new Auth({ db: database.db, secret: randomBytes(32), now: clock.now });
  const projects = new Projects(database.db, paths, clock.now);
  const a = auth.users.ensureOwner('alice').id;
  const b = auth.users.create({ name: 'bob' }).id;
  return { home, paths, database, clock, auth, projects, a, b };
}

describe('Projects (domain)', () => {
  const s = setup();
  const { projects, a, b, clock } = s;
  after(() => {
    s.database.close();
    rmSync(s.home, { recursive: true, force: true });
  });

  test('create makes $ZEBLIT_HOME/projects/<id>/workspace', () => {
    const p = projects.create(a, { name: 'alpha' });
    const ws = join(s.home, 'projects', p.id, 'workspace');
    assert.equal(projects.workspace(p), ws);
    assert.ok(statSync(ws).isDirectory());
    assert.deepEqual(p.settings, DEFAULT_SETTINGS);
    assert.equal(p.template, 'python');
  });

  test('names are unique per user; a clash leaves no stray folder', () => {
    assert.throws(() => projects.create(a, { name: 'alpha' }), fails('CONFLICT'));
    const theirs = projects.create(b, { name: 'alpha' });
    assert.equal(theirs.owner_id, b);
    const dirs = (id: string) => existsSync(join(s.home, 'projects', id));
    assert.ok(dirs(theirs.id));
    assert.equal(projects.list(a, { status: 'all' }).total, 1);
  });

  test('lookup by id or by name, only among the caller’s own projects', () => {
    const mine = projects.get(a, 'alpha');
    assert.deepEqual(projects.get(a, mine.id), mine);
    assert.throws(() => projects.get(b, mine.id), fails('NOT_FOUND'));
    assert.notEqual(projects.get(b, 'alpha').id, mine.id);
    assert.throws(() => projects.get(a, 'nope'), fails('NOT_FOUND'));
  });

  test('names are validated', () => {
    for (const name of ['', ' ', '-lead', 'has space', 'x'.repeat(65), 'prj_abc', 'a/b', '../up'])
      assert.throws(() => projects.create(a, { name }), ZodError, name);
    assert.equal(projects.create(a, { name: '  trimmed  ' }).name, 'trimmed');
  });

  test('list: paging, total, oldest first, active by default', () => {
    const c = s.auth.users.create({ name: 'carl' }).id;
    for (let i = 0; i < 7; i++) {
      clock.advance(1);
      projects.create(c, { name: `n${i}` });
    }
    const page = projects.list(c, { limit: 3, offset: 2 });
    assert.deepEqual([page.total, page.limit, page.offset], [7, 3, 2]);
    assert.deepEqual(page.items.map((p) => p.name), ['n2', 'n3', 'n4']);
    assert.deepEqual(projects.list(c, { limit: 3, offset: 6 }).items.map((p) => p.name), ['n6']);
    assert.deepEqual(projects.list(c, { offset: 10 }).items, []);
  });

  test('search treats % and _ (and \\) literally, and looks at name and description', () => {
    const d = s.auth.users.create({ name: 'dee' }).id;
    projects.create(d, { name: 'pct', description: '100% done' });
    projects.create(d, { name: 'under_score' });
    projects.create(d, { name: 'underXscore' });
    projects.create(d, { name: 'slash', description: 'C:\\temp' });
    const names = (q: string) => projects.list(d, { q }).items.map((p) => p.name).sort();
    assert.deepEqual(names('%'), ['pct']);
    assert.deepEqual(names('0%'), ['pct']);
    assert.deepEqual(names('_'), ['under_score']);
    assert.deepEqual(names('r_s'), ['under_score']);
    assert.deepEqual(names('\\'), ['slash']);
    assert.deepEqual(names('under'), ['underXscore', 'under_score']);
    assert.deepEqual(names('DONE'), ['pct']);
    assert.equal(projects.list(d, { q: '%' }).total, 1);
  });

  test('archive and unarchive; the list filters by status; assertActive refuses archived', () => {
    const p = projects.create(a, { name: 'arch' });
    clock.advance(10);
    const archived = projects.setStatus(a, 'arch', 'archived');
    assert.equal(archived.status, 'archived');
    assert.equal(archived.updated_at, p.created_at + 10);
    assert.throws(() => assertActive(archived), fails('CONFLICT'));
    assert.ok(!projects.list(a).items.some((x) => x.id === p.id));
    assert.ok(projects.list(a, { status: 'archived' }).items.some((x) => x.id === p.id));
    clock.advance(10);
    assert.equal(projects.setStatus(a, p.id, 'archived').updated_at, archived.updated_at, 'no change, no bump');
    const back = projects.setStatus(a, p.id, 'active');
    assert.equal(back.status, 'active');
    assertActive(back);
    assert.ok(projects.list(a).items.some((x) => x.id === p.id));
  });

  test('update merges settings with what is stored, and validates the result', () => {
    const p = projects.create(a, { name: 'set', settings: { memory_mb: 512, env: { A: '1' }, ports: [3000] } });
    const u1 = projects.update(a, p.id, { settings: { cpus: 0.5 } });
    assert.deepEqual(u1.settings, { ...DEFAULT_SETTINGS, memory_mb: 512, env: { A: '1' }, ports: [3000], cpus: 0.5 });
    const u2 = projects.update(a, 'set', { settings: { env: { B: '2' } }, description: 'described' });
    assert.deepEqual(u2.settings.env, { B: '2' }, 'env is replaced as a whole');
    assert.equal(u2.settings.memory_mb, 512);
    assert.equal(u2.description, 'described');
    assert.deepEqual(projects.get(a, p.id), u2, 'what update returns is what is stored');
    assert.throws(() => projects.update(a, p.id, { settings: { memory_mb: 1 } }), ZodError);
    assert.throws(() => projects.update(a, p.id, { settings: { idle_timeout_minutes: -1 } }), ZodError);
    assert.throws(() => projects.update(a, p.id, {}), ZodError);
    assert.throws(() => projects.update(a, p.id, { settings: { bogus: true } as never }), ZodError);
    assert.equal(projects.get(a, p.id).settings.memory_mb, 512);
  });

  test('rename: free names only; keeping its own name is fine', () => {
    const p = projects.create(a, { name: 'old' });
    assert.throws(() => projects.update(a, p.id, { name: 'alpha' }), fails('CONFLICT'));
    assert.equal(projects.update(a, p.id, { name: 'old' }).name, 'old');
    assert.equal(projects.update(a, p.id, { name: 'new' }).name, 'new');
    assert.equal(projects.get(a, 'new').id, p.id);
  });

  test('delete runs the hooks, removes the row and the whole project folder', async () => {
    const p = projects.create(a, { name: 'doomed' });
    writeFileSync(join(projects.workspace(p), 'main.py'), 'print(1)\n');
    const seen: Project[] = [];
    projects.onDelete((x) => void seen.push(x));
    const gone = await projects.delete(a, 'doomed');
    assert.equal(gone.id, p.id);
    assert.deepEqual(seen.map((x) => x.id), [p.id]);
    assert.ok(!existsSync(join(s.home, 'projects', p.id)));
    assert.throws(() => projects.get(a, p.id), fails('NOT_FOUND'));
    await assert.rejects(projects.delete(b, projects.get(a, 'alpha').id), fails('NOT_FOUND'));
    assert.ok(existsSync(projects.workspace(projects.get(a, 'alpha'))));
  });

  const root = process.getuid?.() === 0;
  test(
    'a purge that cannot remove all of the folder keeps the project (to be deleted again) and says what stopped it',
    { skip: !root && !process.env.CI ? 'needs root (chattr); CI runs it' : false },
    async () => {
      const folder = mkdtempSync(join(tmpdir(), 'zeblit-purge-'));
      mkdirSync(join(folder, 'keep'));
      const locked = join(folder, 'keep', 'locked.txt');
      writeFileSync(locked, 'immutable\n');
      writeFileSync(join(folder, 'main.py'), 'print(1)\n');
      const p = projects.create(a, { name: 'purged', path: folder });
      execFileSync('chattr', ['+i', locked]);
      try {
        await assert.rejects(projects.delete(a, 'purged', { purge: true }), (e: unknown) => {
          assert.ok(e instanceof ZeblitError && e.code === 'CONFLICT', String(e));
          assert.match(e.message, /Could not remove all of .*zeblit-purge-\w+ \(E[A-Z]+ at .*locked\.txt\)/);
          assert.match(e.suggestion ?? '', /zeblit delete purged --purge/);
          return true;
        });
        assert.equal(projects.get(a, 'purged').id, p.id, 'the project is kept');
        assert.ok(existsSync(locked));
      } finally {
        execFileSync('chattr', ['-i', locked]);
      }
      await projects.delete(a, 'purged', { purge: true });
      assert.ok(!existsSync(folder), 'the second try removes the rest');
      assert.throws(() => projects.get(a, p.id), fails('NOT_FOUND'));
    },
  );

  test('deleteAllOf removes every project of one user and nobody else’s', async () => {
    const e = s.auth.users.create({ name: 'eli' }).id;
    const ps = [projects.create(e, { name: 'e1' }), projects.create(e, { name: 'e2' })];
    assert.equal(await projects.deleteAllOf(e), 2);
    assert.equal(projects.list(e, { status: 'all' }).total, 0);
    for (const p of ps) assert.ok(!existsSync(join(s.home, 'projects', p.id)));
    assert.ok(projects.list(b, { status: 'all' }).total > 0);
  });

  test('templates: python, node, blank; an override changes only the image', () => {
    assert.deepEqual(listTemplates().map((t) => t.name), ['python', 'node', 'blank']);
    const t = listTemplates({ node: 'my/node:1' });
    assert.equal(t.find((x) => x.name === 'node')?.image, 'my/node:1');
    assert.equal(t.find((x) => x.name === 'python')?.image, 'python:3.12-slim');
  });
});
