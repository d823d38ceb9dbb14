import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toZeblitError } from './envelope.ts';

const fsError = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

test('storage refusals are their own codes, not INTERNAL', () => {
  for (const code of ['ENOSPC', 'EDQUOT', 'SQLITE_FULL']) {
    const { error, internal } = toZeblitError(fsError(code));
    assert.equal(error.code, 'STORAGE_FULL', code);
    assert.equal(error.status, 507);
    assert.equal(internal, false);
    assert.match(error.suggestion ?? '', /Free space/);
  }
  for (const code of ['EROFS', 'EIO', 'SQLITE_READONLY', 'SQLITE_READONLY_DBMOVED', 'SQLITE_IOERR_WRITE']) {
    const { error, internal } = toZeblitError(fsError(code));
    assert.equal(error.code, 'STORAGE_UNAVAILABLE', code);
    assert.equal(error.status, 503);
    assert.equal(internal, false);
  }
  // Wrapped by a domain that kept the cause.
  assert.equal(toZeblitError(new Error('write failed', { cause: fsError('ENOSPC') })).error.code, 'STORAGE_FULL');
  // Anything else stays an internal error.
  assert.equal(toZeblitError(fsError('EBADF')).error.code, 'INTERNAL');
});
