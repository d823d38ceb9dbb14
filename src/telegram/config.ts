/**
 * The Telegram bot's configuration in the daemon: the bot token (stored
 * sealed like provider keys: AES-256-GCM under the key derived from
 * secret.key, the label "telegram.bot_token" bound in as associated data)
 * and an allow-list of Telegram user ids, merged with the daemon's
 * environment (TELEGRAM_BOT_TOKEN, TELEGRAM_ALLOWED_USERS, TELEGRAM_API_ROOT).
 * A stored token wins over the environment, as stored provider keys do.
 *
 * It lives in one JSON file ($ZEBLIT_HOME/telegram/settings.json, 0600 in a
 * 0700 folder, written by rename) rather than in the database: only this
 * daemon (which holds the home's lock) writes it, and the file alone never
 * reveals the token.
 *
 * Invariant: a configuration that cannot be trusted (an allow-list entry that
 * is not an id, a stored token that fails its integrity check) is reported as
 * a `problem` and the bot is not run with it: an allow-list never fails open.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { parseTelegramUserIds, TelegramConfigUpdate, ZeblitError, TelegramUserId, type TelegramBotStatus, type TelegramConfigView } from '../contracts/index.ts';
import { deriveKey } from '../auth/index.ts';
import { SealedSecretError, SecretBox } from '../llm/index.ts';

const LABEL = 'telegram.bot_token';

const StoredSettings = z.object({
  version: z.literal(1),
  bot_token: z.object({ sealed: z.string(), hint: z.string(), updated_at: z.number() }).nullable().default(null),
  allowed_users: z.array(TelegramUserId).default([]),
});
type StoredSettings = z.infer<typeof StoredSettings>;

export type Env = Readonly<Record<string, string | undefined>>;

/** What the supervisor runs the bot with. The token leaves this module only here. */
export interface ResolvedTelegramConfig {
  token: string | null;
  source: 'config' | 'env' | null;
  hint: string | null;
  /** Stored and env ids together; empty: anyone who links. */
  allowedUsers: number[];
  /** TELEGRAM_API_ROOT of the daemon (a self-hosted Bot API server), or null for Telegram's. */
  apiRoot: string | null;
  /** Why the bot must not run with this, when it must not. */
  problem: string | null;
}

export interface TelegramConfigOptions {
  /** The settings file. */
  file: string;
  box: SecretBox;
  /** The environment the daemon started with (read once). */
  env?: Env;
  now?: () => number;
}

const nonEmpty = (v: string | undefined) => (v !== undefined && v.trim() !== '' ? v.trim() : null);

export class TelegramConfigStore {
  private readonly file: string;
  private readonly box: SecretBox;
  private readonly env: Env;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();

  constructor(opts: TelegramConfigOptions) {
    this.file = opts.file;
    this.box = opts.box;
    this.env = { ...(opts.env ?? process.env) };
    this.now = opts.now ?? Date.now;
  }

  /** The store for a daemon: its box is the one provider keys are sealed with (same derived key, another label). */
  static forDaemon(file: string, secret: Buffer, env: Env, now?: () => number): TelegramConfigStore {
    return new TelegramConfigStore({ file, box: new SecretBox(deriveKey(secret, 'secrets-aes')), env, ...(now ? { now } : {}) });
  }

  /** Read from the file each time (rarely: at a change, a start of the bot, a GET), so a file damaged meanwhile is noticed. */
  resolved(): ResolvedTelegramConfig {
    return this.resolve();
  }

  view(bot: TelegramBotStatus): TelegramConfigView {
    const r = this.resolved();
    return {
      token_set: r.token !== null,
      token_source: r.source,
      token_hint: r.hint,
      allowed_users: this.damaged() ? [] : this.stored().allowed_users,
      env_allowed_users: parseTelegramUserIds(this.env.TELEGRAM_ALLOWED_USERS).ids,
      problem: r.problem,
      bot,
    };
  }

  /** Applies a change; listeners (the supervisor) hear of it after the file is written. */
  update(input: TelegramConfigUpdate): void {
    const patch = TelegramConfigUpdate.parse(input);
    if (this.damaged())
      throw new ZeblitError('CONFLICT', `The Telegram settings file ${this.file} is damaged`, {
        suggestion: 'Fix it by hand, or remove it and set the token and the allow-list again (writing over it could silently drop an allow-list).',
      });
    const next = this.stored();
    if (patch.bot_token !== undefined) {
      const token = patch.bot_token;
      next.bot_token = token === null ? null : { sealed: this.box.seal(token, LABEL), hint: `…${token.slice(-4)}`, updated_at: this.now() };
    }
    if (patch.allowed_users !== undefined) next.allowed_users = [...new Set(patch.allowed_users ?? [])];
    this.write(next);
    for (const l of this.listeners) l();
  }

  /** Called after every change. Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private damaged(): boolean {
    try {
      this.stored();
      return false;
    } catch (e) {
      if (e instanceof DamagedSettingsError) return true;
      throw e;
    }
  }

  private stored(): StoredSettings {
    if (!existsSync(this.file)) return StoredSettings.parse({ version: 1 });
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      raw = null;
    }
    const parsed = StoredSettings.safeParse(raw);
    if (parsed.success) return parsed.data;
    // Damaged by hand: refuse to guess (the allow-list might be lost); resolve() reports it and the bot does not run.
    throw new DamagedSettingsError(`${this.file} is damaged (not the JSON this daemon writes); fix it, or remove it and configure the bot again`);
  }

  private write(s: StoredSettings): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.file);
  }

  private resolve(): ResolvedTelegramConfig {
    const apiRoot = nonEmpty(this.env.TELEGRAM_API_ROOT);
    const envToken = nonEmpty(this.env.TELEGRAM_BOT_TOKEN);
    const envIds = parseTelegramUserIds(this.env.TELEGRAM_ALLOWED_USERS);
    let stored: StoredSettings;
    try {
      stored = this.stored();
    } catch (e) {
      if (!(e instanceof DamagedSettingsError)) throw e;
      return { token: null, source: null, hint: null, allowedUsers: [], apiRoot, problem: e.message };
    }
    const allowedUsers = [...new Set([...stored.allowed_users, ...envIds.ids])];
    let token: string | null = null;
    let source: ResolvedTelegramConfig['source'] = null;
    let hint: string | null = null;
    let problem: string | null = null;
    if (stored.bot_token) {
      try {
        token = this.box.open(stored.bot_token.sealed, LABEL);
        source = 'config';
        hint = stored.bot_token.hint;
      } catch (e) {
        if (!(e instanceof SealedSecretError)) throw e;
        problem = `The stored bot token cannot be opened: ${e.message}. Set it again with \`zeblit config set telegram.bot_token -\`.`;
      }
    } else if (envToken) {
      token = envToken;
      source = 'env';
      hint = `…${envToken.slice(-4)}`;
    }
    if (envIds.bad.length > 0) problem ??= `TELEGRAM_ALLOWED_USERS holds entries that are not Telegram user ids: ${envIds.bad.join(', ')}. Give numeric ids separated by commas.`;
    if (apiRoot && !/^https?:\/\/[^\s]+$/i.test(apiRoot)) problem ??= `TELEGRAM_API_ROOT must be an http:// or https:// URL, got "${apiRoot}".`;
    return { token, source, hint, allowedUsers, apiRoot, problem };
  }
}

class DamagedSettingsError extends Error {}
