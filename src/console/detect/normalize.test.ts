import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cleanLine, fingerprint, fnv1a64, normalizeForFingerprint } from './normalize.ts';

test('fnv1a64 is the standard FNV-1a 64 (test vectors)', () => {
  assert.equal(fnv1a64(''), 'cbf29ce484222325');
  assert.equal(fnv1a64('a'), 'af63dc4c8601ec8c');
  assert.equal(fnv1a64('foobar'), '85944171f73967e8');
});

test('what changes between occurrences does not change the fingerprint', () => {
  assert.equal(normalizeForFingerprint('listen EADDRINUSE :::3000'), normalizeForFingerprint('listen EADDRINUSE :::3001'));
  assert.equal(normalizeForFingerprint('object at 0x7fc16544bc50'), normalizeForFingerprint('object at 0x7fc1639cdc10'));
  assert.equal(normalizeForFingerprint("open '/tmp/tmpa8x2k/data.csv'"), normalizeForFingerprint("open '/tmp/tmpq91z0/data.csv'"));
  assert.equal(normalizeForFingerprint('job 3f2b9c1e-8d7a-4b6c-9e5f-0a1b2c3d4e5f failed'), normalizeForFingerprint('job 0a1b2c3d-4e5f-4b6c-9e5f-3f2b9c1e8d7a failed'));
  assert.equal(fingerprint('python.KeyError', 'KeyError: 17', '/workspace/app.py'), fingerprint('python.KeyError', 'KeyError: 18', '/workspace/app.py'));
});

test('what identifies an error does change it', () => {
  const base = fingerprint('python.ModuleNotFoundError', "No module named 'flask'", '/workspace/app.py');
  assert.notEqual(base, fingerprint('python.ModuleNotFoundError', "No module named 'django'", '/workspace/app.py'));
  assert.notEqual(base, fingerprint('python.ModuleNotFoundError', "No module named 'flask'", '/workspace/worker.py'));
  assert.notEqual(base, fingerprint('python.ImportError', "No module named 'flask'", '/workspace/app.py'));
  assert.notEqual(fingerprint('t', 'm', '/workspace/app2.py'), fingerprint('t', 'm', '/workspace/app3.py'), 'digits in a file name matter');
  assert.equal(fingerprint('t', 'm', null), fingerprint('t', 'm', ''), 'null and "" both mean no file');
});

test('cleanLine removes colours and keeps the last redraw', () => {
  assert.equal(cleanLine('\x1b[31mred\x1b[0m plain'), 'red plain');
  assert.equal(cleanLine('\x1b]8;;http://x\x07link\x1b]8;;\x07'), 'link');
  assert.equal(cleanLine('10%\r50%\r100%'), '100%');
  assert.equal(cleanLine('done\r'), 'done');
  assert.equal(cleanLine('plain'), 'plain');
});
