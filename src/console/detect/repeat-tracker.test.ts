import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorDetector } from './detector.ts';
import { fixtureLines } from './fixtures/load.ts';
import { RepeatTracker } from './repeat-tracker.ts';
import type { DetectedError } from './types.ts';

/** The same bug three times, in three runs, with a different key and line number each time. */
function repeats(): DetectedError[] {
  const d = new ErrorDetector();
  return [3, 4, 5].flatMap((line, i) =>
    [
      'Traceback (most recent call last):',
      `  File "/workspace/app.py", line ${line}, in <module>`,
      '    total = orders[order_id]',
      `KeyError: ${100 + i}`,
    ].flatMap((text, j) => d.push({ text, stream: 'stderr', run_id: `run_${i}`, time: 1000 * (i + 1) + j })),
  );
}

test('repeats are counted, not duplicated', () => {
  const errors = repeats();
  assert.equal(errors.length, 3);
  assert.equal(new Set(errors.map((e) => e.fingerprint)).size, 1, 'numbers do not change the fingerprint');
  const t = new RepeatTracker();
  const results = errors.map((e) => t.record(e));
  assert.deepEqual(
    results.map((r) => [r.is_new, r.record.occurrences]),
    [
      [true, 1],
      [false, 2],
      [false, 3],
    ],
  );
  assert.equal(t.size, 1);
  const [rec] = t.list();
  assert.equal(rec?.first_seen, 1000);
  assert.equal(rec?.last_seen, 3000);
  assert.equal(rec?.line, 5, 'the latest occurrence describes the code as it is now');
  assert.equal(rec?.message, 'KeyError: 102');
  assert.equal(rec?.run_id, 'run_2');
});

test('pip retries over one install are one record', () => {
  const d = new ErrorDetector();
  const t = new RepeatTracker();
  const lines = fixtureLines('pip-no-matching-distribution.txt');
  for (const [i, text] of lines.entries()) for (const e of d.push({ text, stream: 'stderr', run_id: 'run_pip', time: i })) t.record(e);
  assert.deepEqual(
    t.list().map((r) => [r.type, r.occurrences]),
    [
      ['pip.NoMatchingDistribution', 1],
      ['pip.NetworkRetry', 5],
    ],
  );
});

test('different errors are different records; the stalest is evicted at max_records', () => {
  const d = new ErrorDetector();
  const t = new RepeatTracker({ max_records: 2 });
  const errs = ['alpha', 'beta', 'gamma'].flatMap((m, i) => d.push({ text: `sh: 1: ${m}: not found`, stream: 'stderr', run_id: 'r', time: i }));
  t.record(errs[0] as DetectedError);
  t.record(errs[1] as DetectedError);
  t.record(errs[0] as DetectedError); // alpha is now the most recent
  t.record(errs[2] as DetectedError); // evicts beta
  assert.deepEqual(
    t.list().map((r) => r.message),
    ['command not found: gamma', 'command not found: alpha'],
  );
});

test('load() restores stored records so counting continues', () => {
  const [first, second] = repeats();
  const t1 = new RepeatTracker();
  t1.record(first as DetectedError);
  const stored = t1.list();
  const t2 = new RepeatTracker();
  t2.load(stored);
  const r = t2.record(second as DetectedError);
  assert.equal(r.is_new, false);
  assert.equal(r.record.occurrences, 2);
  assert.equal(t2.get(r.record.fingerprint)?.first_seen, 1000);
  assert.equal(t2.delete(r.record.fingerprint), true);
  assert.equal(t2.size, 0);
});
