import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { COMMANDS } from './app.ts';
import { buildManifest } from './manifest-build.ts';
import type { CommandSpec } from './manifest.ts';
import { resolveCommand } from './resolve.ts';

describe('resolveCommand (which command a line names, from the manifest alone)', () => {
  let specs: CommandSpec[];
  before(async () => {
    specs = await buildManifest(COMMANDS);
  });
  const path = (argv: string[]) => resolveCommand(argv, specs)?.spec.paths[0]?.join(' ');
  const line = (argv: string[]) => resolveCommand(argv, specs)?.argv;

  it('finds commands by path and alias, the longest path first', () => {
    assert.equal(path(['list']), 'list');
    assert.equal(path(['ls', '--all']), 'list');
    assert.equal(path(['settings']), 'settings');
    assert.equal(path(['settings', 'set', 'cpus', '2']), 'settings set');
    assert.equal(path(['files', 'ls']), 'files list');
    assert.equal(path(['chat', 'history']), 'chat history');
    assert.equal(path(['chat', 'hello', 'there']), 'chat');
  });

  it('skips options and their values before, between and after the path words', () => {
    assert.equal(path(['--no-start', 'list']), 'list');
    assert.equal(path(['--json', 'files', 'list', 'src']), 'files list');
    assert.equal(path(['settings', '-p', 'set', 'set', 'cpus', '2']), 'settings set', '-p takes the next word as its value');
    assert.equal(path(['run', '-p', 'files', 'ls']), 'run');
  });

  it('names nothing for a typo, a bare group or no words', () => {
    assert.equal(path(['lst']), undefined);
    assert.equal(path(['files']), undefined);
    assert.equal(path(['--help']), undefined);
    assert.equal(path([]), undefined);
  });

  it('puts `--` before the first argument of `run`, so the program gets its own options', () => {
    assert.deepEqual(line(['run', 'node', '-v']), ['run', '--', 'node', '-v']);
    assert.deepEqual(line(['run', 'python3', '-m', 'pytest', '-x']), ['run', '--', 'python3', '-m', 'pytest', '-x']);
    assert.deepEqual(line(['run', '-d', '--timeout', '30', 'npm', 'test', '--watch']), ['run', '-d', '--timeout', '30', '--', 'npm', 'test', '--watch']);
    assert.deepEqual(line(['run', '--env=A=1', 'env']), ['run', '--env=A=1', '--', 'env']);
    assert.deepEqual(line(['-p', 'api', 'run', 'ls', '-la']), ['-p', 'api', 'run', '--', 'ls', '-la']);
    assert.deepEqual(line(['run', '--', 'ls', '-la']), ['run', '--', 'ls', '-la'], 'a `--` typed by the user stays the only one');
    assert.deepEqual(line(['run', '--help']), ['run', '--help']);
    assert.deepEqual(line(['files', 'rm', 'a', '--json']), ['files', 'rm', 'a', '--json'], 'other commands keep their options after arguments');
  });
});
