import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { UsageError } from 'clipanion';
import { ZeblitApiError } from '../src/client/index.ts';
import { EXIT_FAILURE, EXIT_USAGE, reportError } from './report-error.ts';

function capture(err: unknown, json: boolean): { code: number; text: string } {
  const stream = new PassThrough();
  const code = reportError(err, stream, json);
  return { code, text: String(stream.read() ?? '') };
}

const apiError = () =>
  new ZeblitApiError('NOT_FOUND', 'Project demo not found', { status: 404, requestId: 'req_1', suggestion: 'List them with `zeblit list`', details: { name: 'demo' } });

describe('reportError', () => {
  it('prints code, message and hint for people', () => {
    const { code, text } = capture(apiError(), false);
    assert.equal(code, EXIT_FAILURE);
    assert.equal(text, 'Error [NOT_FOUND]: Project demo not found\nHint: List them with `zeblit list`\n');
  });

  it('prints one JSON line with --json, so scripts can branch on the code', () => {
    const { code, text } = capture(apiError(), true);
    assert.equal(code, EXIT_FAILURE);
    assert.ok(text.endsWith('\n') && text.trim().split('\n').length === 1);
    assert.deepEqual(JSON.parse(text), {
      error: { code: 'NOT_FOUND', message: 'Project demo not found', suggestion: 'List them with `zeblit list`', details: { name: 'demo' }, request_id: 'req_1' },
    });
  });

  it('keeps the usage exit code in both forms', () => {
    assert.equal(capture(new UsageError('bad flag'), false).code, EXIT_USAGE);
    const j = capture(new UsageError('bad flag'), true);
    assert.equal(j.code, EXIT_USAGE);
    assert.equal(JSON.parse(j.text).error.code, 'USAGE');
  });
});
