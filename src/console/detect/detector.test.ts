import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorDetector, maxSeverity } from './detector.ts';
import { fixtureLines } from './fixtures/load.ts';
import type { DetectedError, DetectLine } from './types.ts';

const line = (text: string, run_id: string | null = 'run_a', time = 0, stream: DetectLine['stream'] = 'stderr'): DetectLine => ({ text, stream, run_id, time });

function pushAll(d: ErrorDetector, lines: readonly string[], run_id: string | null = 'run_a', stream: DetectLine['stream'] = 'stderr'): DetectedError[] {
  return lines.flatMap((text, i) => d.push(line(text, run_id, i, stream)));
}

test('a Python traceback is ONE detection, emitted by the push of its exception line', () => {
  const d = new ErrorDetector();
  const lines = fixtureLines('python-zero-division.txt');
  const before = lines.slice(0, -1).flatMap((text, i) => d.push(line(text, 'run_a', i)));
  assert.deepEqual(before, [], 'nothing before the exception line');
  const [e, ...rest] = d.push(line(lines.at(-1) ?? '', 'run_a', 99));
  assert.deepEqual(rest, []);
  assert.equal(e?.type, 'python.ZeroDivisionError');
  assert.equal(e?.first_line_text, 'Traceback (most recent call last):');
  assert.equal(e?.raw, lines.join('\n'));
  assert.equal(e?.time, 0, 'time of the first line');
  assert.equal(d.pending, 0);
});

test('a Node stack waits in pending and is emitted by flush() from a ~50 ms idle timer, well within 100 ms', async () => {
  const d = new ErrorDetector();
  const stack = fixtureLines('node-logged-error.txt').slice(0, -1); // without the "server continues" line
  for (const text of stack) assert.deepEqual(d.push(line(text, 'run_a', Date.now())), []);
  assert.equal(d.pending, 1);
  const last = Date.now();
  await sleep(50);
  const out = d.flush({ idle_ms: 40 });
  assert.ok(Date.now() - last < 100, 'emitted within 100 ms of the last line');
  assert.equal(out.length, 1);
  assert.equal(out[0]?.type, 'node.SyntaxError');
  assert.equal(d.pending, 0);
});

test('flush({ idle_ms }) leaves blocks that still receive lines; the next line closes a stack at once', () => {
  const d = new ErrorDetector();
  d.push(line('TypeError: x is not a function', 'run_a', 1000));
  d.push(line('    at main (/workspace/app.js:3:5)', 'run_a', 1010));
  assert.deepEqual(d.flush({ idle_ms: 50, now: 1030 }), []);
  assert.equal(d.flush({ idle_ms: 50, now: 1060 }).length, 1);
  d.push(line('TypeError: x is not a function', 'run_a', 2000));
  d.push(line('    at main (/workspace/app.js:3:5)', 'run_a', 2001));
  const [e] = d.push(line('listening on 3000', 'run_a', 2002));
  assert.equal(e?.file, '/workspace/app.js');
  assert.equal(e?.line, 3);
});

test('interleaved runs keep separate groups', () => {
  const d = new ErrorDetector();
  const a = fixtureLines('python-key-error.txt');
  const b = fixtureLines('node-type-error.txt');
  const out: DetectedError[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== undefined) out.push(...d.push(line(a[i] ?? '', 'run_a', i)));
    if (b[i] !== undefined) out.push(...d.push(line(b[i] ?? '', 'run_b', i)));
  }
  out.push(...d.flush());
  assert.deepEqual(
    out.map((e) => [e.run_id, e.type]),
    [
      ['run_a', 'python.KeyError'],
      ['run_b', 'node.TypeError'],
    ],
  );
  assert.equal(out[0]?.raw, a.join('\n'));
  assert.ok(!out[1]?.raw.includes('KeyError'));
});

test('stdout printed in the middle of a stderr traceback does not break it', () => {
  const d = new ErrorDetector();
  const tb = fixtureLines('python-attribute-error.txt');
  const out = tb.flatMap((text, i) => [...d.push(line(text, 'run_a', i, 'stderr')), ...d.push(line(`progress ${i}%`, 'run_a', i, 'stdout'))]);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.type, 'python.AttributeError');
  assert.equal(out[0]?.stream, 'stderr');
  assert.ok(!out[0]?.raw.includes('progress'));
});

test('the container main process (run_id null) is a run of its own', () => {
  const d = new ErrorDetector();
  const out = pushAll(d, fixtureLines('python-module-not-found.txt'), null);
  assert.equal(out[0]?.run_id, null);
  assert.equal(out[0]?.type, 'python.ModuleNotFoundError');
});

test('no false positives on ordinary output', () => {
  const ordinary = [
    ...fixtureLines('clean-output.txt'),
    '0 errors',
    'Found 0 errors. Watching for file changes.',
    'error handling enabled',
    'The TypeError class represents an error when a value is not of the expected type.',
    'An Error in the configuration is reported to the user in plain words.',
    'ModuleNotFoundError is raised when an import fails.',
    'vite v5.4.0 building for production...',
    '✓ 34 modules transformed.',
    'dist/assets/index-4f2a.js  143.36 kB │ gzip: 46.11 kB',
    'webpack 5.90.0 compiled successfully in 1234 ms',
    'npm warn deprecated inflight@1.0.6: This module is not supported, and leaks memory.',
    'found 0 vulnerabilities',
    'npm notice New major version of npm available! 10.2.0 -> 11.0.0',
    'errors: 0, warnings: 0',
    '[INFO] error rate: 0.0%',
    'WARNING: This is a development server. Do not use it in a production deployment.',
    'INFO:     127.0.0.1:52712 - "GET /items/5 HTTP/1.1" 200 OK',
    'GET / 200 1.977 ms - 2',
    '127.0.0.1 - - [27/Nov/2026 12:04:01] "GET / HTTP/1.1" 304 -',
    '# fail 0',
    'ℹ fail 0',
    'Tests:       2 passed, 2 total',
    '============================== 2 passed in 1.59s ===============================',
    'Killed 3 stale workers',
    'Segmentation fault handling is tested below',
    'Permission denied errors are logged to syslog',
    'user lookup: not found',
    'Error: not found',
    '  File "/workspace/app.py", line 3',
    'print("done")',
    "KeyError: 'x'",
    'after the KeyError line, ordinary output',
    'Traceback (most recent call last):',
    '  File "/workspace/app.py", line 3, in <module>',
    'interrupted: the traceback never got its exception line',
  ];
  const d = new ErrorDetector();
  const out = [...pushAll(d, ordinary), ...d.flush()];
  assert.deepEqual(
    out.map((e) => `${e.type}: ${e.first_line_text}`),
    [],
  );
});

test('ANSI colours and carriage-return redraws are cleaned before matching', () => {
  const d = new ErrorDetector();
  const [e] = d.push(line('\x1b[96msrc/a.ts\x1b[0m:\x1b[93m3\x1b[0m:\x1b[93m7\x1b[0m - \x1b[91merror\x1b[0m\x1b[90m TS2322: \x1b[0mType mismatch.'));
  assert.equal(e?.type, 'typescript.TS2322');
  assert.equal(e?.file, 'src/a.ts');
  const [p] = d.push(line('Downloading 10%\rDownloading 100%\rERROR: No matching distribution found for flask-zeblit\r'));
  assert.equal(p?.type, 'pip.NoMatchingDistribution');
});

test('exit codes are detected when no line explained them', () => {
  const d = new ErrorDetector({ now: () => 5 });
  const types = (code: number, oom = false, lines: string[] = []): string[] => {
    const run = `run_${code}_${oom}_${lines.length}`;
    const seen = pushAll(d, lines, run).map((e) => e.type);
    return [...seen, ...d.exit({ run_id: run, exit_code: code, oom_killed: oom }).map((e) => `exit:${e.type}`)];
  };
  assert.deepEqual(types(127), ['exit:shell.CommandNotFound']);
  assert.deepEqual(types(127, false, ['sh: 1: webpack: not found']), ['shell.CommandNotFound']);
  assert.deepEqual(types(126), ['exit:shell.PermissionDenied']);
  assert.deepEqual(types(126, false, ['sh: 1: ./run.sh: Permission denied']), ['shell.PermissionDenied']);
  assert.deepEqual(types(137, true), ['exit:system.OOMKilled']);
  assert.deepEqual(types(137), ['exit:system.Killed']);
  assert.deepEqual(types(137, false, ['Killed']), ['system.Killed']);
  assert.deepEqual(types(137, true, ['Killed']), ['system.Killed', 'exit:system.OOMKilled'], 'Docker knows better than the shell why');
  assert.deepEqual(types(139), ['exit:system.Segfault']);
  assert.deepEqual(types(139, false, ['Segmentation fault (core dumped)']), ['system.Segfault']);
  assert.deepEqual(types(134, false, ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory']), ['node.HeapOutOfMemory']);
  assert.deepEqual(types(0), []);
  assert.deepEqual(types(1), []);
  const [e] = d.exit({ run_id: 'never_seen', exit_code: 139, time: 42 });
  assert.equal(e?.time, 42);
  assert.equal(e?.stream, null);
  assert.equal(e?.first_line_text, 'exit code 139');
});

test('exit() emits the run’s pending block first, then forgets the run', () => {
  const d = new ErrorDetector();
  pushAll(d, ['Error: boom', '    at main (/workspace/app.js:1:1)'], 'run_x');
  assert.equal(d.pending, 1);
  assert.equal(d.runs, 1);
  const out = d.exit({ run_id: 'run_x', exit_code: 1 });
  assert.deepEqual(
    out.map((e) => e.type),
    ['node.Error'],
  );
  assert.equal(d.pending, 0);
  assert.equal(d.runs, 0);
});

test('memory is bounded: runs, block length, line length', () => {
  const d = new ErrorDetector({ max_runs: 10 });
  for (let i = 0; i < 300; i++) d.push(line('Error: held', `run_${i}`, i));
  assert.equal(d.runs, 10);
  assert.equal(d.pending, 10, 'evicted runs took their pending blocks with them');

  // A traceback of 5,000 frames is still one detection with its deepest frame, stored capped.
  const big = new ErrorDetector();
  const frames = Array.from({ length: 5000 }, (_, i) => [`  File "/workspace/rec.py", line ${i + 1}, in f`, '    return g(n - 1)']).flat();
  const out = pushAll(big, ['Traceback (most recent call last):', ...frames, 'RecursionError: maximum recursion depth exceeded']);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.type, 'python.RecursionError');
  assert.equal(out[0]?.line, 5000, 'the deepest frame is kept in the tail');
  assert.ok((out[0]?.raw.length ?? 0) <= 8192);
  assert.match(out[0]?.raw ?? '', /lines omitted/);
  assert.match(out[0]?.raw ?? '', /\nRecursionError: maximum recursion depth exceeded$/, 'raw keeps the exception line');

  // A 1 MB line is cut before matching (no regex ever sees a megabyte): what lies past the cut is not found.
  assert.equal(new ErrorDetector().push(line(`bash: ${'a'.repeat(40)}: command not found`))[0]?.type, 'shell.CommandNotFound');
  assert.deepEqual(new ErrorDetector().push(line(`bash: ${'a'.repeat(1_000_000)}: command not found`)), []);
});

test('a block that never ends is emitted as is once it overflows', () => {
  const d = new ErrorDetector();
  const out = pushAll(d, ['Error: boom', '    at main (/workspace/app.js:1:1)', ...Array.from({ length: 3000 }, (_, i) => `  key${i}: 'v',`)]);
  assert.equal(out.length, 1);
  assert.equal(out[0]?.type, 'node.Error');
});

test('lines held after a Node error line are read again when no stack follows', () => {
  const d = new ErrorDetector();
  const out = pushAll(d, ['Error: connect ECONNREFUSED 127.0.0.1:6379', 'retrying in 1s', 'sh: 1: redis-server: not found']);
  out.push(...d.flush());
  assert.deepEqual(
    out.map((e) => e.type),
    ['node.ECONNREFUSED', 'shell.CommandNotFound'],
  );
});

test('maxSeverity gives the level of the line that completed detections', () => {
  const d = new ErrorDetector();
  assert.equal(maxSeverity(d.push(line('plain output'))), null);
  assert.equal(maxSeverity(d.push(line('127.0.0.1 - - [x] "GET /nope HTTP/1.1" 404 -'))), 'warning');
  assert.equal(maxSeverity(d.push(line('sh: 1: make: not found'))), 'error');
});
