import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { timestamps } from '../db/columns.ts';

export const users = sqliteTable(
  'users',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    email: text('email'),
    role: text('role', { enum: ['admin', 'user'] }).notNull(),
    is_owner: integer('is_owner', { mode: 'boolean' }).notNull().default(false),
    ...timestamps,
  },
  (t) => [uniqueIndex('users_name_idx').on(t.name)],
);

export const api_keys = sqliteTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    user_id: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    client_type: text('client_type', { enum: ['cli', 'telegram', 'editor', 'web', 'openai', 'other'] }).notNull(),
    scopes: text('scopes', { mode: 'json' }).$type<string[]>().notNull(),
    /** Set on a service credential only the daemon mints (no scopes; accepted only on its service's route). */
    service: text('service', { enum: ['telegram'] }),
    /**
     * The project the key's requests default to where one is needed and none
     * is named (the OpenAI-compatible agent models). No foreign key: a deleted
     * project leaves the id behind, and using it answers that it is gone.
     */
    project_id: text('project_id'),
    /** HMAC-SHA-256 of the whole key with the server secret; the key itself is never stored. */
    hash: text('hash').notNull(),
    prefix: text('prefix').notNull(),
    created_at: integer('created_at').notNull(),
    expires_at: integer('expires_at'),
    last_used_at: integer('last_used_at'),
    revoked_at: integer('revoked_at'),
  },
  (t) => [index('api_keys_user_id_idx').on(t.user_id)],
);

export const telegram_link_tokens = sqliteTable(
  'telegram_link_tokens',
  {
    id: text('id').primaryKey(),
    user_id: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    token_hash: text('token_hash').notNull(),
    /** What the key the link creates may hold: the scopes (read/write) of the credential that asked for the token... */
    scopes: text('scopes', { mode: 'json' }).$type<string[]>(),
    /** ...and that credential's own expiry: the link key never outlives it. */
    not_after: integer('not_after'),
    created_at: integer('created_at').notNull(),
    expires_at: integer('expires_at').notNull(),
    used_at: integer('used_at'),
  },
  (t) => [uniqueIndex('telegram_link_tokens_token_hash_idx').on(t.token_hash)],
);

export const telegram_links = sqliteTable(
  'telegram_links',
  {
    id: text('id').primaryKey(),
    user_id: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    telegram_user_id: text('telegram_user_id').notNull(),
    chat_id: text('chat_id').notNull(),
    username: text('username'),
    key_id: text('key_id').references(() => api_keys.id, { onDelete: 'set null' }),
    created_at: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('telegram_links_telegram_user_id_idx').on(t.telegram_user_id),
    index('telegram_links_user_id_idx').on(t.user_id),
  ],
);
