/**
 * The built CLI as a new user meets it: no daemon yet, `--no-start` refuses,
 * the first command starts the daemon, then create/list/use/info, a read-only
 * key for CI, JSON output, errors with code and hint, delete, and stopping
 * the daemon again. One home, steps in order (each builds on the last).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { PageOf, Project } from '../../src/contracts/index.ts';
import { cleanup, type CliResult, isAlive, type LockFile, ok, readLockFile, request, runCli, tempHome, waitFor } from './helpers.ts';

function failed(r: CliResult, code: string, what: string): void {
  assert.notEqual(r.code, 0, `${what} should fail\nstdout: ${r.stdout}`);
  assert.match(r.stderr, new RegExp(`\\b${code}\\b`), `${what}: the error code is printed`);
  assert.match(r.stderr, /Hint: \S/, `${what}: a suggestion is printed`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: no stack trace`);
}

describe('the CLI, first steps of a new user', () => {
  let home: string;
  let cli: (...args: string[]) => Promise<CliResult>;
  let daemon: LockFile;
  let project: Pick<Project, 'id' | 'name'>;
  let ciKey: { id: string; key: string };

  before(() => {
    home = tempHome('cli');
    cli = (...args) => runCli(home, args);
  });
  after(cleanup);

  it('--no-start refuses when no daemon runs, and starts none', async () => {
    const r = await cli('--no-start', 'list');
    failed(r, 'DAEMON_NOT_RUNNING', 'list --no-start');
    assert.ok(r.stderr.includes(join(home, 'zeblitd.sock')), 'the message names the socket');
    assert.equal(readLockFile(home), null);
    assert.ok(!existsSync(join(home, 'zeblitd.sock')));
  });

  it('`zeblit create demo` starts the daemon itself, says so, and creates the project', async () => {
    const r = ok(await cli('create', 'demo'), 'create demo');
    assert.match(r.stderr, /Starting zeblitd/);
    assert.match(r.stdout, /Created project demo \(prj_\w+\)/);
    assert.equal(r.heldPipes, false, 'the daemon it started must not keep the CLI output pipes open');
    const lock = readLockFile(home);
    assert.ok(lock && isAlive(lock.pid), 'a daemon runs for this home');
    assert.ok(lock.port !== null && lock.port !== 7823, 'it honoured ZEBLIT_PORT=0 from the environment');
    daemon = lock;
    const health = await request<{ pid: number }>({ socketPath: join(home, 'zeblitd.sock') }, { path: '/api/v1/health' });
    assert.equal(health.body?.data?.pid, lock.pid);
    // Its log is the log file; the output file it was started with gets warnings and errors only, not a copy of every line.
    const logged = await waitFor('the create request in the log', () => (/"method":"POST","path":"\/api\/v1\/projects".*"msg":"request"/.test(readFileSync(join(home, 'logs', 'zeblitd.log'), 'utf8')) ? true : undefined));
    assert.ok(logged);
    const out = readFileSync(join(home, 'logs', 'zeblitd.out'), 'utf8');
    assert.doesNotMatch(out, /"level":(10|20|30),/, `info lines in zeblitd.out:\n${out.slice(0, 500)}`);
  });

  it('`zeblit list` shows it in a table; `zeblit use demo` makes it current; `zeblit info` describes it', async () => {
    const list = ok(await cli('list'), 'list');
    assert.match(list.stdout, /^NAME\s+ID\s+TEMPLATE\s+STATUS/m);
    const row = list.stdout.split('\n').find((l) => l.startsWith('demo'));
    assert.ok(row, list.stdout);
    const id = /prj_\w+/.exec(row)?.[0];
    assert.ok(id);
    project = { id, name: 'demo' };

    ok(await cli('use', 'demo'), 'use demo');
    const config = JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')) as { current_project?: string };
    assert.equal(config.current_project, project.id);

    const info = ok(await cli('info'), 'info');
    assert.match(info.stdout, /demo \(current\)/);
    assert.ok(info.stdout.includes(project.id));
    assert.match(info.stdout, /Template\s+python/);
  });

  it('`zeblit settings` shows the settings; `settings set` changes one, `settings reset` takes it back; bad values are refused', async () => {
    const shown = ok(await cli('settings'), 'settings');
    assert.match(shown.stdout, /approval\s+auto/);
    assert.match(shown.stdout, /auto_fix\s+off/);
    const set = ok(await cli('settings', 'set', 'approval', 'ask'), 'settings set approval ask');
    assert.match(set.stdout, /approval\s+ask \*/);
    ok(await cli('settings', 'set', 'auto_fix', 'on'), 'settings set auto_fix on');
    ok(await cli('settings', 'set', 'env.GREETING', 'hello world'), 'settings set env');
    const json = JSON.parse(ok(await cli('--json', 'settings'), 'settings --json').stdout) as { approval: string; auto_fix: boolean; env: Record<string, string> };
    assert.deepEqual([json.approval, json.auto_fix, json.env], ['ask', true, { GREETING: 'hello world' }]);
    assert.match(ok(await cli('info'), 'info').stdout, /Approval\s+ask/);
    ok(await cli('settings', 'reset', 'approval'), 'settings reset');
    ok(await cli('settings', 'reset', 'env.GREETING'), 'settings reset env');
    const back = JSON.parse(ok(await cli('--json', 'settings'), 'settings --json').stdout) as { approval: string; env: Record<string, string> };
    assert.deepEqual([back.approval, back.env], ['auto', {}]);
    failed(await cli('settings', 'set', 'memory_mb', '1'), 'VALIDATION_FAILED', 'memory_mb 1');
    const unknown = await cli('settings', 'set', 'colour', 'blue');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown project setting "colour"[\s\S]*approval/);
  });

  it('`zeblit auth create-key ci --scopes read` prints the key once; it reads over TCP and cannot write', async () => {
    const r = ok(await cli('auth', 'create-key', 'ci', '--scopes', 'read'), 'auth create-key');
    const key = r.stdout.trim();
    assert.match(key, /^zbl_[0-9a-z]+_[\w-]+$/, 'stdout is the bare key, for scripts');
    assert.match(r.stderr, /shown only this once/i);
    const keys = ok(await cli('auth', 'keys'), 'auth keys');
    const line = keys.stdout.split('\n').find((l) => /\bci\b/.test(l));
    assert.ok(line && /\bread\b/.test(line), keys.stdout);
    ciKey = { id: /key_\w+/.exec(line)?.[0] ?? '', key };
    assert.ok(!keys.stdout.includes(key), 'the list never shows the secret');

    const target = { port: daemon.port ?? 0 };
    assert.equal((await request(target, { path: '/api/v1/projects', bearer: key })).status, 200);
    assert.equal((await request(target, { method: 'POST', path: '/api/v1/projects', bearer: key, json: { name: 'x' } })).status, 403);

    // The same key through the CLI over TCP, as a CI job would use it.
    const env = { ZEBLIT_HOST: `http://127.0.0.1:${daemon.port}`, ZEBLIT_API_KEY: key };
    const status = ok(await runCli(home, ['auth', 'status'], { env }), 'auth status over TCP');
    assert.match(status.stdout, /Transport\s+tcp/);
    assert.match(status.stdout, /Scopes\s+read\b/);
    failed(await runCli(home, ['create', 'nope'], { env }), 'FORBIDDEN', 'create with a read key');
  });

  it('`zeblit --json list` prints the API data as JSON', async () => {
    const r = ok(await cli('--json', 'list'), '--json list');
    const page = JSON.parse(r.stdout) as PageOf<Project>;
    assert.equal(page.total, 1);
    assert.deepEqual(page.items.map((p) => [p.id, p.name]), [[project.id, 'demo']]);
  });

  it('a missing project: code, message and hint on stderr, non-zero exit', async () => {
    for (const args of [['info', 'ghost'], ['delete', 'ghost', '--force'], ['use', 'ghost']]) {
      const r = await cli(...args);
      failed(r, 'NOT_FOUND', args.join(' '));
      assert.match(r.stderr, /ghost/);
    }
    // With --json the error is one JSON line on stderr, for scripts; stdout stays empty.
    const j = await cli('--json', 'info', 'ghost');
    assert.equal(j.code, 1);
    assert.equal(j.stdout, '');
    const { error } = JSON.parse(j.stderr) as { error: { code: string; message: string; suggestion: string | null } };
    assert.equal(error.code, 'NOT_FOUND');
    assert.match(error.message, /ghost/);
    assert.ok(error.suggestion);
  });

  it('`zeblit auth revoke-key` takes effect on the next request', async () => {
    ok(await cli('auth', 'revoke-key', ciKey.id), 'auth revoke-key');
    assert.equal((await request({ port: daemon.port ?? 0 }, { path: '/api/v1/projects', bearer: ciKey.key })).status, 401);
  });

  it('`zeblit delete demo --force` removes it and its workspace', async () => {
    const workspace = join(home, 'projects', project.id, 'workspace');
    assert.ok(existsSync(workspace));
    ok(await cli('delete', 'demo', '--force'), 'delete demo --force');
    const page = JSON.parse(ok(await cli('--json', 'list'), '--json list').stdout) as PageOf<Project>;
    assert.equal(page.total, 0);
    assert.ok(!existsSync(workspace), 'the workspace is gone');
  });

  it('`zeblit daemon status` / `daemon logs` / `daemon stop`: the daemon exits and cleans up; --no-start then refuses again', async () => {
    const status = ok(await cli('daemon', 'status'), 'daemon status');
    assert.match(status.stdout, /running/);
    assert.ok(status.stdout.includes(String(daemon.pid)));
    const logs = ok(await cli('daemon', 'logs', '-n', '1000'), 'daemon logs');
    assert.match(logs.stdout, /zeblitd ready/);

    ok(await cli('daemon', 'stop'), 'daemon stop');
    await waitFor('the daemon to exit', () => !isAlive(daemon.pid));
    assert.ok(!existsSync(join(home, 'zeblitd.sock')), 'socket removed');
    assert.equal(readLockFile(home), null, 'lock removed');

    const after = await cli('daemon', 'status');
    assert.notEqual(after.code, 0, 'status of a stopped daemon exits non-zero');
    assert.match(after.stdout + after.stderr, /not running/);
    failed(await cli('--no-start', 'create', 'other'), 'DAEMON_NOT_RUNNING', 'create --no-start after stop');
    // A read answers from the offline cache (marked); with the cache turned off it refuses like a write.
    const cached = ok(await cli('--no-start', 'list'), 'list --no-start after stop');
    assert.match(cached.stderr, /\(cached \d+[smh] ago — daemon unreachable\)/);
    failed(await runCli(home, ['--no-start', 'list'], { env: { ZEBLIT_OFFLINE_CACHE: '0' } }), 'DAEMON_NOT_RUNNING', 'list --no-start, cache off');
    assert.equal(readLockFile(home), null, '--no-start started nothing');
  });

  it('`zeblit daemon start` brings it back with the data of before', async () => {
    const r = ok(await cli('daemon', 'start'), 'daemon start');
    assert.match(r.stdout + r.stderr, /listening on|ready/);
    const lock = readLockFile(home);
    assert.ok(lock && isAlive(lock.pid) && lock.pid !== daemon.pid);
    const keys = await request<{ id: string; revoked_at: number | null }[]>({ socketPath: join(home, 'zeblitd.sock') }, { path: '/api/v1/auth/keys?include_revoked=true' });
    assert.ok(keys.body?.data?.some((k) => k.id === ciKey.id && k.revoked_at !== null), 'the revoked key is remembered');
    const again = ok(await cli('daemon', 'start'), 'daemon start when running');
    assert.equal(readLockFile(home)?.pid, lock.pid, 'a second start does not double the daemon');
    assert.match(again.stdout + again.stderr, /already running|listening on/);
    ok(await cli('daemon', 'stop'), 'daemon stop');
    await waitFor('the daemon to exit', () => !isAlive(lock.pid));
  });
});
