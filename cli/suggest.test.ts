import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { COMMANDS } from './app.ts';
import { buildManifest } from './manifest-build.ts';
import type { CommandSpec } from './manifest.ts';
import { editDistance, nearest, suggestCommands, suggestOption } from './suggest.ts';

describe('suggestions for typos', () => {
  let specs: CommandSpec[];
  before(async () => {
    specs = await buildManifest(COMMANDS);
  });
  const spec = (path: string) => {
    const s = specs.find((x) => x.paths[0]?.join(' ') === path);
    assert.ok(s, path);
    return s;
  };

  it('measures edit distance with swaps as one edit', () => {
    assert.equal(editDistance('list', 'list'), 0);
    assert.equal(editDistance('lst', 'list'), 1);
    assert.equal(editDistance('lsit', 'list'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  it('keeps only close names, best first', () => {
    assert.deepEqual(nearest('stauts', ['status', 'start', 'stop']), ['status']);
    assert.deepEqual(nearest('xyz', ['status', 'start']), []);
    assert.deepEqual(nearest('dae', ['daemon', 'delete']), ['daemon'], 'a prefix counts');
  });

  it('suggests the command a mistyped line meant, within its group', () => {
    assert.deepEqual(suggestCommands(['lst'], specs), ['list']);
    assert.deepEqual(suggestCommands(['stauts'], specs), ['status']);
    assert.deepEqual(suggestCommands(['files', 'lst'], specs), ['files list']);
    assert.deepEqual(suggestCommands(['daemon', 'stpo'], specs), ['daemon stop']);
    assert.deepEqual(suggestCommands(['--json', 'creat', 'x'], specs), ['create']);
    assert.deepEqual(suggestCommands(['frobnicate'], specs), []);
  });

  it("suggests the option a command has, or says which command has it", () => {
    assert.deepEqual(suggestOption('--jsn', spec('list'), specs).names, ['--json']);
    assert.deepEqual(suggestOption('--serach', spec('list'), specs).names, ['--search']);
    assert.deepEqual(suggestOption('--detach', spec('list'), specs), { names: [], elsewhere: 'run' });
  });
});
