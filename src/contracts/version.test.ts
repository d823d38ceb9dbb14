import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions } from './version.ts';

test('compareVersions orders releases and pre-releases', () => {
  const sorted = ['0.1.0-alpha', '0.1.0', '0.1.1', '0.2.0-rc.1', '0.2.0', '0.10.0', '1.0.0'];
  for (let i = 0; i < sorted.length; i++)
    for (let j = 0; j < sorted.length; j++) assert.equal(Math.sign(compareVersions(sorted[i] ?? '', sorted[j] ?? '')), Math.sign(i - j), `${sorted[i]} vs ${sorted[j]}`);
  assert.equal(compareVersions('v1.2', '1.2.0'), 0);
});
