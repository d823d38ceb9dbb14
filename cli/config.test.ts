import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { mergeCliConfig, readCliConfig, updateCliConfig } from './config.ts';
import { readCredentials, removeCredentials, writeCredentials } from './credentials.ts';

const dir = mkdtempSync(join(tmpdir(), 'zeblit-cli-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('config.json (shared with the daemon)', () => {
  it('merges only the CLI keys and keeps every other key as it was', () => {
    const daemon = { port: 9000, bind: '127.0.0.1', allowed_origins: ['http://localhost:3000'], rate_limit: { per_second: 5, burst: 10 }, log_level: 'debug' };
    const merged = mergeCliConfig({ ...daemon, host: 'http://old:1' }, { current_project: 'prj_1', host: null });
    assert.deepEqual(merged, { ...daemon, current_project: 'prj_1' });
  });

  it('writes the file back with the daemon keys intact and its mode kept', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 7000, allowed_hosts: ['box.local'], unknown_future_key: { a: 1 } }), { mode: 0o640 });
    const cfg = updateCliConfig(file, { host: 'http://127.0.0.1:7000', current_project: 'prj_9' });
    assert.deepEqual(cfg, { host: 'http://127.0.0.1:7000', current_project: 'prj_9' });
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), {
      port: 7000,
      allowed_hosts: ['box.local'],
      unknown_future_key: { a: 1 },
      host: 'http://127.0.0.1:7000',
      current_project: 'prj_9',
    });
    assert.equal(statSync(file).mode & 0o777, 0o640);
    updateCliConfig(file, { host: null });
    assert.deepEqual(readCliConfig(file), { current_project: 'prj_9' });
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).port, 7000);
  });

  it('creates a missing file (and home) privately', () => {
    const file = join(dir, 'fresh', 'config.json');
    updateCliConfig(file, { current_project: 'prj_2' });
    assert.equal(statSync(join(dir, 'fresh')).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('refuses to overwrite a file that is not valid JSON', () => {
    const file = join(dir, 'broken.json');
    writeFileSync(file, '{ "port": 1, ');
    assert.throws(() => updateCliConfig(file, { host: 'x' }), (e: unknown) => (e as { code?: string }).code === 'CONFIG_INVALID');
    assert.equal(readFileSync(file, 'utf8'), '{ "port": 1, ');
  });

  it('ignores CLI keys of the wrong type', () => {
    const file = join(dir, 'typed.json');
    writeFileSync(file, JSON.stringify({ host: 42, current_project: 'prj_3' }));
    assert.deepEqual(readCliConfig(file), { current_project: 'prj_3' });
  });
});

describe('credentials.json', () => {
  it('is written 0600 and read back; a looser mode is tightened', async () => {
    const file = join(dir, 'credentials.json');
    writeCredentials(file, { api_key: 'zbl_a_b', host: 'http://127.0.0.1:7823', saved_at: 1 });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readCredentials(file), { api_key: 'zbl_a_b', host: 'http://127.0.0.1:7823', saved_at: 1 });
    const { chmodSync } = await import('node:fs');
    chmodSync(file, 0o644);
    readCredentials(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(removeCredentials(file), true);
    assert.equal(readCredentials(file), null);
    assert.equal(removeCredentials(file), false);
  });
});
