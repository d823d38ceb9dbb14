/**
 * The supervisor with real child processes: a small stand-in for
 * `zeblit telegram run` that says "ready" over IPC as the real one does,
 * writes the environment it was given to a file, and exits as told.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { zeblitPaths } from '../src/contracts/index.ts';
import { SecretBox } from '../src/llm/index.ts';
import { TelegramConfigStore } from '../src/telegram/index.ts';
import { TelegramSupervisor, type SupervisorLog } from './telegram-supervisor.ts';

const TOKEN = '7012345678:AAE-supervisor-test_token-0001';
const OTHER = '7012345678:AAE-supervisor-test_token-0002';

/** The stand-in bot: reads what to do from control.json at each start. */
const FAKE_BOT = `
import { readFileSync, writeFileSync } from 'node:fs';
const dir = process.argv[2];
const control = JSON.parse(readFileSync(dir + '/control.json', 'utf8'));
writeFileSync(dir + '/env-' + process.pid + '.json', JSON.stringify(process.env));
writeFileSync(dir + '/last-pid', String(process.pid));
if (control.exit !== undefined) {
  process.stderr.write('2030-01-01T00:00:00.000Z info starting\\n');
  process.stderr.write(control.stderr + '\\n');
  process.exit(control.exit);
}
process.stderr.write('2030-01-01T00:00:00.000Z info polling for updates as @fake_bot\\n');
process.send({ type: 'telegram.ready', username: 'fake_bot' });
process.channel.unref();
setInterval(() => {}, 1000);
`;

async function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('TelegramSupervisor', () => {
  const dirs: string[] = [];
  const sups: TelegramSupervisor[] = [];
  after(async () => {
    for (const s of sups) await s.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function setup(env: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'tg-sup-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'bot.mjs'), FAKE_BOT);
    writeFileSync(join(dir, 'control.json'), '{}');
    const paths = zeblitPaths({ ZEBLIT_HOME: dir });
    const config = new TelegramConfigStore({ file: join(dir, 'telegram', 'settings.json'), box: new SecretBox(randomBytes(32)), env });
    const minted: string[] = [];
    const lines: string[] = [];
    const log: SupervisorLog = { info: (_o, m) => lines.push(m), warn: (_o, m) => lines.push(m), error: (_o, m) => lines.push(m) };
    const sup = new TelegramSupervisor({
      config,
      paths,
      log,
      mintServiceKey: () => {
        minted.push(`zbl_service_${minted.length + 1}`);
        return minted.at(-1)!;
      },
      command: { file: process.execPath, args: [join(dir, 'bot.mjs'), dir] },
      env: { PATH: process.env.PATH, ZEBLIT_HOST: 'http://elsewhere:1', ZEBLIT_API_KEY: 'zbl_not_for_the_bot' },
      backoff: { initialMs: 100, maxMs: 400, resetAfterMs: 60_000 },
      stopTimeoutMs: 2_000,
    });
    sups.push(sup);
    const control = (c: Record<string, unknown>) => writeFileSync(join(dir, 'control.json'), JSON.stringify(c));
    const envOf = (pid: number) => JSON.parse(readFileSync(join(dir, `env-${pid}.json`), 'utf8')) as Record<string, string>;
    return { dir, paths, config, sup, minted, lines, control, envOf };
  }

  it('without a token nothing runs; a token set at run time starts the bot with what it needs, and only that', async () => {
    const t = setup({ TELEGRAM_ALLOWED_USERS: '2002', TELEGRAM_API_ROOT: 'http://127.0.0.1:9/' });
    t.sup.start();
    await t.sup.reconcile();
    assert.equal(t.sup.status().state, 'not_configured');
    assert.equal(t.minted.length, 0);

    t.config.update({ bot_token: TOKEN, allowed_users: [1001] });
    const running = await until('running', () => (t.sup.status().state === 'running' ? t.sup.status() : undefined));
    assert.equal(running.username, 'fake_bot');
    assert.ok(running.pid && alive(running.pid));
    const env = t.envOf(running.pid);
    assert.equal(env.TELEGRAM_BOT_TOKEN, TOKEN);
    assert.equal(env.ZEBLIT_BOT_SERVICE_KEY, 'zbl_service_1');
    assert.equal(env.TELEGRAM_ALLOWED_USERS, '1001,2002');
    assert.equal(env.TELEGRAM_API_ROOT, 'http://127.0.0.1:9/');
    assert.equal(env.ZEBLIT_HOME, t.paths.home);
    assert.equal(env.ZEBLIT_SOCKET, t.paths.socket);
    assert.equal(env.ZEBLIT_NO_AUTOSTART, '1');
    assert.equal(env.ZEBLIT_HOST, undefined, 'the bot talks to this daemon, not ZEBLIT_HOST');
    assert.equal(env.ZEBLIT_API_KEY, undefined);
  });

  it('a bot killed with -9 is started again (with a fresh credential) after the backoff', async () => {
    const t = setup();
    t.config.update({ bot_token: TOKEN });
    t.sup.start();
    const first = await until('running', () => (t.sup.status().state === 'running' ? t.sup.status().pid : undefined));
    process.kill(first!, 'SIGKILL');
    await until('restarting', () => t.sup.status().state === 'restarting' || t.sup.status().restarts > 0);
    const s = await until('running again', () => (t.sup.status().state === 'running' && t.sup.status().pid !== first ? t.sup.status() : undefined));
    assert.equal(s.restarts, 1);
    assert.match(s.last_error ?? '', /killed by SIGKILL/);
    assert.deepEqual(t.minted, ['zbl_service_1', 'zbl_service_2']);
    assert.equal(t.envOf(s.pid!).ZEBLIT_BOT_SERVICE_KEY, 'zbl_service_2');
  });

  it('a bot that keeps failing is retried with a growing delay and says why', async () => {
    const t = setup();
    t.control({ exit: 1, stderr: 'Error [TELEGRAM_UNAVAILABLE]: The bot stopped: getaddrinfo ENOTFOUND' });
    t.config.update({ bot_token: TOKEN });
    const started = Date.now();
    t.sup.start();
    const s = await until('three restarts', () => (t.sup.status().restarts >= 3 ? t.sup.status() : undefined));
    // 100 + 200 + 400 ms of backoff at least.
    assert.ok(Date.now() - started >= 300, `restarted too fast: ${Date.now() - started} ms`);
    assert.match(s.last_error ?? '', /exited with code 1: Error \[TELEGRAM_UNAVAILABLE\]: The bot stopped: getaddrinfo ENOTFOUND/);
    assert.ok(['restarting', 'starting'].includes(s.state));
  });

  it('a token Telegram refuses stops the bot until the configuration changes', async () => {
    const t = setup();
    t.control({ exit: 78, stderr: 'Error [TELEGRAM_TOKEN_REFUSED]: Telegram refused the bot token: Unauthorized' });
    t.config.update({ bot_token: TOKEN });
    t.sup.start();
    const s = await until('stopped', () => (t.sup.status().state === 'stopped' ? t.sup.status() : undefined));
    assert.match(s.last_error ?? '', /refused the bot token/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(t.minted.length, 1, 'not retried');
    t.control({});
    t.config.update({ bot_token: OTHER });
    const r = await until('running with the new token', () => (t.sup.status().state === 'running' ? t.sup.status() : undefined));
    assert.equal(t.envOf(r.pid!).TELEGRAM_BOT_TOKEN, OTHER);
    assert.equal(r.restarts, 0);
    assert.equal(r.last_error, null);
  });

  it('a changed allow-list restarts the bot; a removed token stops it; close stops it for good', async () => {
    const t = setup();
    t.config.update({ bot_token: TOKEN });
    t.sup.start();
    const first = (await until('running', () => (t.sup.status().state === 'running' ? t.sup.status().pid : undefined)))!;
    t.config.update({ allowed_users: [42] });
    const second = (await until('a new bot', () => (t.sup.status().state === 'running' && t.sup.status().pid !== first ? t.sup.status().pid : undefined)))!;
    assert.ok(!alive(first), 'the old bot is gone before the new one runs');
    assert.equal(t.envOf(second).TELEGRAM_ALLOWED_USERS, '42');

    t.config.update({ bot_token: null });
    await until('not configured', () => t.sup.status().state === 'not_configured');
    await until('the bot gone', () => !alive(second));

    t.config.update({ bot_token: TOKEN });
    const third = (await until('running', () => (t.sup.status().state === 'running' ? t.sup.status().pid : undefined)))!;
    await t.sup.close();
    assert.equal(t.sup.status().state, 'stopped');
    assert.ok(!alive(third));
    t.config.update({ bot_token: OTHER });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(t.sup.status().state, 'stopped', 'nothing starts after close');
  });

  it('an allow-list entry that is not an id keeps the bot from running (never open to everyone)', async () => {
    const t = setup({ TELEGRAM_ALLOWED_USERS: '1001,@mallory' });
    t.config.update({ bot_token: TOKEN });
    t.sup.start();
    const s = await until('stopped', () => (t.sup.status().state === 'stopped' ? t.sup.status() : undefined));
    assert.match(s.last_error ?? '', /not Telegram user ids: @mallory/);
    assert.equal(t.minted.length, 0);
    assert.ok(!existsSync(join(t.dir, 'last-pid')));
  });

  it('without the CLI bundle it says so instead of failing quietly', async () => {
    const t = setup();
    const sup = new TelegramSupervisor({ config: t.config, paths: t.paths, log: { info() {}, warn() {}, error() {} }, mintServiceKey: () => 'k', command: null });
    sups.push(sup);
    t.config.update({ bot_token: TOKEN });
    await sup.reconcile();
    assert.equal(sup.status().state, 'stopped');
    assert.match(sup.status().last_error ?? '', /npm run build/);
  });
});
