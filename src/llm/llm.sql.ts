import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/**
 * LLM configuration, one row per key (`config` holds the JSON of everything
 * but the keys). Provider keys live in `provider_keys`, sealed with
 * AES-256-GCM under a key derived from secret.key: the database alone never
 * reveals them.
 */
export const llm_settings = sqliteTable('llm_settings', {
  key: text('key').primaryKey(),
  value: text('value', { mode: 'json' }).notNull(),
  updated_at: integer('updated_at').notNull(),
});

export const provider_keys = sqliteTable('provider_keys', {
  provider: text('provider', { enum: ['anthropic', 'openai', 'compatible'] }).primaryKey(),
  /** base64 of iv (12 bytes) ‖ ciphertext ‖ tag (16 bytes). */
  sealed: text('sealed').notNull(),
  hint: text('hint').notNull(),
  updated_at: integer('updated_at').notNull(),
});

/** Every call to a provider, successful or not (a budget refusal too: outcome 'refused', no tokens). */
export const llm_calls = sqliteTable(
  'llm_calls',
  {
    id: text('id').primaryKey(),
    provider: text('provider', { enum: ['anthropic', 'openai', 'compatible'] }).notNull(),
    model: text('model').notNull(),
    agent: text('agent'),
    project_id: text('project_id'),
    conversation_id: text('conversation_id'),
    /** The API key of the request that made the call, and its client type (null: the socket owner or the daemon itself). */
    key_id: text('key_id'),
    client_type: text('client_type'),
    input_tokens: integer('input_tokens').notNull(),
    output_tokens: integer('output_tokens').notNull(),
    cache_read_tokens: integer('cache_read_tokens').notNull(),
    cache_write_tokens: integer('cache_write_tokens').notNull(),
    cost_usd: real('cost_usd').notNull(),
    latency_ms: integer('latency_ms').notNull(),
    outcome: text('outcome', { enum: ['ok', 'error', 'cancelled', 'refused'] }).notNull(),
    error: text('error'),
    fallback_from: text('fallback_from'),
    attempt: integer('attempt').notNull(),
    created_at: integer('created_at').notNull(),
  },
  (t) => [
    index('llm_calls_created_at_idx').on(t.created_at),
    index('llm_calls_project_id_created_at_idx').on(t.project_id, t.created_at),
    index('llm_calls_conversation_id_idx').on(t.conversation_id),
  ],
);
