import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { retryAfterSeconds, scrub } from './failure.ts';
import { invalidToolArguments, parseToolInput, toolArgumentsText } from './tool-input.ts';

describe('retryAfterSeconds', () => {
  it('reads seconds, milliseconds and HTTP dates', () => {
    assert.equal(retryAfterSeconds(new Headers({ 'retry-after': '30' })), 30);
    assert.equal(retryAfterSeconds(new Headers({ 'retry-after-ms': '1500', 'retry-after': '9' })), 1.5);
    const now = Date.parse('2026-01-01T00:00:00Z');
    assert.equal(retryAfterSeconds(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 00:00:20 GMT' }), now), 20);
    assert.equal(retryAfterSeconds(new Headers({ 'retry-after': 'soon' })), null);
    assert.equal(retryAfterSeconds(new Headers()), null);
    assert.equal(retryAfterSeconds(undefined), null);
  });
});

describe('scrub', () => {
  it('removes the key and key-shaped text', () => {
    assert.equal(scrub('key abc123456 refused', 'abc123456'), 'key *** refused');
    assert.equal(scrub('Incorrect API key provided: sk-proj-ab**********cdef.', 'other'), 'Incorrect API key provided: sk-***.');
  });
});

describe('tool input', () => {
  it('parses objects, treats empty as {}, marks the rest, and round-trips the marker', () => {
    assert.deepEqual(parseToolInput('{"a":1}'), { a: 1 });
    assert.deepEqual(parseToolInput(' '), {});
    for (const bad of ['{"a":', '[1,2]', '"text"', 'null']) {
      const v = parseToolInput(bad);
      assert.equal(invalidToolArguments(v), bad);
      assert.equal(toolArgumentsText(v), bad);
    }
    assert.equal(invalidToolArguments({ a: 1 }), null);
    assert.equal(toolArgumentsText({ a: 1 }), '{"a":1}');
  });
});
