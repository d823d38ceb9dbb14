/**
 * Backup and restore through the CLI and the built daemon: a backup of a
 * running home, a restore refused while a daemon runs, a restore into a new
 * home that then serves the same projects, files and API keys, and
 * `zeblit daemon restart`.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cleanup, createKey, dataOf, fileMode, readLockFile, request, runCli, sock, startDaemon, stopDaemon, tcp, tempHome, type DaemonProc } from './helpers.ts';

describe('zeblit backup and zeblit restore', () => {
  let home: string;
  let d: DaemonProc;
  let key: string;
  let projectId: string;
  const file = () => join(home, '..', `${home.split('/').pop()}-backup.tar.gz`);

  before(async () => {
    home = tempHome('bak');
    d = await startDaemon(home);
    projectId = dataOf(await request<{ id: string }>(sock(d), { method: 'POST', path: '/api/v1/projects', json: { name: 'backed-up' } })).id;
    const put = await request(sock(d), { method: 'PUT', path: `/api/v1/projects/${projectId}/files/src/main.py`, json: { content: 'print("restored")\n' } });
    assert.equal(put.status, 200, put.text);
    key = (await createKey(d, 'survives the restore')).key;
  });
  after(cleanup);

  it('backs up a running home into a 0600 file, checked against the daemon\'s sha256', async () => {
    const r = await runCli(home, ['backup', file()]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /-backup\.tar\.gz: [\d.]+ (KiB|MiB), \d+ files, sha256 [0-9a-f]{64}\nIt holds the server secret/);
    assert.equal(fileMode(file()), 0o600);
    assert.deepEqual(readdirSync(join(home, 'backups')), [], 'no copy stays in the home');
    const again = await runCli(home, ['backup', file()]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Error \[FILE_EXISTS\]/);
  });

  it('refuses to restore while the daemon runs, and says how', async () => {
    const r = await runCli(home, ['restore', file()]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error \[DAEMON_RUNNING\]: zeblitd is running for .* \(pid \d+\); nothing was restored\nHint: Stop it first: zeblit daemon stop/);
  });

  it('restores into a new home that serves the same projects, files and keys', async () => {
    assert.deepEqual(await stopDaemon(d), { code: 0, signal: null });
    const target = tempHome('bak2');
    const r = await runCli(target, ['restore', file(), '--no-start']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Restored a full backup of .* into .*: \d+ files, /);
    assert.equal(readLockFile(target), null, 'the restore let go of the lock');
    const d2 = await startDaemon(target);
    try {
      const p = await request<{ name: string }>(tcp(d2), { path: `/api/v1/projects/${projectId}`, bearer: key });
      assert.equal(p.status, 200, `the API key made before the backup works: ${p.text}`);
      assert.equal(dataOf(p).name, 'backed-up');
      const f = await request<{ content: string }>(sock(d2), { path: `/api/v1/projects/${projectId}/files/src/main.py` });
      assert.equal(dataOf(f).content, 'print("restored")\n');
      const versions = await request<{ versions: unknown[] }>(sock(d2), { path: `/api/v1/projects/${projectId}/files/src%2Fmain.py/versions` });
      assert.equal(versions.status, 200, versions.text);
    } finally {
      await stopDaemon(d2);
    }
    // Over a home with data: only with --force, and the old state is kept aside.
    const refused = await runCli(target, ['restore', file(), '--no-start']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /Error \[CONFLICT\]: .* already has data .*\nHint: Pass --force/);
    const forced = await runCli(target, ['restore', file(), '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    const aside = readdirSync(join(target, 'backups')).find((n) => n.startsWith('zeblit-before-restore-'));
    assert.ok(aside && existsSync(join(target, 'backups', aside, 'zeblit.db')));
  });

  it('a damaged backup is refused and the home is left alone', async () => {
    const target = tempHome('bak3');
    const bytes = readFileSync(file());
    const damaged = join(target, '..', `${target.split('/').pop()}-damaged.tar.gz`);
    writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await runCli(target, ['restore', damaged]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error \[VALIDATION_FAILED\]: Not a usable Zeblit backup/);
    // logs and the CLI's own code cache are not the restore's doing.
    assert.deepEqual(readdirSync(target).filter((n) => n !== 'logs' && n !== 'cache'), []);
  });

  it('zeblit daemon restart replaces the running daemon with this one', async () => {
    const started = await runCli(home, ['daemon', 'start']);
    assert.equal(started.code, 0, started.stderr);
    const before = readLockFile(home)?.pid;
    const r = await runCli(home, ['daemon', 'restart'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^zeblitd [\d.]+ restarted\n$/);
    const after = readLockFile(home)?.pid;
    assert.ok(after && after !== before, 'a new process');
    const stop = await runCli(home, ['daemon', 'stop']);
    assert.equal(stop.code, 0, stop.stderr);
  });
});
