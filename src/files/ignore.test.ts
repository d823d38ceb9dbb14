import assert from 'node:assert/strict';
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../contracts/index.ts';
import { compileGlob } from './glob.ts';
import { IgnoreRules, parseIgnoreFile } from './ignore.ts';
import { filesFixture, type FilesFixture } from './testing.ts';

describe('ignore rules', () => {
  test('defaults: the usual heavy folders anywhere, not files of the same name', () => {
    const r = new IgnoreRules();
    for (const p of ['node_modules/a.js', 'web/node_modules/x/y.js', '.venv/bin/python', 'pkg/__pycache__/m.pyc', '.git/HEAD', 'dist/app.js', 'build/out.o', '.git']) assert.equal(r.ignores(p), true, p);
    for (const p of ['src/app.py', 'build.sh', 'dist.txt', 'my_node_modules/x', 'nodemodules/x']) assert.equal(r.ignores(p), false, p);
    assert.equal(r.ignores('build', true), true);
    assert.equal(r.ignores('build', false), false);
  });

  test('gitignore: globs, anchors, folders only, negation, comments, escapes', () => {
    const r = new IgnoreRules(['# comment', '', '*.log', '!important.log', '/top-only/', 'docs/*.tmp', '**/cache/**', '\\#hash', 'a?c', '[xy].bin', 'trailing   '].join('\n'));
    const cases: [string, boolean][] = [
      ['app.log', true], ['deep/er/app.log', true], ['important.log', false],
      ['top-only/x', true], ['sub/top-only/x', false],
      ['docs/a.tmp', true], ['docs/sub/a.tmp', false], ['other/docs/a.tmp', false],
      ['x/cache/y/z', true], ['cache/z', true],
      ['#hash', true], ['abc', true], ['abbc', false], ['x.bin', true], ['z.bin', false], ['trailing', true],
    ];
    for (const [p, want] of cases) assert.equal(r.ignores(p), want, p);
  });

  test('a negation cannot bring back a file under an ignored folder; it can bring back a default', () => {
    assert.equal(new IgnoreRules('logs/\n!logs/keep.txt').ignores('logs/keep.txt'), true);
    assert.equal(new IgnoreRules('!dist/').ignores('dist/app.js'), false);
  });
});

describe('nested .gitignore files (git semantics)', () => {
  const rules = (root: string, nested: Record<string, string>) => {
    const asked: string[] = [];
    const r = new IgnoreRules(root, undefined, (dir) => {
      asked.push(dir);
      return dir in nested ? parseIgnoreFile(nested[dir] as string) : null;
    });
    return { r, asked };
  };

  test('patterns are relative to their folder: anchored ones too; unanchored ones match at any depth below it', () => {
    const { r } = rules('', { web: '/out/\n*.map\ncache/tmp.txt', 'web/src': 'gen/' });
    const cases: [string, boolean][] = [
      ['web/out/a.js', true], ['out/a.js', false], ['web/src/out/a.js', false],
      ['web/a.js.map', true], ['web/src/deep/b.map', true], ['c.map', false],
      ['web/cache/tmp.txt', true], ['web/x/cache/tmp.txt', false],
      ['web/src/gen/g.ts', true], ['web/gen/g.ts', false],
    ];
    for (const [p, want] of cases) assert.equal(r.ignores(p), want, p);
  });

  test('the deeper file overrides: a negation below re-includes, a pattern below excludes what the root keeps', () => {
    const { r } = rules('*.log\n!keep.txt', { app: '!important.log\n*.txt' });
    assert.equal(r.ignores('x.log'), true);
    assert.equal(r.ignores('app/important.log'), false, 'negated by the deeper file');
    assert.equal(r.ignores('app/other.log'), true, 'the root still applies where the deeper file says nothing');
    assert.equal(r.ignores('app/keep.txt'), true, 'the deeper file wins over the root');
    assert.equal(r.ignores('keep.txt'), false);
    // Within one file the last matching line decides.
    assert.equal(rules('', { d: '*.tmp\n!a.tmp\n*.tmp' }).r.ignores('d/a.tmp'), true);
  });

  test('nothing below an ignored folder comes back, and its .gitignore is never read', () => {
    const { r, asked } = rules('vendor/', { vendor: '!*', 'vendor/lib': '!*' });
    assert.equal(r.ignores('vendor/lib/x.js'), true);
    assert.equal(asked.includes('vendor/lib'), false);
    // node_modules is a default: a nested negation of its content cannot bring it back either.
    assert.equal(rules('', { web: '!node_modules/x.js' }).r.ignores('web/node_modules/x.js'), true);
  });

  test('each folder is asked once per instance', () => {
    const { r, asked } = rules('', { a: '*.o' });
    for (let i = 0; i < 3; i++) r.ignores(`a/b/f${i}.o`);
    assert.deepEqual(asked.sort(), ['a', 'a/b']);
  });
});

describe('nested .gitignore files in a real workspace', () => {
  let fx: FilesFixture;
  let p: Project;
  const ctx = { author: 'user:test' };
  before(async () => {
    fx = filesFixture();
    p = fx.project();
    await fx.files.create(p.id, { path: 'web/.gitignore', content: 'out/\n*.map\n' }, ctx);
    await fx.files.create(p.id, { path: 'web/src/app.ts', content: 'x' }, ctx);
  });
  after(() => fx?.close());

  test('the API serves ignored files but does not version them; tree and list mark them', async () => {
    const map = await fx.files.write(p.id, 'web/src/app.js.map', Buffer.from('{}'), ctx);
    assert.deepEqual([map.ignored, map.version], [true, null]);
    const out = await fx.files.write(p.id, 'web/out/bundle.js', Buffer.from('b'), ctx);
    assert.equal(out.ignored, true);
    assert.equal((await fx.files.write(p.id, 'out/top.js', Buffer.from('t'), ctx)).ignored, false, 'web/.gitignore says nothing about the root');
    const tree = fx.files.tree(p.id, {});
    const web = tree.root.children?.find((c) => c.name === 'web');
    assert.equal(web?.children?.find((c) => c.name === 'out')?.ignored, true);
    assert.equal(web?.children?.find((c) => c.name === 'src')?.children?.find((c) => c.name === 'app.js.map')?.ignored, true);
    const listed = fx.files.list(p.id, { dir: 'web/src' }).items.map((i) => `${i.name} ${i.ignored}`);
    assert.deepEqual(listed, ['app.js.map true', 'app.ts false']);
  });

  test('a scan skips what a nested .gitignore ignores', async () => {
    const ws = fx.files.root(p.id);
    mkdirSync(join(ws, 'web/out'), { recursive: true });
    writeFileSync(join(ws, 'web/out/made-by-build.js'), 'x');
    writeFileSync(join(ws, 'web/src/made.ts'), 'y');
    const s = await fx.files.sync(p.id, { author: 'external' });
    assert.deepEqual(s.changes.map((c) => c.path), ['web/src/made.ts']);
  });

  test('a changed .gitignore counts at once (through the API or behind its back)', async () => {
    assert.equal((await fx.files.stat(p.id, 'web/src/made.ts')).ignored, false);
    await fx.files.write(p.id, 'web/src/.gitignore', Buffer.from('made.ts\n'), ctx);
    assert.equal((await fx.files.stat(p.id, 'web/src/made.ts')).ignored, true);
    // Edited on disk with the same size and an old mtime: the ctime and inode still tell.
    const file = join(fx.files.root(p.id), 'web/src/.gitignore');
    writeFileSync(file, '!made.ts');
    utimesSync(file, 1, 1);
    assert.equal((await fx.files.stat(p.id, 'web/src/made.ts')).ignored, false);
    await fx.files.delete(p.id, 'web/.gitignore', ctx);
    assert.equal((await fx.files.stat(p.id, 'web/src/app.js.map')).ignored, false);
  });
});

describe('globs', () => {
  test('a name at any depth without a slash; a path with one; ** and braces', () => {
    const py = compileGlob('*.py');
    assert.deepEqual(['a.py', 'src/b.py', 'src/b.pyc', 'py'].map(py), [true, true, false, false]);
    const src = compileGlob('src/**/*.ts');
    assert.deepEqual(['src/a.ts', 'src/x/y/a.ts', 'lib/src/a.ts', 'src/a.tsx'].map(src), [true, true, false, false]);
    const br = compileGlob('*.{js,ts}');
    assert.deepEqual(['a.js', 'a.ts', 'a.py'].map(br), [true, true, false]);
    assert.equal(compileGlob('file[0-9].txt')('file7.txt'), true);
    assert.equal(compileGlob('a+b(c).txt')('a+b(c).txt'), true, 'regex characters are literal');
  });
});
