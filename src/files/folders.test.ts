/**
 * Folder projects in the files domain: which folders are refused, the
 * baseline import (nothing copied, nothing touched), the first change of a
 * file, the host watcher, and checkpoints with their diff and undo.
 */
import assert from 'node:assert/strict';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZeblitError, type Project } from '../contracts/index.ts';
import { Projects } from '../projects/index.ts';
import { fileTables } from './index.ts';
import { filesFixture, snapshot, type FilesFixture } from './testing.ts';

const refusal = (fn: () => unknown, code: string, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof ZeblitError && e.code === code && re.test(e.message), `expected ${code} matching ${re}`);

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('folder projects: which folders may be one', () => {
  let fx: FilesFixture;
  let base: string;
  let userHome: string;
  let projects: Projects;

  before(() => {
    fx = filesFixture();
    base = mkdtempSync(join(tmpdir(), 'zbl-folders-'));
    userHome = join(base, 'home');
    mkdirSync(join(userHome, 'code', 'app', 'inner'), { recursive: true });
    mkdirSync(join(userHome, 'code', 'other'), { recursive: true });
    writeFileSync(join(userHome, 'a-file'), 'x');
    // Same database and paths as the fixture, with a user home of our own and any owner accepted (we run as root here).
    projects = new Projects(fx.database.db, fx.paths, Date.now, { userHome, folderOwner: null });
  });
  after(() => {
    fx.close();
    rmSync(base, { recursive: true, force: true });
  });

  it('refuses /, the home folder itself, a file, a missing folder and a relative path', () => {
    refusal(() => projects.create(fx.ownerId, { name: 'root', path: '/' }), 'INVALID_PATH', /root folder/);
    refusal(() => projects.create(fx.ownerId, { name: 'home', path: userHome }), 'INVALID_PATH', /home folder/);
    refusal(() => projects.create(fx.ownerId, { name: 'file', path: join(userHome, 'a-file') }), 'INVALID_PATH', /not a folder/);
    refusal(() => projects.create(fx.ownerId, { name: 'gone', path: join(userHome, 'nope') }), 'NOT_FOUND', /does not exist/);
    assert.throws(() => projects.create(fx.ownerId, { name: 'rel', path: 'code/app' }), /absolute/);
  });

  it("refuses Zeblit's home, a folder inside it and a folder around it", () => {
    refusal(() => projects.create(fx.ownerId, { name: 'zh', path: fx.home }), 'INVALID_PATH', /inside Zeblit's own home/);
    mkdirSync(join(fx.home, 'inner'), { recursive: true });
    refusal(() => projects.create(fx.ownerId, { name: 'zin', path: join(fx.home, 'inner') }), 'INVALID_PATH', /inside Zeblit's own home/);
    refusal(() => projects.create(fx.ownerId, { name: 'zout', path: tmpdir() }), 'INVALID_PATH', /contains Zeblit's own home/);
  });

  it("refuses another project's folder, one inside it, one around it, and a symlink to any of them", () => {
    const app = projects.create(fx.ownerId, { name: 'app', path: join(userHome, 'code', 'app') });
    assert.equal(app.path, join(userHome, 'code', 'app'));
    refusal(() => projects.create(fx.ownerId, { name: 'again', path: join(userHome, 'code', 'app') }), 'CONFLICT', /already the folder of another project/);
    refusal(() => projects.create(fx.ownerId, { name: 'inner', path: join(userHome, 'code', 'app', 'inner') }), 'CONFLICT', /inside .* another project/);
    refusal(() => projects.create(fx.ownerId, { name: 'code', path: join(userHome, 'code') }), 'CONFLICT', /contains .* another project/);
    symlinkSync(join(userHome, 'code', 'app'), join(base, 'link-to-app'));
    symlinkSync(fx.home, join(base, 'link-to-zeblit'));
    symlinkSync('/', join(base, 'link-to-root'));
    refusal(() => projects.create(fx.ownerId, { name: 'l1', path: join(base, 'link-to-app') }), 'CONFLICT', /already the folder/);
    refusal(() => projects.create(fx.ownerId, { name: 'l2', path: join(base, 'link-to-zeblit') }), 'INVALID_PATH', /Zeblit's own home/);
    refusal(() => projects.create(fx.ownerId, { name: 'l3', path: join(base, 'link-to-root') }), 'INVALID_PATH', /root folder/);
  });

  it('stores the real path: a symlink given at creation is resolved once', () => {
    symlinkSync(join(userHome, 'code', 'other'), join(base, 'link-to-other'));
    const p = projects.create(fx.ownerId, { name: 'other', path: join(base, 'link-to-other') });
    assert.equal(p.path, join(userHome, 'code', 'other'));
    assert.equal(projects.containing(fx.ownerId, join(userHome, 'code', 'other', 'deep', 'er'))?.id, p.id);
    assert.equal(projects.containing(fx.ownerId, join(userHome, 'code'))?.id, undefined);
  });

  it('refuses a folder another uid owns when the owner is checked', () => {
    const strict = new Projects(fx.database.db, fx.paths, Date.now, { userHome, folderOwner: 4242 });
    const mine = join(userHome, 'mine');
    mkdirSync(mine);
    refusal(() => strict.create(fx.ownerId, { name: 'notmine', path: mine }), 'FORBIDDEN', /belongs to uid 0, not to you \(uid 4242\)/);
    chownSync(mine, 4242, 4242);
    assert.equal(strict.create(fx.ownerId, { name: 'mine', path: mine }).path, mine);
  });

  it('deleting a folder project never deletes its folder (purge does)', async () => {
    const dir = join(userHome, 'keep');
    mkdirSync(dir);
    writeFileSync(join(dir, 'kept.txt'), 'mine');
    await projects.delete(fx.ownerId, projects.create(fx.ownerId, { name: 'keep', path: dir }).id);
    assert.equal(readFileSync(join(dir, 'kept.txt'), 'utf8'), 'mine');
    await projects.delete(fx.ownerId, projects.create(fx.ownerId, { name: 'keep2', path: dir }).id, { purge: true });
    assert.throws(() => readFileSync(join(dir, 'kept.txt')), /ENOENT/);
  });
});

describe('folder projects: baseline, first change, host edits, checkpoints', () => {
  let fx: FilesFixture;
  let base: string;
  let folder: string;
  let project: Project;

  before(async () => {
    fx = filesFixture({}, { watchDebounceMs: 10 });
    base = mkdtempSync(join(tmpdir(), 'zbl-folder-'));
    folder = join(base, 'repo');
    mkdirSync(join(folder, 'src'), { recursive: true });
    mkdirSync(join(folder, '.git', 'objects'), { recursive: true });
    mkdirSync(join(folder, 'node_modules', 'x'), { recursive: true });
    writeFileSync(join(folder, 'README.md'), '# repo\n');
    writeFileSync(join(folder, 'src', 'a.py'), 'print("a")\n');
    writeFileSync(join(folder, 'src', 'b.py'), 'print("b")\n');
    writeFileSync(join(folder, 'src', 'c.py'), 'print("c")\n');
    writeFileSync(join(folder, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(folder, 'node_modules', 'x', 'index.js'), '');
    writeFileSync(join(folder, '.gitignore'), '*.log\n');
    writeFileSync(join(folder, 'debug.log'), 'noise');
    const projects = new Projects(fx.database.db, fx.paths, Date.now, { userHome: base, folderOwner: null });
    const before = snapshot(folder);
    project = projects.create(fx.ownerId, { name: 'repo', path: folder });
    const res = await fx.files.importFolder(project.id);
    assert.equal(res.files, 5, 'README, three sources, .gitignore: not .git, node_modules or *.log');
    assert.equal(res.watching, true);
    // Nothing written or changed, and nothing read but the .gitignore (its rules decide what is imported).
    const noIgnoreRead = (snap: ReturnType<typeof snapshot>) => ({ ...snap, '.gitignore': { ...snap['.gitignore'], atimeMs: 0 } });
    assert.deepEqual(noIgnoreRead(snapshot(folder)), noIgnoreRead(before), 'nothing in the folder was written, changed or read');
  });
  after(() => {
    fx.close();
    rmSync(base, { recursive: true, force: true });
  });

  const versions = () => fx.database.db.select().from(fileTables.file_versions).all();

  it('records a baseline: index rows without hash, no version, no blob, no event; .git is never listed', () => {
    const rows = fx.database.db.select().from(fileTables.file_index).all();
    assert.deepEqual(rows.map((r) => r.path).sort(), ['.gitignore', 'README.md', 'debug.log', 'src/a.py', 'src/b.py', 'src/c.py'].filter((p) => p !== 'debug.log'));
    assert.ok(rows.every((r) => r.sha256 === null && r.version === null), 'no hash, no version');
    assert.equal(versions().length, 0);
    assert.equal(fx.database.db.select().from(fileTables.blobs).all().length, 0);
    assert.equal(fx.events.filter((e) => e.type === 'file.changed').length, 0);
    const names = fx.files.tree(project.id, { depth: 3 }).root.children?.map((c) => c.name);
    // (assert.ok always gets a message here: without one, Node 20 re-parses the transpiled source to make one, which can hang.)
    assert.ok(names && !names.includes('.git') && names.includes('node_modules'), `tree shows ${JSON.stringify(names)}`);
    const listed = fx.files.list(project.id, { dir: '', recursive: '1' }).items.map((i) => i.path);
    assert.ok(!listed.some((p) => p === '.git' || p.startsWith('.git/')), `listing shows ${JSON.stringify(listed)}`);
  });

  it('an API write over a baseline file stores what it replaces first (so it can be restored)', async () => {
    await fx.files.writeText(project.id, 'src/a.py', 'print("A")\n', 'utf-8', { author: 'user:test' });
    const list = await fx.files.versions(project.id, 'src/a.py');
    assert.deepEqual(
      list.items.map((v) => [v.version, v.author, v.action]),
      [
        [2, 'user:test', 'modified'],
        [1, 'baseline', 'created'],
      ],
    );
    const v1 = await fx.files.version(project.id, 'src/a.py', 1);
    assert.equal(v1.data?.toString(), 'print("a")\n');
  });

  it('sees an edit made on the host (the watcher): a version by host and file.changed', async () => {
    const seen = fx.events.length;
    writeFileSync(join(folder, 'README.md'), '# repo, edited in my editor\n');
    const ev = await waitFor('file.changed for README.md', () => fx.events.slice(seen).find((e) => e.type === 'file.changed' && (e.data as { path: string }).path === 'README.md'));
    assert.equal((ev.data as { author: string }).author, 'host');
    const list = await fx.files.versions(project.id, 'README.md');
    assert.equal(list.items[0]?.author, 'host');
    assert.equal(list.items[0]?.action, 'modified', "a baseline file's first version is a modification");
    // A new folder is watched too.
    mkdirSync(join(folder, 'pkg'));
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(join(folder, 'pkg', 'new.txt'), 'new\n');
    await waitFor('pkg/new.txt recorded', () => fx.events.slice(seen).some((e) => e.type === 'file.changed' && (e.data as { path: string }).path === 'pkg/new.txt'));
  });

  it('a turn that changes three files is one checkpoint: files, diff, undo', async () => {
    const turn = 'msg_turn_one';
    await fx.files.beginTurn({ id: turn, projectId: project.id, conversationId: 'cnv_x', agent: 'engineer', kind: 'turn', request: 'change three files' });
    const ctx = { author: 'agent:engineer', turnId: turn };
    await fx.files.writeText(project.id, 'src/b.py', 'print("B")\n', 'utf-8', ctx);
    await fx.files.writeText(project.id, 'src/new.py', 'print("new")\n', 'utf-8', ctx);
    await fx.files.delete(project.id, 'src/c.py', ctx);
    const cp = await fx.files.finishTurn(project.id, turn, 'completed', []);
    assert.deepEqual(
      cp.files.map((f) => [f.path, f.action, f.before_stored]),
      [
        ['src/b.py', 'modified', true],
        ['src/c.py', 'deleted', true],
        ['src/new.py', 'created', true],
      ],
    );
    const d = fx.files.checkpoints.diff(project.id, turn);
    assert.match(d.diff, /--- a\/src\/b.py\n\+\+\+ b\/src\/b.py\n@@ -1 \+1 @@\n-print\("b"\)\n\+print\("B"\)/);
    assert.match(d.diff, /--- \/dev\/null\n\+\+\+ b\/src\/new.py/);
    assert.match(d.diff, /--- a\/src\/c.py\n\+\+\+ \/dev\/null\n@@ -1 \+0,0 @@\n-print\("c"\)/);
    const undone = await fx.files.undoTurn(project.id, null, { force: false, author: 'user:test' });
    assert.deepEqual(undone.files.map((f) => [f.path, f.result]), [
      ['src/b.py', 'restored'],
      ['src/c.py', 'restored'],
      ['src/new.py', 'deleted'],
    ]);
    assert.equal(readFileSync(join(folder, 'src', 'b.py'), 'utf8'), 'print("b")\n');
    assert.equal(readFileSync(join(folder, 'src', 'c.py'), 'utf8'), 'print("c")\n');
    assert.throws(() => readFileSync(join(folder, 'src', 'new.py')), /ENOENT/);
    assert.notEqual(undone.checkpoint.undone_at, null);
  });

  it('undo is refused, with the list, where the user changed a file since; --force restores it anyway', async () => {
    const turn = 'msg_turn_two';
    await fx.files.beginTurn({ id: turn, projectId: project.id, conversationId: 'cnv_x', agent: 'engineer', kind: 'turn', request: 'edit a.py' });
    await fx.files.writeText(project.id, 'src/a.py', 'print("agent")\n', 'utf-8', { author: 'agent:engineer', turnId: turn });
    await fx.files.finishTurn(project.id, turn, 'completed', []);
    writeFileSync(join(folder, 'src', 'a.py'), 'print("mine")\n'); // the user's own edit, in an editor
    await assert.rejects(
      fx.files.undoTurn(project.id, turn, { force: false, author: 'user:test' }),
      (e: unknown) => e instanceof ZeblitError && e.code === 'CONFLICT' && JSON.stringify(e.details).includes('changed since the turn by host'),
    );
    assert.equal(readFileSync(join(folder, 'src', 'a.py'), 'utf8'), 'print("mine")\n', 'nothing changed');
    await fx.files.undoTurn(project.id, turn, { force: true, author: 'user:test' });
    assert.equal(readFileSync(join(folder, 'src', 'a.py'), 'utf8'), 'print("A")\n');
    const hist = await fx.files.versions(project.id, 'src/a.py');
    assert.ok(hist.items.some((v) => v.author === 'host'), "the user's edit stays in the history");
  });

  it("a command's change to a never-stored file is in the checkpoint, marked as not restorable", async () => {
    const turn = 'msg_turn_three';
    await fx.files.beginTurn({ id: turn, projectId: project.id, conversationId: 'cnv_x', agent: 'engineer', kind: 'turn', request: 'run a formatter' });
    // What the scan after a command run records: author container, the run's id.
    writeFileSync(join(folder, '.gitignore'), '*.log\n*.tmp\n');
    await fx.files.afterRun(project.id, { author: 'container', runId: 'run_fmt' });
    const cp = await fx.files.finishTurn(project.id, turn, 'completed', ['run_fmt']);
    assert.deepEqual(cp.files.map((f) => [f.path, f.action, f.before_stored]), [['.gitignore', 'modified', false]]);
    await assert.rejects(fx.files.undoTurn(project.id, turn, { force: false, author: 'user:test' }), /cannot be restored|changed since/);
    const forced = await fx.files.undoTurn(project.id, turn, { force: true, author: 'user:test' });
    assert.deepEqual(forced.files.map((f) => f.result), ['skipped']);
  });

  it('edits made while nothing watched are recorded by the scan at start (catchUp)', async () => {
    fx.files.unwatchHost(project.id); // as if no daemon ran
    writeFileSync(join(folder, 'src', 'b.py'), 'print("edited offline")\n');
    assert.equal(await fx.files.catchUp(project.id), 1);
    const list = await fx.files.versions(project.id, 'src/b.py');
    assert.deepEqual([list.items[0]?.author, list.items[0]?.action], ['host', 'modified']);
    assert.equal(await fx.files.catchUp(project.id), 0, 'nothing twice');
  });

  it('a host edit a read notices first is by host too (not external)', async () => {
    writeFileSync(join(folder, 'README.md'), '# read before the watcher\n');
    const f = await fx.files.read(project.id, 'README.md');
    assert.equal(f.content, '# read before the watcher\n');
    const list = await fx.files.versions(project.id, 'README.md');
    assert.equal(list.items[0]?.author, 'host');
  });
});
