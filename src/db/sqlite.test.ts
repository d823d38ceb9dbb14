import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { nativeProblem } from './sqlite.ts';

test('a native addon that cannot be loaded is explained with the fix; other errors pass through', () => {
  let err: unknown;
  try {
    new Database(':memory:', { nativeBinding: '/nonexistent/build/Release/better_sqlite3.node' });
  } catch (e) {
    err = e;
  }
  assert.ok(err, 'better-sqlite3 refused the missing addon');
  const explained = nativeProblem(err);
  assert.match(explained?.message ?? '', /native module cannot be loaded for Node v\d+.*python3, make and a C\+\+ compiler.*npm rebuild -g better-sqlite3/);
  assert.equal(nativeProblem(new Error('SQLITE_CANTOPEN: unable to open database file')), null);
});
