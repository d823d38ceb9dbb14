/**
 * Read after a command: the scan after a run is deferred past the run's
 * answer, and every reader of the project waits for it, so what the command
 * wrote is there, versioned, on the very next read.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Project } from '../contracts/index.ts';
import { filesFixture, type FilesFixture } from './testing.ts';

describe('reads wait for the scan after a run', () => {
  let f: FilesFixture;
  let p: Project;
  before(() => {
    f = filesFixture();
    p = f.project('settled');
  });
  after(() => f.close());

  test('a file a command wrote: read, stat, versions and search see it with its version at once', async () => {
    const root = f.files.root(p.id);
    mkdirSync(join(root, 'out'), { recursive: true });
    writeFileSync(join(root, 'out', 'report.txt'), 'made by a command\n');
    const scan = f.files.afterRun(p.id, { author: 'container', runId: 'run_1' });
    // Asked before the deferred scan even began.
    const [content, meta, versions, found] = await Promise.all([
      f.files.read(p.id, 'out/report.txt'),
      f.files.stat(p.id, 'out/report.txt'),
      f.files.versions(p.id, 'out/report.txt'),
      f.files.search(p.id, { q: 'made by a command' }),
    ]);
    assert.equal(content.content, 'made by a command\n');
    assert.equal(content.version, 1);
    assert.equal(meta.version, 1);
    assert.deepEqual(versions.items.map((v) => [v.version, v.author, v.run_id]), [[1, 'container', 'run_1']]);
    assert.equal(found.matches[0]?.path, 'out/report.txt');
    assert.equal((await scan).created, 1);
  });

  test('settled() resolves at once when no scan is pending, and after the last one', async () => {
    await f.files.settled(p.id);
    writeFileSync(join(f.files.root(p.id), 'second.txt'), 'two\n');
    void f.files.afterRun(p.id, { author: 'container', runId: 'run_2' });
    void f.files.afterRun(p.id, { author: 'container', runId: 'run_3' });
    await f.files.settled(p.id);
    const v = await f.files.versions(p.id, 'second.txt');
    assert.equal(v.items.length, 1);
  });
});
