/**
 * The walk stats names from inside each folder (see walk.ts): the process's
 * working directory must always come back, and a folder swapped for a link
 * while it is being walked must still never be followed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { SafeWorkspace, hasProcFd } from './index.ts';

describe('workspace walks', () => {
  const base = mkdtempSync(join(tmpdir(), 'zbl-walk-'));
  after(() => rmSync(base, { recursive: true, force: true }));
  const make = (name: string) => {
    const root = join(base, name, 'workspace');
    mkdirSync(join(root, 'a', 'b'), { recursive: true });
    writeFileSync(join(root, 'a', 'b', 'f.txt'), 'f');
    writeFileSync(join(root, 'top.txt'), 'top');
    return new SafeWorkspace(root, join(base, name, 'scratch'));
  };

  test('every entry, sorted, with sizes; the working directory is the same after', () => {
    const cwd = process.cwd();
    const seen: string[] = [];
    make('plain').walk('', (e) => void seen.push(`${e.rel} ${e.type} ${e.size} ${e.depth}`));
    assert.deepEqual(seen, ['a dir 0 1', 'a/b dir 0 2', 'a/b/f.txt file 1 3', 'top.txt file 3 1']);
    assert.equal(process.cwd(), cwd);
  });

  test('a visitor that throws, stops the walk or walks again inside leaves the working directory alone', () => {
    const cwd = process.cwd();
    const ws = make('throws');
    assert.throws(() => ws.walk('', (e) => { if (e.rel === 'a/b') throw new Error('boom'); }), /boom/);
    assert.equal(process.cwd(), cwd);
    let n = 0;
    ws.walk('', () => void n++, { stop: () => n >= 2 });
    assert.equal(process.cwd(), cwd);
    const inner: string[] = [];
    const outer: string[] = [];
    ws.walk('', (e) => {
      outer.push(e.rel);
      if (e.rel === 'a') ws.walk('a', (x) => void inner.push(x.rel));
    });
    assert.deepEqual(inner, ['a/b', 'a/b/f.txt']);
    assert.deepEqual(outer, ['a', 'a/b', 'a/b/f.txt', 'top.txt']);
    assert.equal(process.cwd(), cwd);
  });

  test('a folder swapped for a link to the outside mid-walk is not entered, and the names after it are still its siblings', { skip: hasProcFd() ? false : 'no /proc here' }, () => {
    const ws = make('swap');
    const outside = join(base, 'swap', 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    writeFileSync(join(ws.root, 'a', 'z.txt'), 'z');
    const seen: string[] = [];
    ws.walk('', (e) => {
      seen.push(e.rel);
      if (e.rel === 'a') {
        // The container swaps the folder for a link just as the walk is about to go in.
        renameSync(join(ws.root, 'a'), join(ws.root, 'a-moved'));
        symlinkSync(outside, join(ws.root, 'a'));
      }
    });
    assert.ok(!seen.some((r) => r.includes('secret')), seen.join(', '));
    assert.ok(seen.includes('top.txt'));
  });
});
