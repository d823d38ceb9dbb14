import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyze } from './analyze.ts';
import { ErrorDetector } from './detector.ts';
import { FIXTURES } from './fixtures/expected.ts';
import { runFixture } from './fixtures/load.ts';
import { RepeatTracker } from './repeat-tracker.ts';
import { Analysis, type DetectedError } from './types.ts';

function fromFixture(file: string): DetectedError[] {
  const fx = FIXTURES.find((f) => f.file === file);
  assert.ok(fx, file);
  return runFixture(fx);
}

test('groups by fingerprint with counts, ordered by severity then count; the output matches its schema', () => {
  const errors = [...fromFixture('pip-no-matching-distribution.txt'), ...fromFixture('http-python-server.txt'), ...fromFixture('python-module-not-found.txt'), ...fromFixture('python-module-not-found.txt')];
  const a = analyze(errors, { template: 'python' });
  Analysis.parse(a);
  assert.deepEqual(
    a.groups.map((g) => [g.type, g.severity, g.occurrences]),
    [
      ['python.ModuleNotFoundError', 'error', 2],
      ['pip.NoMatchingDistribution', 'error', 1],
      ['http.ServerError', 'error', 1],
      ['pip.NetworkRetry', 'warning', 5],
      ['http.ClientError', 'warning', 1],
    ],
  );
  assert.deepEqual(a.summary, { distinct: 5, occurrences: 10, errors: 3, warnings: 2, infos: 0 });
  assert.deepEqual(a.groups[0]?.run_ids, ['run_fx']);
});

test('ModuleNotFoundError: a dependency missing in the container, installed with the template’s package manager', () => {
  const [g] = analyze(fromFixture('python-module-not-found.txt'), { template: 'python' }).groups;
  assert.match(g?.probable_cause ?? '', /dependency not installed in the container: 'requests'/);
  assert.ok(g?.suggestions.includes('pip install --user requests'));
  assert.ok(g?.suggestions.some((s) => s.includes('requirements.txt')));
  const [blank] = analyze(fromFixture('python-module-not-found.txt'), { template: 'blank' }).groups;
  assert.match(blank?.suggestions[0] ?? '', /apt-get install -y python3-pip/);
  const [nodeGroup] = analyze(fromFixture('node-cannot-find.txt'), { template: 'node' }).groups;
  assert.match(nodeGroup?.probable_cause ?? '', /'express'/);
  assert.ok(nodeGroup?.suggestions.includes('npm install express'));
});

test('EADDRINUSE names the port; 137 names the memory limit; CommandNotFound knows npm tools', () => {
  const [port] = analyze(fromFixture('node-eaddrinuse.txt')).groups;
  assert.equal(port?.probable_cause, 'Another process holds port 3000');
  const [oom] = analyze(fromFixture('system-oom-direct.txt'), { memory_mb: 64 }).groups;
  assert.equal(oom?.type, 'system.OOMKilled');
  assert.match(oom?.probable_cause ?? '', /memory limit of 64 MB was reached/);
  assert.ok(oom?.suggestions.includes('Raise memory_mb in the project settings'));
  const [tsc] = analyze(fromFixture('npm-script-command-not-found.txt'), { template: 'node' }).groups;
  assert.ok(tsc?.suggestions.includes('npm install --save-dev typescript'));
});

test('causes can depend on other errors: "no matching distribution" after network retries is a network problem', () => {
  const withRetries = analyze(fromFixture('pip-no-matching-distribution.txt')).groups.find((g) => g.type === 'pip.NoMatchingDistribution');
  assert.match(withRetries?.probable_cause ?? '', /cannot reach PyPI/);
  const alone = analyze(fromFixture('pip-no-matching-distribution.txt').filter((e) => e.type !== 'pip.NetworkRetry')).groups[0];
  assert.match(alone?.probable_cause ?? '', /No release with that name/);
});

test('stored records and fresh detections mix: occurrences add up, first/last seen span both', () => {
  const d = new ErrorDetector();
  const shot = (time: number): readonly DetectedError[] => d.push({ text: 'sh: 1: make: not found', stream: 'stderr', run_id: `run_${time}`, time });
  const t = new RepeatTracker();
  for (const e of [...shot(10), ...shot(20)]) t.record(e);
  const a = analyze([...t.list(), ...shot(30)]);
  assert.equal(a.groups.length, 1);
  assert.equal(a.groups[0]?.occurrences, 3);
  assert.equal(a.groups[0]?.first_seen, 10);
  assert.equal(a.groups[0]?.last_seen, 30);
  assert.deepEqual(a.groups[0]?.run_ids.sort(), ['run_20', 'run_30']);
  assert.match(a.groups[0]?.probable_cause ?? '', /'make' is not installed/);
});

test('every fixture analyses without throwing and every group has a cause', () => {
  const all = FIXTURES.flatMap((fx) => runFixture(fx));
  const a = analyze(all, { template: 'node', memory_mb: 512 });
  assert.ok(a.groups.length > 50);
  for (const g of a.groups) assert.ok(g.probable_cause.length > 0, g.type);
  assert.deepEqual(analyze([]), { groups: [], summary: { distinct: 0, occurrences: 0, errors: 0, warnings: 0, infos: 0 } });
});
