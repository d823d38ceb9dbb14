import { and, desc, eq } from 'drizzle-orm';
import { createHmac, randomBytes } from 'node:crypto';
import {
  TelegramVerifyRequest,
  ZeblitError,
  newId,
  notFound,
  type CreatedKey,
  type TelegramLink,
  type TelegramLinkToken,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { telegram_link_tokens, telegram_links } from './auth.sql.ts';
import type { ApiKeys } from './keys.ts';
import { toLink } from './rows.ts';

export const LINK_TOKEN_TTL_MS = 10 * 60_000;

/**
 * Linking a Telegram account: the user asks for a one-time token (valid 10
 * minutes) and sends it to the bot; the bot, with its own key, trades it for a
 * link and a telegram-client key of the user's. A token works once.
 */
export class TelegramLinks {
  constructor(
    private readonly db: Db,
    private readonly keys: ApiKeys,
    private readonly hashKey: Buffer,
    private readonly now: () => number = Date.now,
  ) {}

  private hash(token: string): string {
    return createHmac('sha256', this.hashKey).update(token).digest('base64url');
  }

  createToken(userId: string): TelegramLinkToken {
    const now = this.now();
    const token = `tgl_${randomBytes(18).toString('base64url')}`;
    this.db
      .insert(telegram_link_tokens)
      .values({ id: newId('telegramLink', now), user_id: userId, token_hash: this.hash(token), created_at: now, expires_at: now + LINK_TOKEN_TTL_MS })
      .run();
    return { token, expires_at: now + LINK_TOKEN_TTL_MS, instructions: `Send "/link ${token}" to the Zeblit bot within 10 minutes.` };
  }

  verify(input: unknown): { link: TelegramLink; api_key: CreatedKey } {
    const req = TelegramVerifyRequest.parse(input);
    const now = this.now();
    const suggestion = 'Ask for a new one with POST /api/v1/auth/telegram/link (or `zeblit auth telegram-link`).';
    return this.dbTransaction(() => {
      const tok = this.db.select().from(telegram_link_tokens).where(eq(telegram_link_tokens.token_hash, this.hash(req.token))).get();
      if (!tok) throw new ZeblitError('INVALID_TOKEN', 'Unknown link token', { suggestion });
      if (tok.used_at !== null) throw new ZeblitError('INVALID_TOKEN', 'This link token was already used', { suggestion });
      if (tok.expires_at <= now) throw new ZeblitError('INVALID_TOKEN', 'This link token has expired (tokens are valid 10 minutes)', { suggestion });
      this.db.update(telegram_link_tokens).set({ used_at: now }).where(eq(telegram_link_tokens.id, tok.id)).run();
      // A Telegram account links to one Zeblit user at a time: relinking replaces the old link and revokes its key.
      const previous = this.db.select().from(telegram_links).where(eq(telegram_links.telegram_user_id, req.telegram_user_id)).get();
      if (previous) {
        if (previous.key_id) this.keys.revoke(previous.user_id, previous.key_id);
        this.db.delete(telegram_links).where(eq(telegram_links.id, previous.id)).run();
      }
      const apiKey = this.keys.create(tok.user_id, { name: `telegram:${req.telegram_user_id}`, client_type: 'telegram', scopes: ['read', 'write'] });
      const row = {
        id: newId('telegramLink', now),
        user_id: tok.user_id,
        telegram_user_id: req.telegram_user_id,
        chat_id: req.chat_id,
        username: req.username ?? null,
        key_id: apiKey.id,
        created_at: now,
      };
      this.db.insert(telegram_links).values(row).run();
      return { link: toLink(row), api_key: apiKey };
    });
  }

  list(userId: string): TelegramLink[] {
    return this.db.select().from(telegram_links).where(eq(telegram_links.user_id, userId)).orderBy(desc(telegram_links.created_at)).all().map(toLink);
  }

  /** Unlinking also revokes the key the bot was given for this user. */
  delete(userId: string, linkId: string): TelegramLink {
    const row = this.db.select().from(telegram_links).where(and(eq(telegram_links.id, linkId), eq(telegram_links.user_id, userId))).get();
    if (!row) throw notFound(`Telegram link ${linkId}`);
    if (row.key_id) this.keys.revoke(userId, row.key_id);
    this.db.delete(telegram_links).where(eq(telegram_links.id, linkId)).run();
    return toLink(row);
  }

  private dbTransaction<T>(fn: () => T): T {
    return this.db.transaction(() => fn());
  }
}
