import { and, desc, eq } from 'drizzle-orm';
import { createHmac, randomBytes } from 'node:crypto';
import {
  TelegramVerifyRequest,
  ZeblitError,
  newId,
  notFound,
  type CreatedKey,
  type Scope,
  type TelegramLink,
  type TelegramLinkToken,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { telegram_link_tokens, telegram_links } from './auth.sql.ts';
import type { ApiKeys } from './keys.ts';
import { toLink } from './rows.ts';

export const LINK_TOKEN_TTL_MS = 10 * 60_000;

/** What the credential asking for a link token may pass on to the key the link creates. */
export interface LinkGrant {
  /** Of read and write only: a link key never carries admin. */
  scopes: Scope[];
  /** The asking credential's expiry (null: never); the link key does not outlive it. */
  notAfter: number | null;
}

const DEFAULT_GRANT: LinkGrant = { scopes: ['read', 'write'], notAfter: null };

/**
 * Linking a Telegram account: the user asks for a one-time token (valid 10
 * minutes) and sends it to the bot; the bot, with the telegram service
 * credential, trades it for a link and a telegram-client key of the user's,
 * bounded by what the user's asking credential held. A token works once.
 *
 * Invariant: verifying touches only rows of the token's user. A Telegram
 * account linked to another Zeblit user is refused (409), never taken over.
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

  createToken(userId: string, grant: LinkGrant = DEFAULT_GRANT): TelegramLinkToken {
    const now = this.now();
    const token = `tgl_${randomBytes(18).toString('base64url')}`;
    const scopes = grant.scopes.filter((s) => s === 'read' || s === 'write');
    if (scopes.length === 0) throw new ZeblitError('FORBIDDEN', 'A link key needs the read or write scope, and this credential has neither');
    this.db
      .insert(telegram_link_tokens)
      .values({
        id: newId('telegramLink', now),
        user_id: userId,
        token_hash: this.hash(token),
        scopes,
        not_after: grant.notAfter,
        created_at: now,
        expires_at: now + LINK_TOKEN_TTL_MS,
      })
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
      if (tok.not_after !== null && tok.not_after <= now)
        throw new ZeblitError('INVALID_TOKEN', 'The credential that asked for this link token has expired, and a link key may not outlive it', { suggestion });
      // A Telegram account links to one Zeblit user at a time. Relinking it to the same user replaces that user's link;
      // an account linked to someone else is refused: nothing of another user is ever touched.
      const previous = this.db.select().from(telegram_links).where(eq(telegram_links.telegram_user_id, req.telegram_user_id)).get();
      if (previous && previous.user_id !== tok.user_id)
        throw new ZeblitError('CONFLICT', `Telegram account ${req.telegram_user_id} is already linked to another Zeblit user`, {
          suggestion: 'Unlink it from that account first (its user: DELETE /api/v1/auth/telegram/links/{id}), then send the same link token again within its 10 minutes.',
        });
      this.db.update(telegram_link_tokens).set({ used_at: now }).where(eq(telegram_link_tokens.id, tok.id)).run();
      if (previous) {
        if (previous.key_id) this.keys.revoke(tok.user_id, previous.key_id);
        this.db.delete(telegram_links).where(and(eq(telegram_links.id, previous.id), eq(telegram_links.user_id, tok.user_id))).run();
      }
      // Tokens from before link grants were recorded carry none: they had read and write.
      const scopes = (tok.scopes ?? DEFAULT_GRANT.scopes) as Scope[];
      const apiKey = this.keys.create(tok.user_id, { name: `telegram:${req.telegram_user_id}`, client_type: 'telegram', scopes }, { notAfter: tok.not_after });
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
