/**
 * The built daemon runs the Telegram bot by itself (the built CLI's
 * `zeblit telegram run` as its child) against the fake Bot API: the token set
 * through `zeblit config set telegram.bot_token -` starts it, kill -9 of the
 * bot brings it back, `zeblit daemon status` shows it, unsetting the token
 * stops it, and a bot whose daemon was killed does not outlive it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Health, TelegramBotStatus } from '../../src/contracts/index.ts';
import { FakeTelegram, type FakeUser } from './fake-telegram/index.ts';
import { cleanup, dataOf, DAEMON_JS, isAlive, request, requireBuilt, runCli, sock, startDaemon, tempHome, waitFor, type DaemonProc } from './helpers.ts';

const alice: FakeUser = { id: 1001, first_name: 'Alice', username: 'alice' };

describe('telegram bot supervised by the daemon', { timeout: 300_000 }, () => {
  let home: string;
  let daemon: DaemonProc;
  let tg: FakeTelegram;

  async function bot(): Promise<TelegramBotStatus> {
    const h = dataOf(await request<Health>(sock(daemon), { method: 'GET', path: '/api/v1/health' }));
    assert.ok(h.telegram_bot, 'the socket owner is told the bot state');
    return h.telegram_bot;
  }

  const running = (not?: number | null) => waitFor('the bot running', async () => {
    const b = await bot();
    return b.state === 'running' && b.pid !== not ? b : undefined;
  }, 30_000, 100);

  async function helpAnswered(): Promise<void> {
    const before = tg.botMessages(alice.id).length;
    tg.say(alice, '/help');
    await tg.waitFor('the bot answering /help', () => tg.botMessages(alice.id).slice(before).find((m) => /link your Zeblit account/i.test(m.text)), 20_000);
  }

  before(async () => {
    requireBuilt(DAEMON_JS);
    tg = await FakeTelegram.start();
    home = tempHome('tg-sup');
    daemon = await startDaemon(home, { env: { TELEGRAM_API_ROOT: tg.apiRoot } });
  });

  after(async () => {
    await tg?.close();
    await cleanup();
  });

  it('is not configured until a token is set; then the daemon runs it and it answers', async () => {
    assert.equal((await bot()).state, 'not_configured');
    const set = await runCli(home, ['config', 'set', 'telegram.bot_token', '-'], { input: `${tg.token}\n` });
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /Stored the bot token \(…fake\), sealed/);
    assert.ok(!readFileSync(join(home, 'telegram', 'settings.json'), 'utf8').includes(tg.token.slice(0, -4)), 'sealed at rest');
    const b = await running();
    assert.equal(b.username, 'zeblit_test_bot');
    await helpAnswered();
    // The daemon log carries the bot's lines.
    assert.match(readFileSync(join(home, 'logs', 'zeblitd.log'), 'utf8'), /polling for updates as @zeblit_test_bot/);
  });

  it('killed with -9, the bot is started again and answers again', async () => {
    const first = await bot();
    process.kill(first.pid!, 'SIGKILL');
    const again = await running(first.pid);
    assert.equal(again.restarts, 1);
    assert.match(again.last_error ?? '', /killed by SIGKILL/);
    assert.ok(!isAlive(first.pid!));
    await helpAnswered();
    const status = await runCli(home, ['daemon', 'status']);
    assert.match(status.stdout, new RegExp(`Telegram bot +running \\(pid ${again.pid}, @zeblit_test_bot, 1 restart\\)`));
    const dashboard = await runCli(home, ['status']);
    assert.match(dashboard.stdout, new RegExp(`Telegram bot +running \\(pid ${again.pid}, @zeblit_test_bot, 1 restart\\)`));
    const cfg = await runCli(home, ['config', 'get', 'telegram.bot_token']);
    assert.equal(cfg.stdout.trim(), 'set (config, …fake)');
    // The link instructions name the bot the daemon runs.
    const link = await runCli(home, ['auth', 'telegram-link']);
    assert.match(link.stdout, /Send "\/link tgl_[\w-]+" to @zeblit_test_bot in Telegram within 10 minutes\./);
  });

  it('unsetting the token stops the bot', async () => {
    const { pid } = await bot();
    const unset = await runCli(home, ['config', 'unset', 'telegram.bot_token']);
    assert.equal(unset.code, 0, unset.stderr);
    assert.match(unset.stdout, /zeblitd stops the bot/);
    await waitFor('the bot process gone', () => !isAlive(pid!), 15_000);
    assert.equal((await bot()).state, 'not_configured');
  });

  it('a bot does not outlive its daemon killed with -9', async () => {
    await runCli(home, ['config', 'set', 'telegram.bot_token', '-'], { input: tg.token });
    const { pid } = await running();
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    await waitFor('the orphaned bot to stop', () => !isAlive(pid!), 20_000);
  });
});
