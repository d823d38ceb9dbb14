import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CappedOutput } from './output.ts';

describe('CappedOutput', () => {
  test('small output is kept whole', () => {
    const o = new CappedOutput(8, 8);
    o.push(Buffer.from('hello '));
    o.push(Buffer.from('world'));
    assert.equal(o.text(), 'hello world');
    assert.equal(o.truncated, false);
    assert.equal(o.total, 11);
  });

  test('large output keeps head and tail with a marker, and memory stays bounded', () => {
    const o = new CappedOutput(4, 4);
    for (let i = 0; i < 10_000; i++) o.push(Buffer.from('0123456789'));
    assert.equal(o.total, 100_000);
    assert.equal(o.truncated, true);
    assert.equal(o.text(), '0123\n[… 99992 bytes omitted …]\n6789');
    assert.equal(o.last(3), '789');
  });

  test('a chunk larger than the tail replaces it', () => {
    const o = new CappedOutput(2, 3);
    o.push(Buffer.from('ab'));
    o.push(Buffer.from('cdefghij'));
    assert.equal(o.text(), 'ab\n[… 5 bytes omitted …]\nhij');
  });

  test('cuts never leave half a UTF-8 character', () => {
    const o = new CappedOutput(5, 5);
    o.push(Buffer.from('ééééééééé'));
    const t = o.text();
    assert.ok(!t.includes('\uFFFD'), t);
    assert.match(t, /^éé\n\[… \d+ bytes omitted …\]\néé$/);
  });
});
