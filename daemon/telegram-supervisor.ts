/**
 * Runs the Telegram bot (`zeblit telegram run`, a client of this daemon) as a
 * child process whenever a bot token is configured, as pm2 runs an app.
 *
 * Invariants:
 * - At most one bot process at a time: a new one starts only after the
 *   previous one has exited (two pollers of one token take each other's updates).
 * - Each start mints a fresh service credential (revoking the previous one), so
 *   a bot that died keeps no way to redeem link tokens.
 * - A bot that exits on its own is restarted after a backoff (doubling, capped;
 *   back to the first step once a run lasted a while), except when it exits
 *   saying its configuration is refused (a bad token): that waits for a change.
 * - A change of the configuration (token, allow-list) takes effect without a
 *   daemon restart; a removed token stops the bot.
 * - The child ends with the daemon: stopped at shutdown, and it stops itself
 *   when its IPC channel to the daemon closes (the daemon killed with -9).
 */
import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TelegramBotState, TelegramBotStatus, ZeblitPaths } from '../src/contracts/index.ts';
import type { ResolvedTelegramConfig, TelegramConfigStore } from '../src/telegram/index.ts';

/** `zeblit telegram run` exits so when Telegram refuses the token (EX_CONFIG), and 2 for a usage mistake: neither gets better by retrying. */
const NO_RETRY_EXIT_CODES = new Set([2, 78]);

export interface SupervisorLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BotCommand {
  file: string;
  args: string[];
}

export interface SupervisorOptions {
  config: TelegramConfigStore;
  /** Mints (rotates) the telegram service credential; returns its secret. */
  mintServiceKey: () => string;
  paths: ZeblitPaths;
  log: SupervisorLog;
  /** How to run the bot; null when the CLI cannot be found (the state then says so). Default: the CLI bundle beside the daemon's. */
  command?: BotCommand | null;
  /** The environment the child inherits (PATH and the like); Zeblit's connection variables are replaced. */
  env?: NodeJS.ProcessEnv;
  now?: () => number;
  backoff?: { initialMs: number; maxMs: number; resetAfterMs: number };
  /** How long a stopping bot gets after SIGTERM before SIGKILL. */
  stopTimeoutMs?: number;
  spawn?: typeof nodeSpawn;
}

/** The CLI bundle beside the daemon's bundle (dist/zeblit.cjs beside dist/zeblitd.js), or beside the source tree's dist/. */
export function defaultBotCommand(here = dirname(fileURLToPath(import.meta.url))): BotCommand | null {
  const found = [join(here, 'zeblit.cjs'), join(here, '..', 'dist', 'zeblit.cjs')].find((p) => existsSync(p));
  return found ? { file: process.execPath, args: [found, 'telegram', 'run'] } : null;
}

interface Child {
  proc: ChildProcess;
  startedAt: number;
  fingerprint: string;
  /** Set when we stop it on purpose: no restart. */
  stopping: boolean;
  exited: Promise<void>;
  lastError: string | null;
}

export class TelegramSupervisor {
  private readonly opts: Required<Omit<SupervisorOptions, 'command'>> & { command: BotCommand | null };
  private state: TelegramBotState = 'not_configured';
  private since: number;
  private pid: number | null = null;
  private username: string | null = null;
  private restarts = 0;
  private attempt = 0;
  private lastError: string | null = null;
  private child: Child | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** Reconciliations run one at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  private offChange: (() => void) | null = null;
  /** The configuration a restart waits to run (the timer's). */
  private pendingFingerprint: string | null = null;

  constructor(opts: SupervisorOptions) {
    this.opts = {
      env: process.env,
      now: Date.now,
      backoff: { initialMs: 1_000, maxMs: 60_000, resetAfterMs: 60_000 },
      stopTimeoutMs: 5_000,
      spawn: nodeSpawn,
      ...opts,
      command: opts.command === undefined ? defaultBotCommand() : opts.command,
    };
    this.since = this.opts.now();
  }

  status(): TelegramBotStatus {
    return { state: this.state, pid: this.pid, restarts: this.restarts, last_error: this.lastError, since: this.since, username: this.username };
  }

  /** Starts the bot if a token is configured, and follows configuration changes. */
  start(): void {
    this.offChange = this.opts.config.onChange(() => void this.reconcile());
    void this.reconcile();
  }

  /** Brings the process in line with the configuration. Resolves when done (tests wait on it). */
  reconcile(): Promise<void> {
    this.queue = this.queue.then(() => this.apply()).catch((err: unknown) => this.opts.log.error({ err }, 'telegram bot supervision failed'));
    return this.queue;
  }

  /** At shutdown: the bot stops and is not restarted. */
  async close(): Promise<void> {
    this.closed = true;
    this.offChange?.();
    this.clearTimer();
    await this.queue;
    await this.stopChild();
    this.set('stopped');
  }

  private async apply(): Promise<void> {
    if (this.closed) return;
    const cfg = this.opts.config.resolved();
    if (cfg.problem || !cfg.token) {
      this.clearTimer();
      await this.stopChild();
      this.restarts = 0;
      this.attempt = 0;
      this.lastError = cfg.problem;
      if (cfg.problem) this.opts.log.warn({ problem: cfg.problem }, 'the telegram bot does not run');
      this.set(cfg.problem ? 'stopped' : 'not_configured');
      return;
    }
    const fingerprint = fingerprintOf(cfg);
    if (this.child && this.child.fingerprint === fingerprint) return;
    if (!this.child && this.timer && this.pendingFingerprint === fingerprint) return;
    // New or changed configuration: a fresh start, with a fresh count.
    this.clearTimer();
    await this.stopChild();
    this.restarts = 0;
    this.attempt = 0;
    this.lastError = null;
    this.launch(cfg, fingerprint);
  }

  private launch(cfg: ResolvedTelegramConfig, fingerprint: string): void {
    if (this.closed || !cfg.token) return;
    const command = this.opts.command;
    if (!command) {
      this.lastError = 'the zeblit CLI bundle (dist/zeblit.cjs) is not beside zeblitd: build it with `npm run build`';
      this.set('stopped');
      return;
    }
    const serviceKey = this.opts.mintServiceKey();
    const env: NodeJS.ProcessEnv = { ...this.opts.env };
    // The child talks to THIS daemon on its socket, never starts one, and holds only what it needs.
    for (const k of ['ZEBLIT_HOST', 'ZEBLIT_API_KEY', 'TELEGRAM_BOT_TOKEN', 'TELEGRAM_ALLOWED_USERS', 'TELEGRAM_API_ROOT']) delete env[k];
    Object.assign(env, {
      ZEBLIT_HOME: this.opts.paths.home,
      ZEBLIT_SOCKET: this.opts.paths.socket,
      ZEBLIT_NO_AUTOSTART: '1',
      ZEBLIT_BOT_SERVICE_KEY: serviceKey,
      TELEGRAM_BOT_TOKEN: cfg.token,
      ...(cfg.allowedUsers.length ? { TELEGRAM_ALLOWED_USERS: cfg.allowedUsers.join(',') } : {}),
      ...(cfg.apiRoot ? { TELEGRAM_API_ROOT: cfg.apiRoot } : {}),
    });
    const proc = this.opts.spawn(command.file, command.args, { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let resolveExit!: () => void;
    const child: Child = { proc, startedAt: this.opts.now(), fingerprint, stopping: false, exited: new Promise((r) => (resolveExit = r)), lastError: null };
    this.child = child;
    this.pid = proc.pid ?? null;
    this.username = null;
    this.set('starting');
    this.opts.log.info({ pid: proc.pid, restarts: this.restarts }, 'telegram bot starting');

    const forward = (stream: NodeJS.ReadableStream | null) => {
      if (!stream) return;
      createInterface({ input: stream }).on('line', (line) => {
        const level = /^\S+ (info|warn|error) /.exec(line)?.[1] ?? (/^(Error|Hint)\b/.test(line) ? 'error' : 'info');
        const text = line.replace(/^\S+ (info|warn|error) /, '');
        if (level === 'error' && !/^Hint\b/.test(line)) child.lastError = text;
        this.opts.log[level as 'info' | 'warn' | 'error']({ component: 'telegram-bot', pid: proc.pid }, text);
      });
    };
    forward(proc.stdout);
    forward(proc.stderr);
    proc.on('message', (m: unknown) => {
      const msg = m as { type?: string; username?: string };
      if (msg?.type !== 'telegram.ready' || this.child !== child) return;
      this.username = msg.username ?? null;
      this.set('running');
      this.opts.log.info({ pid: proc.pid, username: this.username }, 'telegram bot running');
    });
    let ended = false;
    const onEnd = (code: number | null, signal: NodeJS.Signals | null, err?: Error) => {
      if (ended) return;
      ended = true;
      resolveExit();
      this.onExit(child, code, signal, err);
    };
    proc.on('error', (err) => onEnd(null, null, err));
    proc.on('exit', (code, signal) => onEnd(code, signal));
  }

  private onExit(child: Child, code: number | null, signal: NodeJS.Signals | null, err?: Error): void {
    if (this.child !== child) return;
    this.child = null;
    this.pid = null;
    if (child.stopping || this.closed) return;
    const how = err ? `could not start: ${err.message}` : signal ? `was killed by ${signal}` : `exited with code ${code}`;
    this.lastError = child.lastError ? `${how}: ${child.lastError}` : how;
    if (code !== null && NO_RETRY_EXIT_CODES.has(code)) {
      this.opts.log.error({ code, error: this.lastError }, 'telegram bot stopped: its configuration is refused; it starts again when the configuration changes');
      this.set('stopped');
      return;
    }
    const { initialMs, maxMs, resetAfterMs } = this.opts.backoff;
    if (this.opts.now() - child.startedAt >= resetAfterMs) this.attempt = 0;
    const delay = Math.min(maxMs, initialMs * 2 ** this.attempt);
    this.attempt++;
    this.restarts++;
    this.opts.log.warn({ error: this.lastError, restart_in_ms: delay, restarts: this.restarts }, 'telegram bot ended; restarting');
    this.set('restarting');
    this.pendingFingerprint = child.fingerprint;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pendingFingerprint = null;
      // A changed configuration would have cleared this timer (apply): read it again all the same, it is cheap.
      this.queue = this.queue.then(() => {
        if (this.closed || this.child) return;
        const now = this.opts.config.resolved();
        if (!now.token || now.problem) return this.apply();
        this.launch(now, fingerprintOf(now));
      });
    }, delay);
    this.timer.unref();
  }

  private async stopChild(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.stopping = true;
    child.proc.kill('SIGTERM');
    const killer = setTimeout(() => child.proc.kill('SIGKILL'), this.opts.stopTimeoutMs);
    await child.exited;
    clearTimeout(killer);
    this.opts.log.info({ pid: child.proc.pid }, 'telegram bot stopped');
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pendingFingerprint = null;
  }

  private set(state: TelegramBotState): void {
    if (state !== this.state) this.since = this.opts.now();
    this.state = state;
    if (state === 'stopped' || state === 'not_configured') this.username = null;
  }
}

/** What, when it changes, needs a new bot process. Compared, never logged. */
function fingerprintOf(cfg: ResolvedTelegramConfig): string {
  return JSON.stringify([cfg.token, [...cfg.allowedUsers].sort((a, b) => a - b), cfg.apiRoot]);
}
