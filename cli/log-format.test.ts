import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatLogLine } from './log-format.ts';
import { follow, lastLines } from './log-tail.ts';

describe('formatLogLine', () => {
  it('prints time, level, message and the other fields', () => {
    const line = JSON.stringify({ level: 40, time: '2025-01-02T03:04:05.006Z', pid: 1, msg: 'careful', bind: '0.0.0.0', n: 3, tags: ['a'] });
    const out = formatLogLine(line);
    assert.match(out, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.006 WARN  careful bind=0\.0\.0\.0 n=3 tags=\["a"\]$/);
  });

  it('quotes values with spaces and indents an error stack', () => {
    const out = formatLogLine(JSON.stringify({ level: 50, time: 0, msg: 'boom', path: 'a b', err: { type: 'Error', message: 'bad thing', stack: 'Error: bad thing\n    at x' } }));
    assert.match(out, /ERROR boom path="a b" err="bad thing"\n {4}Error: bad thing\n {8}at x$/);
  });

  it('leaves a line that is not JSON alone', () => {
    assert.equal(formatLogLine('plain text'), 'plain text');
  });
});

describe('lastLines and follow', () => {
  const dir = mkdtempSync(join(tmpdir(), 'zeblit-logs-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the last complete lines, leaving a half-written one', () => {
    const file = join(dir, 'a.log');
    writeFileSync(file, 'one\ntwo\nthree\nfour\nhalf');
    const { lines, end } = lastLines(file, 2);
    assert.deepEqual(lines, ['three', 'four']);
    assert.equal(end, Buffer.byteLength('one\ntwo\nthree\nfour\n'));
    assert.deepEqual(lastLines(file, 0).lines, []);
    assert.deepEqual(lastLines(join(dir, 'missing.log'), 5), { lines: [], end: 0 });
  });

  it('reads backwards across chunks', () => {
    const file = join(dir, 'big.log');
    writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    assert.deepEqual(lastLines(file, 3).lines, ['line 19997', 'line 19998', 'line 19999']);
    assert.equal(lastLines(file, 50_000).lines.length, 20_000);
  });

  it('follows appended lines, and starts over when the file is truncated or replaced', async () => {
    const file = join(dir, 'f.log');
    writeFileSync(file, 'old\npart');
    const { end } = lastLines(file, 10);
    const seen: string[] = [];
    const ac = new AbortController();
    const done = follow(file, { from: end, pollMs: 10, signal: ac.signal, onLine: (l) => seen.push(l) });
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    };
    appendFileSync(file, 'ial\nnew\n');
    await waitFor(2);
    writeFileSync(file, 'cut\n');
    await waitFor(3);
    renameSync(file, `${file}.1`);
    writeFileSync(file, 'rotated, and longer than before\n');
    await waitFor(4);
    ac.abort();
    await done;
    assert.deepEqual(seen, ['partial', 'new', 'cut', 'rotated, and longer than before']);
  });
});
