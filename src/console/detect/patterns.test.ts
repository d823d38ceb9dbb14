import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorDetector } from './detector.ts';
import { PATTERNS } from './patterns/index.ts';
import type { PatternDef } from './pattern.ts';

/** Minimal real-looking surroundings for a block pattern's example line. */
const WRAP: Record<string, (ex: string) => string[]> = {
  'python.traceback': (ex) => ['Traceback (most recent call last):', '  File "/workspace/app.py", line 3, in <module>', '    main()', ex],
  'python.syntax': (ex) => ['  File "/workspace/app.py", line 3', '    x = (', ex],
  'node.stack': (ex) => (/^\S/.test(ex) ? [ex, '    at main (/workspace/app.js:1:1)', ''] : ['TypeError: fetch failed', '    at main (/workspace/app.js:1:1) {', ex, '}', '']),
  'npm.block': (ex) => [ex, 'npm error A complete log of this run can be found in: /root/.npm/_logs/x.log'],
  'pip.resolve': (ex) => [ex, 'ERROR: No matching distribution found for x'],
  'test.tap_not_ok': (ex) => [ex, '  ---', "  location: '/workspace/a.test.js:3:1'", '  ...'],
  'test.spec_failure': (ex) => [ex, '  Error: boom', '      at T (/workspace/a.test.js:3:1)', ''],
  'test.jest_failure': (ex) => [ex, '', '    at Object.<anonymous> (a.test.js:3:1)', ''],
  'test.spec_recap': (ex) => [ex, '✖ subtracts numbers (1.4ms)', ''],
};

function detectIn(lines: readonly string[]): string[] {
  const d = new ErrorDetector({ now: () => 0 });
  const ids = lines.flatMap((text, i) => d.push({ text, stream: 'stderr', run_id: 'r', time: i }).map((e) => e.pattern_id));
  return [...ids, ...d.flush().map((e) => e.pattern_id)];
}

test('pattern ids are unique', () => {
  const ids = PATTERNS.map((p) => p.id);
  assert.deepEqual(ids.filter((id, i) => ids.indexOf(id) !== i), []);
});

test('every pattern has examples, and each example matches its regex and contains its hint', () => {
  for (const p of PATTERNS) {
    assert.ok(p.examples.length > 0, `${p.id} has an example`);
    for (const ex of p.examples) {
      assert.match(ex, p.match, `${p.id} matches "${ex}"`);
      if (p.hint !== undefined) assert.ok(ex.includes(p.hint), `${p.id}: hint "${p.hint}" occurs in "${ex}"`);
    }
  }
});

test('every example is detected by its own pattern (no earlier pattern shadows it)', () => {
  for (const p of PATTERNS satisfies readonly PatternDef[]) {
    for (const ex of p.examples) {
      const lines = p.block ? (WRAP[p.block.id]?.(ex) ?? assert.fail(`no wrapper for block ${p.block.id}`)) : [ex];
      const ids = detectIn(lines);
      if (p.silent) assert.deepEqual(ids, [], `${p.id} emits nothing`);
      else assert.equal(ids[0], p.id, `"${ex}" → ${ids.join(', ') || 'nothing'}`);
    }
  }
});

test('suggestions and messages fill from the fields of the examples', () => {
  for (const p of PATTERNS.filter((x) => !x.silent && x.block === undefined)) {
    const d = new ErrorDetector({ now: () => 0 });
    const [e] = d.push({ text: p.examples[0] ?? '', stream: 'stdout', run_id: null, time: 0 });
    assert.ok(e, p.id);
    assert.ok(e.suggestion, `${p.id} has a suggestion for its example`);
    assert.doesNotMatch(e.message, /\{\w+\}/, `${p.id}: no placeholder left in the message`);
  }
});
