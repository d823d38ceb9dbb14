import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ago, audienceOf, CACHE_TTL_MS, OfflineCache } from './offline-cache.ts';

describe('OfflineCache', () => {
  const home = mkdtempSync(join(tmpdir(), 'zbl-cache-'));
  after(() => rmSync(home, { recursive: true, force: true }));
  let now = 1_000_000;
  const cache = new OfflineCache(join(home, 'cache', 'offline'), () => now);

  it('keeps an answer per type and key, in a 0700 folder and 0600 files', () => {
    cache.put('projects', 'unix:///h.sock owner list', { items: [1, 2] });
    assert.deepEqual(cache.get('projects', 'unix:///h.sock owner list')?.data, { items: [1, 2] });
    assert.equal(cache.get('projects', 'unix:///h.sock owner other'), undefined);
    assert.equal(cache.get('files', 'unix:///h.sock owner list'), undefined, 'types do not mix');
    assert.equal(statSync(cache.dir).mode & 0o777, 0o700);
    for (const f of readdirSync(cache.dir)) assert.equal(statSync(join(cache.dir, f)).mode & 0o777, 0o600);
  });

  it('serves an answer only while it is younger than its TTL', () => {
    cache.put('status', 'k', { state: 'running' });
    now += CACHE_TTL_MS.status - 1;
    assert.ok(cache.get('status', 'k'));
    now += 2;
    assert.equal(cache.get('status', 'k'), undefined);
    assert.ok(cache.get('status', 'k', Number.POSITIVE_INFINITY), 'a caller may accept older (completion does)');
  });

  it('counts entries, bytes and expired ones; clear removes them all', () => {
    const s = cache.stats();
    assert.equal(s.entries, 2);
    assert.equal(s.expired, 1);
    assert.equal(s.by_type.projects?.entries, 1);
    assert.equal(s.by_type.status?.ttl_seconds, 30);
    assert.equal(cache.clear(), 2);
    assert.equal(cache.stats().entries, 0);
  });

  it('never puts a key into a file: an API key appears only as a hash', () => {
    const who = audienceOf('http://127.0.0.1:7823', 'zbl_secret_key_0123456789');
    assert.ok(!who.includes('zbl_secret'));
    assert.notEqual(who, audienceOf('http://127.0.0.1:7823', 'zbl_other_key_0123456789'));
    cache.put('projects', `${who} list`, []);
    for (const f of readdirSync(cache.dir)) assert.ok(!readFileSync(join(cache.dir, f), 'utf8').includes('zbl_secret'));
  });

  it('says how long ago', () => {
    assert.deepEqual([ago(3_000), ago(125_000), ago(3 * 3_600_000), ago(50 * 3_600_000)], ['3s', '2m', '3h', '2d']);
  });
});
