/**
 * Copying symbolic links: a link is copied as a link (its text unchanged)
 * only when it leads inside the workspace both where it is and where the
 * copy goes; one that leads out (absolute, `..` past the root, through a
 * link that leaves, dangling through one) is refused, naming the link and
 * its target, and a folder holding one is refused before anything is
 * written.
 */
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ZeblitError, type ErrorBody, type Project } from '../../contracts/index.ts';
import { errorOf, makeTestApp, type TestApp } from '../../api/testing.ts';
import { canaryFolder, filesFixture, snapshot, type FilesFixture } from '../testing.ts';

const refusal = async (fn: () => Promise<unknown>): Promise<ZeblitError> => {
  try {
    await fn();
  } catch (e) {
    if (e instanceof ZeblitError) return e;
    throw e;
  }
  assert.fail('the copy went through');
};

describe('copying symbolic links', () => {
  let fx: FilesFixture;
  let p: Project;
  let ws: string;
  let outside: { dir: string; canary: string };
  const ctx = { author: 'agent:test' };

  before(async () => {
    fx = filesFixture();
    p = fx.project('links');
    ws = fx.projects.workspace(p);
    outside = canaryFolder(fx.home);
    await fx.files.create(p.id, { path: 'f.txt', content: 'f' }, ctx);
    await fx.files.create(p.id, { path: 'docs/guide.md', content: 'guide' }, ctx);
    mkdirSync(join(ws, 'deep', 'a'), { recursive: true });
    // What a process in the container could plant.
    symlinkSync('/etc/passwd', join(ws, 'passwd'));
    symlinkSync('../../x', join(ws, 'up2'));
    symlinkSync('../../../outside/canary.txt', join(ws, 'canary-rel'));
    symlinkSync(outside.dir, join(ws, 'evil-dir'));
    symlinkSync('evil-dir/not-there.txt', join(ws, 'dangling-out'));
    symlinkSync('../../f.txt', join(ws, 'deep', 'a', 'up-to-f'));
    // Links that stay inside.
    symlinkSync('docs/guide.md', join(ws, 'guide'));
    symlinkSync('../docs', join(ws, 'deep', 'docs'));
    symlinkSync('not-yet.txt', join(ws, 'soon'));
    symlinkSync('.', join(ws, 'here'));
    symlinkSync(join(ws, 'docs', 'guide.md'), join(ws, 'absolute-inside'));
  });
  after(() => fx.close());

  test('a link that leads out is refused, naming the link and its target; nothing is created', async () => {
    const before0 = snapshot(outside.dir);
    for (const [link, target] of [
      ['passwd', '/etc/passwd'],
      ['up2', '../../x'],
      ['canary-rel', '../../../outside/canary.txt'],
      ['evil-dir', outside.dir],
      ['dangling-out', 'evil-dir/not-there.txt'],
    ] as const) {
      const e = await refusal(() => fx.files.copy(p.id, link, `copies/${link}`, false, ctx));
      assert.equal(e.code, 'INVALID_PATH', `${link}: ${e.message}`);
      assert.equal(e.message, `Cannot copy the symbolic link "${link}": it points to "${target}", outside the workspace`);
      assert.deepEqual(e.details, { link, target });
      assert.match(e.suggestion ?? '', /only links that point inside/i);
      assert.equal(lstatSync(join(ws, 'copies', link), { throwIfNoEntry: false }), undefined, `${link} was not copied`);
    }
    assert.deepEqual(snapshot(outside.dir), before0);
  });

  test('a link that leads inside where it is, but would lead out from where the copy goes, is refused', async () => {
    assert.equal((await fx.files.read(p.id, 'deep/a/up-to-f')).content, 'f', 'inside where it is');
    const e = await refusal(() => fx.files.copy(p.id, 'deep/a/up-to-f', 'up-to-f', false, ctx));
    assert.equal(e.code, 'INVALID_PATH');
    assert.equal(e.message, 'Cannot copy the symbolic link "deep/a/up-to-f" to "up-to-f": from there "../../f.txt" would point outside the workspace');
    assert.deepEqual(e.details, { link: 'deep/a/up-to-f', target: '../../f.txt', to: 'up-to-f' });
    assert.equal(existsSync(join(ws, 'up-to-f')), false);
    // Deeper, it still leads inside: copied.
    await fx.files.copy(p.id, 'deep/a/up-to-f', 'deep/a/b/c/../up-to-f', false, ctx);
    assert.equal(readlinkSync(join(ws, 'deep/a/b/up-to-f')), '../../f.txt');
  });

  test('a folder holding a link that leads out is refused before anything of the copy exists', async () => {
    mkdirSync(join(ws, 'mixed', 'sub'), { recursive: true });
    writeFileSync(join(ws, 'mixed', 'a.txt'), 'a');
    writeFileSync(join(ws, 'mixed', 'sub', 'b.txt'), 'b');
    symlinkSync('../../f.txt', join(ws, 'mixed', 'sub', 'ok-link'));
    symlinkSync('/etc/shadow', join(ws, 'mixed', 'sub', 'zz-bad'));
    const e = await refusal(() => fx.files.copy(p.id, 'mixed', 'mixed-copy', false, ctx));
    assert.equal(e.code, 'INVALID_PATH');
    assert.match(e.message, /"mixed\/sub\/zz-bad".*"\/etc\/shadow"/);
    assert.equal(existsSync(join(ws, 'mixed-copy')), false, 'no half copy');
    assert.equal((await refusal(() => fx.files.versions(p.id, 'mixed-copy/a.txt'))).code, 'NOT_FOUND', 'no version recorded');
  });

  test('links that lead inside are copied as links, their text unchanged (dangling inside, absolute inside, the root itself)', async () => {
    for (const link of ['guide', 'deep/docs', 'soon', 'here', 'absolute-inside']) {
      const to = `kept/${link}`;
      await fx.files.copy(p.id, link, to, false, ctx);
      assert.ok(lstatSync(join(ws, to)).isSymbolicLink(), `${link} copied as a link`);
      assert.equal(readlinkSync(join(ws, to)), readlinkSync(join(ws, link)));
    }
    // A folder with an internal relative link, copied one level deeper than the link needs: still inside.
    await fx.files.copy(p.id, 'deep', 'kept/deeper/deep', false, ctx);
    assert.equal(readlinkSync(join(ws, 'kept/deeper/deep/docs')), '../docs');
  });
});

describe('POST /files/copy of a link that leads out: the refusal in the envelope', () => {
  let t: TestApp;
  let project: Project;
  before(() => {
    t = makeTestApp();
    project = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'p' });
    symlinkSync('/etc/passwd', join(t.deps.projects.workspace(project), 'passwd'));
  });
  after(() => t.close());

  test('400 INVALID_PATH with the link, its target and a suggestion', async () => {
    const res = await t.request(`/api/v1/projects/${project.id}/files/copy`, { method: 'POST', transport: 'unix', json: { from: 'passwd', to: 'stolen' } });
    const error: ErrorBody = await errorOf(res, 400, 'INVALID_PATH');
    assert.equal(error.message, 'Cannot copy the symbolic link "passwd": it points to "/etc/passwd", outside the workspace');
    assert.deepEqual(error.details, { link: 'passwd', target: '/etc/passwd' });
    assert.ok(error.suggestion);
  });
});
