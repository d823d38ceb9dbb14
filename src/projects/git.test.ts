/** The git runner against the real git CLI: what it does with stdin git never reads. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { git } from './git.ts';

describe('git runner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zbl-git-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a git that exits without reading its input is an ordinary result, not an uncaught EPIPE (it crashed tests and was logged as uncaught by the daemon)', async () => {
    // More than a pipe holds: the write is still going when git exits, so it fails with EPIPE every time.
    const res = await git(['--version'], { cwd: dir, input: 'x'.repeat(4 * 1024 * 1024) });
    assert.equal(res.code, 0);
    assert.match(res.stdout, /^git version /);
    // Without input, many quick commands in a row (the race the daemon met: git gone before stdin was ended).
    for (let i = 0; i < 20; i++) assert.equal((await git(['rev-parse', '--is-inside-work-tree'], { cwd: dir })).code, 128);
  });
});
