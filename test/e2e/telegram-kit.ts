/**
 * What the Telegram e2e tests share: the built daemon with the fake LLM, the
 * fake Bot API, and the real bot (grammY, in this process) between them,
 * with the helpers a test plays users with.
 */
import { join } from 'node:path';
import { createZeblitBot, type BotOptions, type RunningBot } from '../../cli/telegram/bot.ts';
import { FakeLlm } from '../../src/llm/testing/fake-llm.ts';
import { FakeTelegram, type ChatMessage, type FakeUser } from './fake-telegram/index.ts';
import { removeTestResources } from '../../src/containers/testing.ts';
import { cleanup, dataOf, DAEMON_JS, request, requireBuilt, runCli, sock, startDaemon, tempHome, type DaemonProc } from './helpers.ts';

export const alice: FakeUser = { id: 1001, first_name: 'Alice', username: 'alice' };
export const bob: FakeUser = { id: 2002, first_name: 'Bob', username: 'bob' };

export interface BotWorld {
  home: string;
  daemon: DaemonProc;
  tg: FakeTelegram;
  llm: FakeLlm;
  bot: RunningBot;
  /** A user writes `text`; resolves with the bot's first reply matching `expect`. */
  said(user: FakeUser, text: string, expect: RegExp, timeoutMs?: number): Promise<ChatMessage>;
  /** A link token of the user of `key` (the owner on the socket without one), as `zeblit auth telegram-link` prints it. */
  linkToken(key?: string): Promise<string>;
  /** Links `user` to the owner through a token from the built CLI. */
  linkOwner(user: FakeUser): Promise<void>;
  close(): Promise<void>;
}

export async function startBotWorld(tag: string, botOptions: Partial<BotOptions> = {}): Promise<BotWorld> {
  requireBuilt(DAEMON_JS);
  const llm = await FakeLlm.start();
  const home = tempHome(tag);
  const daemon = await startDaemon(home, { env: { ANTHROPIC_API_KEY: 'sk-e2e-fake', ANTHROPIC_BASE_URL: llm.anthropicBaseUrl, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' } });
  const tg = await FakeTelegram.start();
  // The credential the daemon mints for the bot: it can only redeem link tokens.
  const service = dataOf(await request<{ key: string }>(sock(daemon), { method: 'POST', path: '/api/v1/auth/telegram/bot-credential' }));
  const bot = createZeblitBot({
    token: tg.token,
    apiRoot: tg.apiRoot,
    daemon: { kind: 'unix', socketPath: daemon.socket },
    serviceKey: service.key,
    statePath: join(home, 'telegram', 'state.json'),
    pollTimeoutSeconds: 1,
    ...botOptions,
  });
  await bot.ready;

  const said = async (user: FakeUser, text: string, expect: RegExp, timeoutMs = 20_000) => {
    const before = tg.botMessages(user.id).length;
    tg.say(user, text);
    return tg.waitFor(`a reply to "${text}" matching ${expect}`, () => tg.botMessages(user.id).slice(before).find((m) => expect.test(m.text)), timeoutMs);
  };
  const linkToken = async (key?: string) => {
    const r = await request<{ token: string }>(sock(daemon), { method: 'POST', path: '/api/v1/auth/telegram/link', headers: key ? { authorization: `Bearer ${key}` } : {} });
    return dataOf(r).token;
  };
  return {
    home,
    daemon,
    tg,
    llm,
    bot,
    said,
    linkToken,
    async linkOwner(user) {
      const cli = await runCli(home, ['--json', 'auth', 'telegram-link']);
      const token = (JSON.parse(cli.stdout) as { token: string }).token;
      await said(user, `/link ${token}`, /Linked to Zeblit as <b>[^<]+<\/b>/);
    },
    async close() {
      await bot.stop();
      // The projects the bot made have containers, networks and volumes: they go with the test, not after it.
      const projects = await request<{ items: { id: string }[] }>(sock(daemon), { path: '/api/v1/projects?limit=500&status=all' }).catch(() => null);
      await tg.close();
      await llm.close();
      await cleanup();
      await removeTestResources(projects?.body?.data?.items.map((p) => p.id) ?? []);
    },
  };
}
