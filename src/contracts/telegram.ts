import { z } from 'zod';
import { KeySource } from './llm.ts';

/**
 * The Telegram bot as the daemon sees it: its configuration (the bot token
 * travels only inward and is stored sealed; what comes back says whether one
 * is set, where from, and its last four characters) and the state of the bot
 * process the daemon supervises.
 */

/** A Telegram user id (what the bot sees as `from.id`). */
export const TelegramUserId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** Bot API tokens look like `123456789:AAE…` (digits, a colon, then at least 20 of [A-Za-z0-9_-]). */
export const TELEGRAM_TOKEN_PATTERN = /^\d{1,20}:[A-Za-z0-9_-]{20,200}$/;

export const TelegramBotState = z
  .enum(['not_configured', 'starting', 'running', 'restarting', 'stopped'])
  .describe('not_configured: no token; starting: launched, not polling yet; running: polling; restarting: exited, started again after a backoff; stopped: not running and not retried (shutdown, or a configuration Telegram refuses)');
export type TelegramBotState = z.infer<typeof TelegramBotState>;

export const TelegramBotStatus = z.object({
  state: TelegramBotState,
  pid: z.number().int().nullable(),
  /** Restarts since the daemon started (or since the token last changed). */
  restarts: z.number().int(),
  last_error: z.string().nullable(),
  /** When the current state began (UTC ms). */
  since: z.number().int(),
  /** The bot's @username once it polls. */
  username: z.string().nullable(),
});
export type TelegramBotStatus = z.infer<typeof TelegramBotStatus>;

export const TelegramConfigView = z.object({
  token_set: z.boolean(),
  token_source: KeySource.nullable().describe('config (stored sealed), env (TELEGRAM_BOT_TOKEN of the daemon); a stored token wins'),
  token_hint: z.string().nullable().describe('Last four characters of the token, e.g. "…f3a9"'),
  allowed_users: z.array(TelegramUserId).describe('Stored allow-list; with TELEGRAM_ALLOWED_USERS of the daemon, the bot answers only these Telegram users (both empty: anyone who links)'),
  env_allowed_users: z.array(TelegramUserId).describe("From the daemon's TELEGRAM_ALLOWED_USERS"),
  problem: z.string().nullable().describe('Why the bot cannot run with this configuration, when it cannot'),
  bot: TelegramBotStatus,
});
export type TelegramConfigView = z.infer<typeof TelegramConfigView>;

export const TelegramConfigUpdate = z
  .strictObject({
    bot_token: z
      .string()
      .trim()
      .regex(TELEGRAM_TOKEN_PATTERN, 'must look like a Bot API token from @BotFather: 123456789:AAE… (digits, a colon, 20 or more letters, digits, _ or -)')
      .nullable()
      .optional()
      .describe('null removes the stored token (TELEGRAM_BOT_TOKEN of the daemon then applies, if any)'),
    allowed_users: z.array(TelegramUserId).max(1_000).nullable().optional().describe('null or [] clears the stored allow-list'),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to update');
export type TelegramConfigUpdate = z.infer<typeof TelegramConfigUpdate>;

/** TELEGRAM_ALLOWED_USERS=id,id: the ids, or the entries that are not ids. */
export function parseTelegramUserIds(text: string | undefined): { ids: number[]; bad: string[] } {
  const ids: number[] = [];
  const bad: string[] = [];
  for (const part of (text ?? '').split(/[,\s]+/)) {
    if (!part) continue;
    const n = /^\d{1,16}$/.test(part) ? Number(part) : NaN;
    if (TelegramUserId.safeParse(n).success) {
      if (!ids.includes(n)) ids.push(n);
    } else bad.push(part);
  }
  return { ids, bad };
}
