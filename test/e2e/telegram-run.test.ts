/**
 * `zeblit telegram run` (the built CLI) in the foreground against the built
 * daemon and the fake Bot API: the allow-list (from the environment and from
 * the daemon's configuration), linking through it, a clean stop on SIGTERM,
 * and a refusal to run a second bot while the daemon runs one.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeTelegram, type FakeUser } from './fake-telegram/index.ts';
import { cleanup, CLI_JS, daemonEnv, DAEMON_JS, requireBuilt, runCli, startDaemon, tempHome, waitFor } from './helpers.ts';

const alice: FakeUser = { id: 1001, first_name: 'Alice', username: 'alice' };
const bob: FakeUser = { id: 2002, first_name: 'Bob', username: 'bob' };
const carol: FakeUser = { id: 3003, first_name: 'Carol', username: 'carol' };

describe('zeblit telegram run', { timeout: 300_000 }, () => {
  let home: string;
  let tg: FakeTelegram;
  let proc: ChildProcess;
  let stderr = '';
  let exited: Promise<number | null>;

  async function said(user: FakeUser, text: string, expect: RegExp) {
    const before = tg.botMessages(user.id).length;
    tg.say(user, text);
    return tg.waitFor(`a reply to "${text}" matching ${expect}`, () => tg.botMessages(user.id).slice(before).find((m) => expect.test(m.text)), 20_000);
  }

  before(async () => {
    requireBuilt(DAEMON_JS);
    requireBuilt(CLI_JS);
    tg = await FakeTelegram.start();
    home = tempHome('tg-run');
    await startDaemon(home, { env: { TELEGRAM_API_ROOT: tg.apiRoot } });
    // Carol is allowed by the daemon's configuration, Alice by the environment; Bob by neither.
    const set = await runCli(home, ['config', 'set', 'telegram.allowed_users', String(carol.id)]);
    assert.equal(set.code, 0, set.stderr);
    proc = spawn(process.execPath, [CLI_JS, 'telegram', 'run'], {
      env: daemonEnv(home, { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot, TELEGRAM_ALLOWED_USERS: String(alice.id) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    exited = new Promise((r) => proc.once('exit', (code) => r(code)));
    await waitFor('the bot ready', () => /the bot @zeblit_test_bot is ready \(only for 2 allowed Telegram user\(s\)\)/.test(stderr), 30_000);
  });

  after(async () => {
    if (proc && proc.exitCode === null) proc.kill('SIGKILL');
    await tg?.close();
    await cleanup();
  });

  it('answers only the Telegram users of the allow-list', async () => {
    await said(alice, '/start', /link your Zeblit account/i);
    await said(carol, '/help', /link your Zeblit account/i);
    await said(bob, '/start', /^This bot is private\. Your Telegram user id is 2002: its owner can allow it\.$/);
    // Not even linking gets past it.
    await said(bob, '/link tgl_anything', /^This bot is private\./);
  });

  it('links an allowed user and keeps its state private', async () => {
    const cli = await runCli(home, ['--json', 'auth', 'telegram-link']);
    const token = (JSON.parse(cli.stdout) as { token: string }).token;
    await said(alice, `/link ${token}`, /Linked to Zeblit as <b>[^<]+<\/b>/);
    await said(alice, '/projects', /No projects yet/);
    assert.equal(statSync(join(home, 'telegram', 'state.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(home, 'telegram')).mode & 0o777, 0o700);
  });

  it('stops cleanly on SIGTERM', async () => {
    proc.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
    assert.match(stderr, /SIGTERM: stopping/);
  });

  it('refuses to run a second bot while the daemon runs one', async () => {
    const set = await runCli(home, ['config', 'set', 'telegram.bot_token', '-'], { input: tg.token });
    assert.equal(set.code, 0, set.stderr);
    await waitFor('the daemon running its bot', async () => /Telegram bot +(starting|running)/.test((await runCli(home, ['daemon', 'status'])).stdout), 30_000, 200);
    const r = await runCli(home, ['telegram', 'run'], { env: { TELEGRAM_BOT_TOKEN: tg.token, TELEGRAM_API_ROOT: tg.apiRoot } });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Error \[TELEGRAM_BOT_RUNNING\]: zeblitd already runs the Telegram bot/);
    assert.match(r.stderr, /zeblit config unset telegram\.bot_token/);
    await runCli(home, ['config', 'unset', 'telegram.bot_token']);
  });
});
