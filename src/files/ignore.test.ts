import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileGlob } from './glob.ts';
import { IgnoreRules } from './ignore.ts';

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
