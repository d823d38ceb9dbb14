/**
 * What a hostile process in the container can plant in the workspace (links
 * to a sibling folder, to another project, relative links, chains, dangling
 * links, a symlinked parent folder, FIFOs), and every file operation of the
 * service aimed through them. The folder outside is snapshotted before and
 * after: nothing may be written, changed, removed, or even read there.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { ZeblitError, type Project } from '../../contracts/index.ts';
import { canaryFolder, filesFixture, snapshot } from '../testing.ts';

const refused = async (what: string, fn: () => unknown, codes: string[] = ['INVALID_PATH']) => {
  await assert.rejects(
    async () => fn(),
    (e: unknown) => e instanceof ZeblitError && codes.includes(e.code),
    `${what} must be refused with ${codes.join(' or ')}`,
  );
};

for (const procFd of [true, false])
describe(`symlink and traversal attacks on the file service (${procFd ? 'through /proc/self/fd' : 'portable: no /proc'})`, () => {
  const fx = filesFixture({ procFd });
  const ctx = { author: 'agent:mallory' };
  let p: Project;
  let other: Project;
  let ws: string;
  let outside: { dir: string; canary: string };
  let before0: ReturnType<typeof snapshot>;
  let otherBefore: ReturnType<typeof snapshot>;

  before(async () => {
    p = fx.project('victim');
    other = fx.project('neighbour');
    ws = fx.projects.workspace(p);
    outside = canaryFolder(fx.home);
    await fx.files.create(other.id, { path: 'private.txt', content: 'neighbour secret' }, ctx);
    // What the container could make: every kind of link that leaves the workspace.
    symlinkSync(outside.dir, join(ws, 'evil-dir'));
    symlinkSync(outside.canary, join(ws, 'evil-file'));
    symlinkSync('../../../outside/canary.txt', join(ws, 'evil-relative'));
    symlinkSync(fx.projects.workspace(other), join(ws, 'neighbour'));
    symlinkSync('evil-dir', join(ws, 'chain'));
    symlinkSync(join(outside.dir, 'not-there.txt'), join(ws, 'dangling'));
    mkdirSync(join(ws, 'real'));
    symlinkSync(outside.dir, join(ws, 'real', 'up'));
    execFileSync('mkfifo', [join(ws, 'pipe')]);
    before0 = snapshot(outside.dir);
    otherBefore = snapshot(fx.projects.workspace(other));
  });
  after(() => fx.close());

  const reads = ['evil-dir/canary.txt', 'evil-file', 'evil-relative', 'neighbour/private.txt', 'chain/canary.txt', 'real/up/canary.txt', 'real/up/sub/deep.txt'];

  test('reads through links that leave are refused: content, raw, metadata, versions, diff', async () => {
    for (const path of reads) {
      await refused(`read ${path}`, () => fx.files.read(p.id, path));
      await refused(`stat ${path}`, () => fx.files.stat(p.id, path));
      await refused(`raw ${path}`, () => fx.files.openRaw(p.id, path));
      await refused(`versions ${path}`, () => fx.files.versions(p.id, path), ['INVALID_PATH']);
      await refused(`diff ${path}`, () => fx.files.diff(p.id, path, {}), ['INVALID_PATH']);
    }
  });

  test('writes through links that leave are refused: create, update, upload, restore target, mkdir through', async () => {
    for (const path of [...reads, 'evil-dir/new.txt', 'evil-dir/new/deeper.txt', 'chain/x.txt', 'real/up/x.txt', 'dangling']) {
      await refused(`create ${path}`, () => fx.files.create(p.id, { path, content: 'pwned', overwrite: true }, ctx));
      await refused(`write ${path}`, () => fx.files.write(p.id, path, Buffer.from('pwned'), ctx));
      await refused(`upload ${path}`, () => fx.files.upload(p.id, path, Readable.from([Buffer.from('pwned')]), { ...ctx, limit: 1 << 20, overwrite: true }));
    }
    assert.equal(existsSync(join(outside.dir, 'not-there.txt')), false, 'a dangling link is not written through');
  });

  test('listing, search, download and sync do not enter links that leave', async () => {
    for (const dir of ['evil-dir', 'chain', 'real/up', 'neighbour']) {
      await refused(`tree ${dir}`, () => fx.files.tree(p.id, { path: dir }));
      await refused(`list ${dir}`, () => fx.files.list(p.id, { dir }));
      await refused(`search ${dir}`, () => fx.files.search(p.id, { q: 'SECRET', dir }));
      await refused(`download ${dir}`, () => fx.files.downloadFolder(p.id, dir));
    }
    const all = await fx.files.search(p.id, { q: 'secret' });
    assert.equal(all.matches.length, 0);
    const tree = fx.files.tree(p.id, {});
    assert.equal(tree.root.children?.find((c) => c.name === 'evil-dir')?.type, 'symlink');
    assert.equal(tree.root.children?.find((c) => c.name === 'evil-dir')?.children, undefined);
    const sync = await fx.files.sync(p.id, { author: 'container' });
    assert.ok(sync.changes.every((c) => !c.path.startsWith('evil') && !c.path.startsWith('real/up')));
    // The tar.gz of the whole workspace holds the links as links, nothing of their targets.
    const chunks: Buffer[] = [];
    for await (const c of fx.files.downloadFolder(p.id, '')) chunks.push(c as Buffer);
    const listing = execFileSync('tar', ['-tvzf', '-'], { input: Buffer.concat(chunks) }).toString();
    assert.match(listing, /workspace\/evil-dir -> /);
    assert.doesNotMatch(listing, /^-.*(canary|deep|private)/m, 'no regular file from outside');
  });

  test('move, copy and extraction aimed through links are refused', async () => {
    await fx.files.create(p.id, { path: 'mine.txt', content: 'mine' }, ctx);
    await refused('move into a link', () => fx.files.move(p.id, 'mine.txt', 'evil-dir/mine.txt', true, ctx));
    await refused('copy into a link', () => fx.files.copy(p.id, 'mine.txt', 'evil-dir/copy.txt', true, ctx));
    await refused('copy from a link', () => fx.files.copy(p.id, 'evil-dir/canary.txt', 'stolen.txt', true, ctx));
    await refused('move from a link', () => fx.files.move(p.id, 'evil-dir/canary.txt', 'stolen.txt', true, ctx));
    await refused('copy a linked folder', () => fx.files.copy(p.id, 'chain/sub', 'stolen', true, ctx));
    assert.equal(existsSync(join(ws, 'stolen.txt')), false);
  });

  test('deleting a link removes the link, never what it points to', async () => {
    await fx.files.delete(p.id, 'evil-file', ctx);
    await fx.files.delete(p.id, 'real', ctx);
    await refused('delete through a link', () => fx.files.delete(p.id, 'evil-dir/canary.txt', ctx));
    assert.ok(existsSync(outside.canary));
  });

  test('a FIFO is refused at once (never opened for a blocking read)', async () => {
    const started = Date.now();
    const meta = await fx.files.read(p.id, 'pipe');
    assert.deepEqual([meta.type, meta.content], ['other', null], 'described, not read');
    await refused('raw a fifo', () => fx.files.openRaw(p.id, 'pipe'));
    await refused('write a fifo', () => fx.files.write(p.id, 'pipe', Buffer.from('x'), ctx));
    assert.ok(Date.now() - started < 2000);
  });

  test('links that stay inside are followed, for reading and writing', async () => {
    await fx.files.create(p.id, { path: 'docs/real.md', content: 'v1' }, ctx);
    symlinkSync('docs/real.md', join(ws, 'alias.md'));
    symlinkSync('docs', join(ws, 'docs-link'));
    assert.equal((await fx.files.read(p.id, 'alias.md')).content, 'v1');
    assert.equal((await fx.files.read(p.id, 'docs-link/real.md')).content, 'v1');
    const meta = await fx.files.write(p.id, 'alias.md', Buffer.from('v2'), ctx);
    assert.equal(meta.path, 'docs/real.md', 'history is kept under the real path');
    assert.equal(readFileSync(join(ws, 'docs/real.md'), 'utf8'), 'v2');
  });

  test('nothing outside the workspace was written, changed, removed or read; the neighbour is untouched', () => {
    assert.deepEqual(snapshot(outside.dir), before0);
    assert.deepEqual(snapshot(fx.projects.workspace(other)), otherBefore);
    // The check can see reads: reading the canary here moves its access time.
    readFileSync(outside.canary);
    assert.notDeepEqual(snapshot(outside.dir), before0, 'this file system records reads (relatime)');
  });

  test('lexical attacks: .., absolute, NUL, backslash, long names', async () => {
    for (const path of ['../x', 'a/../../x', '/etc/passwd', 'a\0b', 'a\\..\\b', 'C:/x', '~/x', `${'n'.repeat(256)}`, `${'d/'.repeat(2100)}f`]) {
      await refused(`write ${JSON.stringify(path.slice(0, 20))}`, () => fx.files.write(p.id, path, Buffer.from('x'), ctx));
      await refused(`read ${JSON.stringify(path.slice(0, 20))}`, () => fx.files.read(p.id, path));
    }
    assert.equal(existsSync(join(ws, '..', 'x')), false);
    writeFileSync(join(ws, 'ok.txt'), 'fine');
    assert.equal((await fx.files.read(p.id, 'a/../ok.txt')).content, 'fine', '.. that stays inside is normalised');
  });
});
