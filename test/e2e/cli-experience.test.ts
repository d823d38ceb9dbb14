/**
 * The built CLI as a user meets it, against a real daemon and engine: typos
 * get a suggestion, `zeblit run node -v` hands `-v` to node, output piped or
 * under NO_COLOR has no escape codes, `--json` prints JSON on every command
 * (and a JSON error when it fails), read commands answer from the cache when
 * the daemon is stopped and cannot be started, and `zeblit doctor` on a
 * healthy set-up and with the engine gone.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import { FakeLlm } from '../../src/llm/testing/fake-llm.ts';
import { cleanup, type CliResult, DAEMON_JS, type DaemonProc, dataOf, ok, request, runCli, sock, startDaemon, stopDaemon, tempHome } from './helpers.ts';

const reason = await dockerUnavailableReason();
const ESC = /\x1b/;
const CLEAN_ENV = { ANTHROPIC_API_KEY: '', OPENAI_API_KEY: '', ANTHROPIC_BASE_URL: '', OPENAI_BASE_URL: '' };

/** stdout is JSON (one document, or one per line for streams); a failure is one JSON line on stderr. Never an escape code. */
function assertJson(r: CliResult, what: string): void {
  assert.doesNotMatch(r.stdout + r.stderr, ESC, `${what}: escape codes`);
  if (r.code === 0) {
    const out = r.stdout.trim();
    if (out === '') return;
    try {
      JSON.parse(out);
    } catch {
      for (const line of out.split('\n')) assert.doesNotThrow(() => JSON.parse(line), `${what}: stdout is neither JSON nor NDJSON:\n${r.stdout}`);
    }
    return;
  }
  if (r.stdout !== '') {
    // A command that ran something reports its result and exits with its code (`zeblit run`).
    assert.doesNotThrow(() => JSON.parse(r.stdout), `${what} exited ${r.code} with stdout that is not JSON:\n${r.stdout}`);
    return;
  }
  const last = r.stderr.trim().split('\n').at(-1) ?? '';
  let parsed: { error?: { code?: string } } = {};
  assert.doesNotThrow(() => (parsed = JSON.parse(last) as { error?: { code?: string } }), `${what} failed (${r.code}); its error is not a JSON line:\n${r.stderr}`);
  assert.ok(parsed.error?.code, `${what}: the error line has no code: ${last}`);
}

describe('the CLI experience', dockerSuite(reason), () => {
  let home: string;
  let daemon: DaemonProc;
  let fake: FakeLlm;
  let env: Record<string, string>;
  const made: string[] = [];
  const cli = (args: string[], opts: { env?: Record<string, string>; input?: string } = {}) => runCli(home, args, { env: { ...env, ...opts.env }, input: opts.input, timeoutMs: 120_000 });

  before(async () => {
    requireDocker(reason);
    fake = await FakeLlm.start();
    home = tempHome('exp');
    env = { ...CLEAN_ENV };
    daemon = await startDaemon(home, { env: CLEAN_ENV });
    for (const [name, template] of [['web', 'node'], ['api', 'blank']] as const) {
      const p = dataOf<{ id: string }>(await request(sock(daemon), { method: 'POST', path: '/api/v1/projects', json: { name, template, description: 'A project with a description long enough to be cut on a narrow terminal, which it is not here' } }));
      made.push(p.id);
    }
  });
  after(async () => {
    await removeTestResources(made);
    await fake?.close();
    await cleanup();
  });

  it('a mistyped command or option gets the nearest, exit 2', async () => {
    const cmd = await cli(['lst']);
    assert.equal(cmd.code, 2);
    assert.match(cmd.stderr, /^Error \[UNKNOWN_COMMAND\]: "lst" is not a zeblit command\nHint: Did you mean `zeblit list`\?/);
    const group = await cli(['files', 'lst']);
    assert.match(group.stderr, /Did you mean `zeblit files list`\?/);
    const option = await cli(['list', '--jsn']);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unsupported option name \("--jsn"\)[\s\S]*Hint: Did you mean --json\?/);
    const json = await cli(['lst', '--json']);
    assert.equal(JSON.parse(json.stderr).error.code, 'UNKNOWN_COMMAND');
  });

  it('`zeblit run node -v` passes -v to node, and `run python3 -c` its -c to python (no `--` needed)', async () => {
    const v = ok(await cli(['run', '-p', 'web', 'node', '-v']), 'run node -v');
    assert.match(v.stdout, /^v\d+\.\d+\.\d+\n$/);
    const e = ok(await cli(['run', '-p', 'web', 'node', '-e', 'console.log(process.argv.slice(1).join(","))', '--', '-x', '--json']), 'run node -e');
    assert.equal(e.stdout, '-x,--json\n', 'options after the program are its own, --json included');
    const code = await cli(['run', '-p', 'web', 'node', '-e', 'process.exit(3)']);
    assert.equal(code.code, 3);
  });

  it('no escape codes when piped or with NO_COLOR; FORCE_COLOR=1 brings colour back', async () => {
    for (const args of [['--help'], ['list', '--help'], ['list'], ['status'], ['doctor'], ['lst'], ['errors', 'web']]) {
      for (const noColor of ['1', '']) {
        const r = await cli(args, { env: { NO_COLOR: noColor } });
        assert.doesNotMatch(r.stdout + r.stderr, ESC, `zeblit ${args.join(' ')} (NO_COLOR=${noColor || 'unset'}, piped)`);
      }
    }
    const forced = await cli(['--help'], { env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    assert.match(forced.stdout, ESC, 'the check above can see colour');
  });

  it('--json prints JSON on every command, and a JSON error line when it fails', async () => {
    ok(await cli(['config', 'set', 'anthropic.api_key', '-'], { input: 'sk-test\n' }), 'key');
    ok(await cli(['config', 'set', 'anthropic.base_url', fake.anthropicBaseUrl]), 'base url');
    fake.script([{ text: 'Hello from the fake.' }]);
    const local = join(home, 'up.txt');
    writeFileSync(local, 'uploaded\n');
    writeFileSync(join(home, 'v2.txt'), 'second version\n');
    const user = join(home, 'user');
    mkdirSync(user, { recursive: true });
    // Backups are written outside the home they copy.
    const outside = mkdtempSync(join(tmpdir(), 'zbl-cx-'));
    const key = JSON.parse(ok(await cli(['auth', 'create-key', 'ci', '--scopes', 'read', '--json']), 'create-key').stdout) as { id: string; key: string };
    const cases: Array<[string, string[], Record<string, string>?]> = [
      ['version', ['version']],
      ['daemon status', ['daemon', 'status']],
      ['daemon start', ['daemon', 'start']],
      ['daemon logs', ['daemon', 'logs', '-n', '3']],
      ['auth status', ['auth', 'status']],
      ['auth keys', ['auth', 'keys']],
      ['auth create-key', ['auth', 'create-key', 'other', '--scopes', 'read']],
      ['auth telegram-link', ['auth', 'telegram-link']],
      ['auth login', ['auth', 'login', '--host', `http://127.0.0.1:${daemon.port}`, '--api-key', key.key]],
      ['auth logout', ['auth', 'logout']],
      ['auth revoke-key', ['auth', 'revoke-key', key.id]],
      ['create', ['create', 'scratch', '--template', 'blank']],
      ['list', ['list']],
      ['use', ['use', 'web']],
      ['info', ['info']],
      ['settings', ['settings']],
      ['settings set', ['settings', 'set', 'cpus', '1']],
      ['settings reset', ['settings', 'reset', 'cpus']],
      ['archive', ['archive', 'scratch']],
      ['unarchive', ['unarchive', 'scratch']],
      ['start', ['start']],
      ['status', ['status']],
      ['status (a project)', ['status', 'web']],
      // Options of `run` go before the program: after it they are the program's.
      ['run', ['run', '--json', 'sh -c "echo hi; exit 3"']],
      ['runs', ['runs']],
      ['logs', ['logs', '--tail', '5']],
      ['console', ['console', '--no-follow', '-n', '5']],
      ['errors', ['errors']],
      ['analyze', ['analyze']],
      ['console clear', ['console', 'clear']],
      ['files put', ['files', 'put', local, 'notes.txt']],
      ['files upload', ['files', 'upload', local, 'docs/up.txt']],
      ['files list', ['files', 'list']],
      ['files tree', ['files', 'tree']],
      ['files cat', ['files', 'cat', 'notes.txt']],
      ['files download', ['files', 'download', 'notes.txt', join(home, 'down.txt')]],
      ['files edit', ['files', 'edit', 'notes.txt'], { EDITOR: 'true', VISUAL: '' }],
      ['files put (again: a second version)', ['files', 'put', join(home, 'v2.txt'), 'notes.txt']],
      ['files versions', ['files', 'versions', 'notes.txt']],
      ['files diff', ['files', 'diff', 'notes.txt']],
      ['files restore', ['files', 'restore', 'notes.txt', '1']],
      ['files search', ['files', 'search', 'uploaded']],
      ['files mv', ['files', 'mv', 'notes.txt', 'moved.txt']],
      ['files rm', ['files', 'rm', 'moved.txt']],
      // The command of `schedule create` is its last arguments: --json goes before it.
      ['schedule create', ['schedule', 'create', '--json', 'nightly', '--schedule', '0 3 * * *', 'echo nightly']],
      ['schedule list', ['schedule', 'list']],
      ['schedule status', ['schedule', 'status', 'nightly']],
      ['schedule run', ['schedule', 'run', 'nightly']],
      ['schedule disable', ['schedule', 'disable', 'nightly']],
      ['schedule enable', ['schedule', 'enable', 'nightly']],
      ['schedule validate', ['schedule', 'validate', '0 9 * * 1-5']],
      ['schedule stats', ['schedule', 'stats']],
      ['schedule logs', ['schedule', 'logs', 'trn_nope']],
      ['schedule delete', ['schedule', 'delete', 'nightly', '--force']],
      ['stop', ['stop']],
      ['restart', ['restart']],
      ['config get', ['config', 'get']],
      ['config set', ['config', 'set', 'max_retries', '1']],
      ['config unset', ['config', 'unset', 'max_retries']],
      ['usage', ['usage']],
      ['chat', ['chat', 'hello']],
      ['chat history', ['chat', 'history']],
      ['chat cancel', ['chat', 'cancel']],
      ['agents', ['agents']],
      ['approvals', ['approvals']],
      ['approve', ['approve', 'apr_nope']],
      ['deny', ['deny', 'apr_nope']],
      ['users list', ['users', 'list']],
      ['users create', ['users', 'create', 'bob']],
      ['users delete', ['users', 'delete', 'usr_nope', '--force']],
      ['audit', ['audit', '-n', '3']],
      ['doctor', ['doctor']],
      ['completion', ['completion', 'bash']],
      ['completion install', ['completion', 'install', '--shell', 'fish'], { HOME: user }],
      ['cache stats', ['cache', 'stats']],
      ['cache clear', ['cache', 'clear']],
      ['openai', ['openai']],
      ['web', ['web', '--print']],
      ['changes', ['changes']],
      // No agent turn changed files in this project: diff and undo fail, with their error as JSON.
      ['diff', ['diff']],
      ['undo', ['undo']],
      // The root folder cannot be a project: refused, the error as JSON.
      ['init', ['init', '--path', '/']],
      ['telegram run', ['telegram', 'run'], { TELEGRAM_BOT_TOKEN: '' }],
      ['backup', ['backup', join(outside, 'home.tar')]],
      ['restore', ['restore', join(outside, 'missing.tar')]],
      ['daemon install', ['daemon', 'install', '--no-enable'], { HOME: user }],
      ['daemon uninstall', ['daemon', 'uninstall'], { HOME: user }],
      ['delete', ['delete', 'scratch', '--force']],
      ['daemon restart', ['daemon', 'restart']],
      ['daemon stop', ['daemon', 'stop']],
    ];
    // Every command of the CLI is in the table (a new one must be added here).
    const table = (await import('../../cli/app.ts')).COMMANDS.map((c) => c.path);
    const covered = new Set(cases.map(([name]) => name.replace(/ \(.*\)$/, '')));
    assert.deepEqual(table.filter((p) => !covered.has(p)), [], 'commands without a --json case');
    for (const [name, args, extra] of cases) {
      const line = args.includes('--json') ? args : [...args, '--json'];
      const r = await cli(line, { env: extra });
      assertJson(r, `zeblit ${line.join(' ')} (${name})`);
    }
    rmSync(outside, { recursive: true, force: true });
    daemon = await startDaemon(home, { env: CLEAN_ENV });
  });

  it('read commands answer from the cache, marked, when the daemon is stopped and cannot be started; writes never do', async () => {
    ok(await cli(['use', 'web']), 'use');
    const fresh = ok(await cli(['list']), 'list');
    ok(await cli(['files', 'list']), 'files list');
    await stopDaemon(daemon);
    // Unstartable: the daemon program is not where the CLI looks for it.
    const broken = { ZEBLIT_NO_AUTOSTART: '' };
    const program = DAEMON_JS;
    const moved = `${program}.away`;
    const { renameSync } = await import('node:fs');
    renameSync(program, moved);
    try {
      const list = await cli(['list'], { env: broken });
      assert.equal(list.code, 0, list.stderr);
      assert.equal(list.stdout, fresh.stdout);
      assert.match(list.stderr, /\(cached \d+s ago — daemon unreachable\)/);
      const files = await cli(['files', 'list', '--json'], { env: broken });
      assert.equal(files.code, 0, files.stderr);
      assert.ok(JSON.parse(files.stdout).items, 'cached JSON is the same JSON');
      const write = await cli(['create', 'offline'], { env: broken });
      assert.notEqual(write.code, 0, 'a write is never answered from the cache');
      assert.match(write.stderr, /DAEMON_NOT_FOUND/);
      const never = await cli(['runs'], { env: broken });
      assert.notEqual(never.code, 0, 'nothing cached for runs: the error stands');
    } finally {
      renameSync(moved, program);
    }
    daemon = await startDaemon(home, { env: CLEAN_ENV });
  });

  it('`zeblit doctor`: healthy set-up exits 0; with the engine gone, exit 1 and the fix', async () => {
    const healthy = await cli(['doctor']);
    assert.equal(healthy.code, 0, healthy.stdout + healthy.stderr);
    assert.match(healthy.stdout, /\[ok\] +Engine/);
    assert.match(healthy.stdout, /\[ok\] +Limits +memory, CPU and process limits are enforced/);
    assert.match(healthy.stdout, /\[ok\] +Images/);
    await stopDaemon(daemon);
    daemon = await startDaemon(home, { env: { ...CLEAN_ENV, DOCKER_HOST: `unix://${join(home, 'no-engine.sock')}` } });
    const sick = await cli(['doctor']);
    assert.equal(sick.code, 1);
    assert.match(sick.stdout, /\[FAIL\] Engine +not reachable at unix:\/\/.*no-engine\.sock/);
    assert.match(sick.stdout, /Fix: Start Docker or OrbStack/);
    const json = JSON.parse((await cli(['doctor', '--json'])).stdout) as { ok: boolean; checks: Array<{ name: string; status: string }> };
    assert.equal(json.ok, false);
    assert.equal(json.checks.find((c) => c.name === 'Engine')?.status, 'fail');
  });
});
