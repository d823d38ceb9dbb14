import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diffLines, unifiedDiff } from './diff.ts';

describe('diff', () => {
  test('the edit script reproduces both sides (random cases)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 1000) / 1000;
    for (let t = 0; t < 500; t++) {
      const mk = () => Array.from({ length: Math.floor(rnd() * 15) }, () => 'abcd'[Math.floor(rnd() * 4)] as string);
      const a = mk();
      const b = mk();
      const ops = diffLines(a, b);
      assert.deepEqual(ops.filter((o) => o.kind !== 'ins').map((o) => o.line), a);
      assert.deepEqual(ops.filter((o) => o.kind !== 'del').map((o) => o.line), b);
    }
  });

  test('unified output matches GNU diff -u', () => {
    const a = 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n';
    const b = 'a\nb\nX\nd\ne\nf\ng\nh\ni\nj\nk\n';
    assert.equal(unifiedDiff(a, b, { from: 'x', to: 'y' }).text, '--- x\n+++ y\n@@ -1,6 +1,6 @@\n a\n b\n-c\n+X\n d\n e\n f\n@@ -8,3 +8,4 @@\n h\n i\n j\n+k\n');
    assert.equal(unifiedDiff('', 'one\n', { from: 'x', to: 'y' }).text, '--- x\n+++ y\n@@ -0,0 +1 @@\n+one\n');
    assert.equal(unifiedDiff('same\n', 'same\n', { from: 'x', to: 'y' }).text, '');
    assert.match(unifiedDiff('a', 'a\n', { from: 'x', to: 'y' }).text, /No newline at end of file/);
  });

  test('large inputs stay fast; past the edit cap the change is shown whole', () => {
    const a = Array.from({ length: 20000 }, (_, i) => `line ${i}`).join('\n');
    const b = a.replace('line 10000', 'changed');
    const started = Date.now();
    const d = unifiedDiff(a, b, { from: 'x', to: 'y' });
    assert.deepEqual([d.additions, d.deletions], [1, 1]);
    assert.ok(Date.now() - started < 2000);
    const ops = diffLines(['a', 'b', 'c'], ['x', 'y', 'z'], 1);
    assert.deepEqual(ops.map((o) => o.kind), ['del', 'del', 'del', 'ins', 'ins', 'ins']);
  });
});
