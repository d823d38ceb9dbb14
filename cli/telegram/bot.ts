/**
 * The Zeblit Telegram bot: a CLIENT of zeblitd like the CLI (it imports only
 * src/client and src/contracts; all logic stays in the daemon). Long polling
 * with grammY against a configurable Bot API root. Each linked Telegram user
 * is served with THEIR OWN Zeblit key (returned by linking), so each sees only
 * their projects; the bot's own service credential is used for one thing:
 * redeeming link tokens.
 */
import { Bot, GrammyError, HttpError, type Context } from 'grammy';
import { ZeblitClient, type ClientTransport } from '../../src/client/index.ts';
import { registerAccount } from './commands/account.ts';
import { registerChat } from './commands/chat.ts';
import { registerFiles } from './commands/files.ts';
import { registerProjects } from './commands/projects.ts';
import { registerRun } from './commands/run.ts';
import { registerSchedule } from './commands/schedule.ts';
import { friendlyError } from './format.ts';
import { Notifier } from './notifier.ts';
import { BotState, type LinkedUser } from './state.ts';

export interface BotOptions {
  token: string;
  /** Telegram's Bot API root (TELEGRAM_API_ROOT); default https://api.telegram.org. */
  apiRoot?: string;
  /** How to reach the daemon: the socket (tokens are added per user). */
  daemon: ClientTransport;
  /** The bot's own credential: only for redeeming link tokens. */
  serviceKey: string;
  /** Where the bot keeps its per-user state (0600). */
  statePath: string;
  /** Only these Telegram user ids may use the bot (empty: anyone who links). */
  allowList?: number[];
  log?: (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) => void;
  /** Long-poll timeout in seconds (Telegram's maximum is 50; tests use less). */
  pollTimeoutSeconds?: number;
  /** Agent turns at least this long are announced when they end (default one minute). */
  longTurnMs?: number;
}

/** A chat turn this bot runs for a chat (what /cancel stops; its end is answered in the chat, not notified). */
export interface ChatTurn {
  projectId: string;
  conversationId: string | null;
  abort: AbortController;
}

/** What every handler gets: the linked user (if any) and a client acting as them. */
export interface BotEnv {
  opts: BotOptions;
  state: BotState;
  notifier: Notifier;
  /** A client that acts as this linked user (their own key). */
  clientFor(user: LinkedUser): ZeblitClient;
  clientForKey(key: string): ZeblitClient;
  /** A client with the bot's service credential (link tokens only). */
  service: ZeblitClient;
  /** The linked user of this update, or undefined. */
  linked(ctx: Context): LinkedUser | undefined;
  /** Turns in progress, by chat id. */
  chatTurns: Map<number, ChatTurn>;
  log: NonNullable<BotOptions['log']>;
}

/** The menu Telegram shows beside the text field. */
const MENU = [
  { command: 'projects', description: 'Your projects' },
  { command: 'use', description: 'Pick the current project' },
  { command: 'chat', description: 'Ask the agents (or just write)' },
  { command: 'run', description: 'Run a command in the container' },
  { command: 'logs', description: 'The console\'s last lines' },
  { command: 'errors', description: 'Errors found in the console' },
  { command: 'files', description: 'Browse and download files' },
  { command: 'schedule', description: 'Scheduled tasks (/schedule new)' },
  { command: 'status', description: 'The project and its container' },
  { command: 'cancel', description: 'Stop the current turn' },
  { command: 'notify', description: 'on, off or failures' },
  { command: 'help', description: 'What I can do' },
];

/** Commands an unlinked user may use. */
const OPEN_COMMANDS = new Set(['start', 'help', 'link']);

export interface RunningBot {
  bot: Bot;
  env: BotEnv;
  /** Resolves once polling has started (getMe answered); rejects when it could not start (a token Telegram refuses, say). */
  ready: Promise<void>;
  /** Settles when polling ends: resolves after stop(), rejects when Telegram ended it (401, 409 Conflict: another poller). */
  done: Promise<void>;
  stop(): Promise<void>;
}

export function createZeblitBot(opts: BotOptions): RunningBot {
  const log = opts.log ?? (() => {});
  const bot = new Bot(opts.token, { client: { apiRoot: opts.apiRoot ?? 'https://api.telegram.org' } });
  // Telegram's flood control: a 429 says how long to wait; wait that long (capped) and send again, once or twice.
  bot.api.config.use(async (prev, method, payload, signal) => {
    let res = await prev(method, payload, signal);
    for (let attempt = 0; attempt < 3 && !res.ok && res.error_code === 429; attempt++) {
      const wait = Math.min(Number(res.parameters?.retry_after ?? 1), 30);
      log('warn', `Telegram asked to slow down on ${method}: retrying in ${wait} s`);
      await new Promise((r) => setTimeout(r, wait * 1000));
      res = await prev(method, payload, signal);
    }
    return res;
  });
  const state = new BotState(opts.statePath);
  const clients = new Map<string, ZeblitClient>();
  const clientForKey = (key: string): ZeblitClient => {
    let c = clients.get(key);
    if (!c) {
      c = new ZeblitClient({ transport: { ...opts.daemon, token: key }, userAgent: 'zeblit-telegram', timeoutMs: 120_000 });
      clients.set(key, c);
    }
    return c;
  };
  const env: BotEnv = {
    opts,
    state,
    notifier: undefined as unknown as Notifier,
    clientFor: (user) => clientForKey(user.key),
    clientForKey,
    service: new ZeblitClient({ transport: { ...opts.daemon, token: opts.serviceKey }, userAgent: 'zeblit-telegram' }),
    linked: (ctx) => (ctx.from ? state.get(ctx.from.id) : undefined),
    chatTurns: new Map(),
    log,
  };
  env.notifier = new Notifier(bot, env);

  // Private chats only; the allow-list; unlinked users may only start, ask for help and link.
  bot.use(async (ctx, next) => {
    if (ctx.chat && ctx.chat.type !== 'private') return;
    const from = ctx.from?.id;
    if (from === undefined) return;
    if (opts.allowList && opts.allowList.length > 0 && !opts.allowList.includes(from)) {
      // Their own id, so they can ask the owner to allow it (zeblit config set telegram.allowed_users).
      if (ctx.message) await ctx.reply(`This bot is private. Your Telegram user id is ${from}: its owner can allow it.`);
      return;
    }
    const command = ctx.message?.text?.match(/^\/(\w+)/)?.[1]?.toLowerCase();
    if (!state.get(from) && !(command && OPEN_COMMANDS.has(command))) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery({ text: 'Link your account first: /link <token>' });
      else await ctx.reply('Link your Zeblit account first: run <code>zeblit auth telegram-link</code> on your computer and send me <code>/link &lt;token&gt;</code>.', { parse_mode: 'HTML' });
      return;
    }
    await next();
  });

  registerAccount(bot, env);
  registerProjects(bot, env);
  registerRun(bot, env);
  registerFiles(bot, env);
  // Before the chat: a /schedule conversation's answers and its /cancel are not messages to the agents.
  registerSchedule(bot, env);
  registerChat(bot, env);

  bot.catch(async (err) => {
    const e = err.error;
    if (e instanceof GrammyError || e instanceof HttpError) log('warn', `Telegram call failed: ${e.message}`);
    else log('error', `handler failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    try {
      await err.ctx.reply(friendlyError(e), { parse_mode: 'HTML' });
    } catch {
      // Telegram itself is failing: nothing more to say.
    }
  });

  let resolveReady!: () => void;
  let started = false;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const polling = bot.start({
    timeout: opts.pollTimeoutSeconds ?? 30,
    drop_pending_updates: false,
    onStart: (me) => {
      started = true;
      log('info', `polling for updates as @${me.username}`);
      resolveReady();
      void bot.api.setMyCommands(MENU).catch((e: unknown) => log('warn', `could not set the command menu: ${e instanceof Error ? e.message : String(e)}`));
    },
  });
  // Before it polls, a failure means it cannot start; after, that polling stopped.
  const readyOrFailed = Promise.race([ready, polling.then(() => undefined)]);
  polling.catch((e: unknown) => {
    if (started) log('error', `polling stopped: ${e instanceof Error ? e.message : String(e)}`);
  });
  void ready.then(() => env.notifier.start());
  return {
    bot,
    env,
    ready: readyOrFailed,
    done: polling,
    async stop() {
      env.notifier.stop();
      await bot.stop().catch(() => {});
      await polling.catch(() => {});
    },
  };
}
