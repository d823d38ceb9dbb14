import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { patternTables } from './docs.ts';

test('docs/errors.md lists the current patterns (regenerate: see docs.ts)', () => {
  const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');
  assert.ok(doc.includes(patternTables()), 'docs/errors.md is out of date');
});
