import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ZeblitError } from '../contracts/index.ts';
import { normalizePath } from './paths.ts';

const invalid = (p: string, opts?: { allowRoot?: boolean }) =>
  assert.throws(() => normalizePath(p, opts), (e: unknown) => e instanceof ZeblitError && e.code === 'INVALID_PATH' && e.status === 400, JSON.stringify(p.slice(0, 40)));

describe('normalizePath', () => {
  test('canonical relative paths', () => {
    assert.equal(normalizePath('a/b/c.txt'), 'a/b/c.txt');
    assert.equal(normalizePath('./a//b/./c/'), 'a/b/c');
    assert.equal(normalizePath('a/x/../b'), 'a/b');
    assert.equal(normalizePath('', { allowRoot: true }), '');
    assert.equal(normalizePath('.', { allowRoot: true }), '');
    assert.equal(normalizePath('ünïcødé/文件.txt'), 'ünïcødé/文件.txt');
    assert.equal(normalizePath('..foo/bar..'), '..foo/bar..', 'dots inside names are fine');
  });

  test('refused: escapes, absolute, NUL, backslashes, drive letters, home, root without allowRoot', () => {
    for (const p of ['..', '../x', 'a/../../x', 'a/b/../../..', '/etc/passwd', '//x', 'a\0b', 'a\\b', '..\\..\\x', 'C:/x', 'c:x', '~/x', '', '.', 'a/..']) invalid(p);
  });

  test('refused: a name over 255 bytes, a path over 4096 bytes (bytes, not characters)', () => {
    assert.equal(normalizePath('n'.repeat(255)), 'n'.repeat(255));
    invalid('n'.repeat(256));
    invalid('é'.repeat(128)); // 256 bytes in UTF-8
    invalid(`${'abc/'.repeat(1024)}x`);
    assert.equal(normalizePath(`${'abc/'.repeat(1000)}x`).length, 4001);
  });
});
