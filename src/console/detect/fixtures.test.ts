import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { FIXTURES } from './fixtures/expected.ts';
import { FIXTURE_DIR, runFixture } from './fixtures/load.ts';
import { PATTERNS } from './patterns/index.ts';

const DIR = FIXTURE_DIR;

/** Patterns without a real capture here: their examples are tested in patterns.test.ts. */
const EXAMPLE_ONLY = new Set([
  'python.TabError.traceback',
  'python.TabError',
  'python.IndentationError.traceback',
  'python.ImportError.other',
  'python.FileNotFoundError',
  'python.ConnectionRefusedError',
  'python.PermissionError',
  'python.RecursionError',
  'python.warning',
  'python.fatal_error',
  'node.enoent',
  'typescript.global',
  'npm.eresolve',
  'npm.eacces',
  'npm.error',
  'pip.no_matching_distribution.line',
  'pip.conflict',
  'pip.os_error',
  'pip.diagnostic',
  'shell.command_not_found.zsh',
  'system.aborted',
  'system.aborted.shell',
  'http.favicon',
  'browser.cors.header',
]);

const covered = new Set<string>();

for (const fx of FIXTURES) {
  test(`fixture ${fx.file} (${fx.origin}: ${fx.command})`, () => {
    const got = runFixture(fx);
    for (const g of got) covered.add(g.pattern_id);
    assert.deepEqual(
      got.map((g) => g.type),
      fx.expect.map((e) => e.type),
      `types detected in ${fx.file}`,
    );
    fx.expect.forEach((exp, i) => {
      const g = got[i];
      assert.ok(g);
      assert.equal(g.message, exp.message);
      if (exp.file !== undefined) assert.equal(g.file, exp.file, `file of ${exp.type}`);
      if (exp.line !== undefined) assert.equal(g.line, exp.line, `line of ${exp.type}`);
      assert.equal(g.via, exp.via ?? 'push', `${exp.type} is emitted by ${exp.via ?? 'push'}()`);
      assert.ok(g.suggestion && g.suggestion.length > 10, `${exp.type} has a suggestion`);
      assert.match(g.fingerprint, /^[0-9a-f]{16}$/);
      assert.ok(g.raw.length > 0 && g.first_line_text.length > 0);
    });
  });
}

test('every fixture file has expectations, and every expectation a file', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.txt'));
  assert.deepEqual(files.sort(), FIXTURES.map((f) => f.file).sort());
});

test('every pattern is produced by a real fixture, or is listed as example-only', () => {
  for (const fx of FIXTURES) for (const g of runFixture(fx)) covered.add(g.pattern_id);
  const silent = PATTERNS.filter((p) => p.silent).map((p) => p.id);
  const missing = PATTERNS.map((p) => p.id).filter((id) => !covered.has(id) && !EXAMPLE_ONLY.has(id) && !silent.includes(id));
  assert.deepEqual(missing, []);
  const stale = [...EXAMPLE_ONLY].filter((id) => covered.has(id));
  assert.deepEqual(stale, [], 'patterns listed as example-only that a fixture now covers');
});
