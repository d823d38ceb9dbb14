import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { CliError } from '../cli-error.ts';
import { installService, launchdPlist, serviceEnv, serviceHome, serviceStatus, systemdUnit, uninstallService, type RunResult, type ServiceContext } from './index.ts';

const root = mkdtempSync(join(tmpdir(), 'zeblit-service-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A runner that records each command and answers from a script (default: success). */
function recorder(answers: Record<string, Partial<RunResult>> = {}) {
  const calls: string[] = [];
  const run = (cmd: string, args: string[]): RunResult => {
    const line = [cmd, ...args].join(' ');
    calls.push(line);
    const a = Object.entries(answers).find(([prefix]) => line.startsWith(prefix))?.[1] ?? {};
    return { code: a.code ?? 0, stdout: a.stdout ?? '', stderr: a.stderr ?? '' };
  };
  return { calls, run };
}

const DIST_DAEMON = resolve(import.meta.dirname, '..', '..', 'dist', 'zeblitd.js');
const spec = (home: string) => ({
  command: [process.execPath, DIST_DAEMON],
  env: serviceEnv({ PATH: '/usr/local/bin:/usr/bin:/bin', ZEBLIT_PORT: '7900', ZEBLIT_API_KEY: 'zbl_secret', ZEBLIT_HOST: 'http://x', ANTHROPIC_API_KEY: 'sk-ant-secret', OPENAI_BASE_URL: 'http://127.0.0.1:1234/v1', DOCKER_HOST: 'unix:///run/docker.sock', ZEBLIT_TELEGRAM_TOKEN: 't0ken', HOME: '/home/x' }, home),
  home,
  outLog: join(home, 'logs', 'zeblitd.out'),
});

describe('service definitions', () => {
  test('the environment: where things are and the engine, never credentials', () => {
    const env = spec('/home/a b/.zeblit').env;
    assert.deepEqual(Object.keys(env), ['DOCKER_HOST', 'OPENAI_BASE_URL', 'PATH', 'ZEBLIT_HOME', 'ZEBLIT_PORT']);
    assert.equal(env.ZEBLIT_HOME, '/home/a b/.zeblit');
  });

  test('the systemd unit quotes paths and keeps % and $ literal; its home reads back', () => {
    const s = { ...spec('/home/100% $USER "q"/.zeblit'), command: ['/opt/node dir/bin/node', '/opt/z/dist/zeblitd.js'] };
    const unit = systemdUnit(s);
    assert.match(unit, /^ExecStart="\/opt\/node dir\/bin\/node" "\/opt\/z\/dist\/zeblitd\.js"$/m);
    assert.match(unit, /^Environment="ZEBLIT_HOME=\/home\/100%% \$\$USER \\"q\\"\/\.zeblit"$/m);
    assert.match(unit, /^Restart=on-failure$/m);
    assert.match(unit, /^WantedBy=default\.target$/m);
    assert.doesNotMatch(unit, /secret|t0ken/);
    assert.equal(serviceHome(unit), '/home/100% $USER "q"/.zeblit');
    assert.throws(() => systemdUnit({ ...s, env: { ...s.env, ZEBLIT_HOME: '/a\nb' } }), /line break/);
  });

  test('systemd-analyze verify accepts the unit (no warnings), and catches a missing program', (t) => {
    const probe = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
    if (probe.error) {
      // CI installs systemd (for systemd-analyze); elsewhere it may be missing.
      if (process.env.CI) assert.fail('systemd-analyze is missing: install the systemd package');
      return t.skip('systemd-analyze is not installed');
    }
    assert.ok(existsSync(DIST_DAEMON), `${DIST_DAEMON} is missing: run node build.mjs`);
    const dir = mkdtempSync(join(root, 'unit-'));
    const file = join(dir, 'zeblitd.service');
    writeFileSync(file, systemdUnit(spec(join(dir, 'home'))));
    const ok = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stderr.trim(), '', 'no warnings');
    writeFileSync(file, systemdUnit({ ...spec(join(dir, 'home')), command: ['/nonexistent/node', DIST_DAEMON] }));
    const bad = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /not executable/);
  });

  test('the launchd agent: arguments, environment, restart on failure only, escaped XML; its home reads back', () => {
    const plist = launchdPlist({ ...spec('/Users/a&b/.zeblit'), command: ['/usr/local/bin/node', '/opt/z <1>/zeblitd.js'] });
    assert.match(plist, /<key>ProgramArguments<\/key>\s*<array>\s*<string>\/usr\/local\/bin\/node<\/string>\s*<string>\/opt\/z &lt;1&gt;\/zeblitd\.js<\/string>\s*<\/array>/);
    assert.match(plist, /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>/);
    assert.match(plist, /<key>RunAtLoad<\/key>\s*<true\/>/);
    assert.equal(serviceHome(plist), '/Users/a&b/.zeblit');
    assert.doesNotMatch(plist, /secret|t0ken/);
    const plutil = spawnSync('plutil', ['-lint', '-'], { input: plist, encoding: 'utf8' });
    if (!plutil.error) assert.equal(plutil.status, 0, plutil.stdout + plutil.stderr); // macOS only
  });
});

describe('install, uninstall, status (Linux, with a recording runner)', () => {
  const ctx = (run: ServiceContext['run'], userHome: string): ServiceContext => ({ platform: 'linux', env: { XDG_CONFIG_HOME: join(userHome, '.config') }, userHome, user: 'alice', uid: 1000, run });

  test('writes the unit, reloads, stops a CLI daemon, enables it, and advises lingering', async () => {
    const userHome = mkdtempSync(join(root, 'user-'));
    const r = recorder({ 'loginctl show-user': { stdout: 'Linger=no\n' } });
    let stoppedAt = -1;
    const res = await installService(ctx(r.run, userHome), spec(join(userHome, '.zeblit')), { enable: true, force: false, beforeStart: async () => void (stoppedAt = r.calls.length) });
    const file = join(userHome, '.config', 'systemd', 'user', 'zeblitd.service');
    assert.deepEqual(res, { kind: 'systemd', file, enabled: true, notes: [res.notes[0] ?? ''] });
    assert.match(res.notes[0] ?? '', /sudo loginctl enable-linger alice/);
    assert.deepEqual(r.calls, ['systemctl --user daemon-reload', 'systemctl --user enable --now zeblitd.service', 'loginctl show-user alice --property=Linger']);
    assert.equal(stoppedAt, 1, 'the CLI daemon is stopped after the reload answered and before the service starts');
    assert.equal(statSync(file).mode & 0o777, 0o644);
    // Installing again: the same text is fine; another home needs --force.
    await installService(ctx(recorder().run, userHome), spec(join(userHome, '.zeblit')), { enable: false, force: false });
    await assert.rejects(installService(ctx(recorder().run, userHome), spec(join(userHome, 'other')), { enable: false, force: false }), (e: unknown) => e instanceof CliError && e.code === 'SERVICE_EXISTS' && /uninstall it first/.test(e.suggestion ?? ''));

    const st = serviceStatus(ctx(recorder({ 'systemctl --user is-enabled': { stdout: 'enabled\n' }, 'systemctl --user is-active': { stdout: 'active\n' } }).run, userHome));
    assert.deepEqual(st, { kind: 'systemd', file, installed: true, home: join(userHome, '.zeblit'), enabled: 'enabled', active: 'active' });

    const u = recorder();
    const removed = uninstallService(ctx(u.run, userHome));
    assert.equal(removed.removed, true);
    assert.deepEqual(u.calls, ['systemctl --user disable --now zeblitd.service', 'systemctl --user daemon-reload']);
    assert.equal(existsSync(file), false);
    assert.equal(uninstallService(ctx(recorder().run, userHome)).removed, false);
  });

  test('without a systemd user instance: the unit is written, nothing is stopped, and the user is told how to enable it', async () => {
    const userHome = mkdtempSync(join(root, 'user-'));
    const r = recorder({ 'systemctl --user daemon-reload': { code: 1, stderr: 'Failed to connect to bus: No medium found\n' } });
    let stopped = false;
    const res = await installService(ctx(r.run, userHome), spec(join(userHome, '.zeblit')), { enable: true, force: false, beforeStart: async () => void (stopped = true) });
    assert.equal(res.enabled, false);
    assert.equal(stopped, false, 'the running daemon is left alone');
    assert.match(res.notes[0] ?? '', /no systemd user instance.*systemctl --user enable --now zeblitd/);
    assert.ok(readFileSync(res.file, 'utf8').includes('ExecStart='));
  });

  test('macOS: bootout then bootstrap of the agent', async () => {
    const userHome = mkdtempSync(join(root, 'mac-'));
    const r = recorder();
    const res = await installService({ ...ctx(r.run, userHome), platform: 'darwin' }, spec(join(userHome, '.zeblit')), { enable: true, force: false });
    assert.equal(res.file, join(userHome, 'Library', 'LaunchAgents', 'dev.zeblit.zeblitd.plist'));
    assert.deepEqual(r.calls, ['launchctl bootout gui/1000/dev.zeblit.zeblitd', `launchctl bootstrap gui/1000 ${res.file}`]);
  });
});
