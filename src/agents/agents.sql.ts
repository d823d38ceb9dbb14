import { index, integer, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { projects } from '../projects/projects.sql.ts';

/** A conversation with the agents in one project. */
export const conversations = sqliteTable(
  'conversations',
  {
    id: text('id').primaryKey(),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    user_id: text('user_id'),
    title: text('title').notNull(),
    agent: text('agent').notNull(),
    cost_usd: real('cost_usd').notNull().default(0),
    created_at: integer('created_at').notNull(),
    updated_at: integer('updated_at').notNull(),
  },
  (t) => [index('conversations_project_id_updated_at_idx').on(t.project_id, t.updated_at)],
);

/**
 * The messages of a conversation. `model_content` keeps what the model saw
 * (provider-neutral blocks, JSON) so a later turn replays it exactly; a
 * 'summary' row stands for the older messages it replaced in the context.
 */
export const messages = sqliteTable(
  'messages',
  {
    id: text('id').primaryKey(),
    conversation_id: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    role: text('role', { enum: ['user', 'assistant', 'summary'] }).notNull(),
    agent: text('agent'),
    content: text('content').notNull(),
    model_content: text('model_content', { mode: 'json' }),
    status: text('status'),
    steps: text('steps', { mode: 'json' }).notNull(),
    usage: text('usage', { mode: 'json' }),
    created_at: integer('created_at').notNull(),
  },
  (t) => [index('messages_conversation_id_seq_idx').on(t.conversation_id, t.seq)],
);

/** A tool call waiting for a person (approval: ask). */
export const approvals = sqliteTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    conversation_id: text('conversation_id').notNull(),
    agent: text('agent').notNull(),
    tool: text('tool').notNull(),
    input: text('input', { mode: 'json' }).notNull(),
    reason: text('reason').notNull(),
    status: text('status', { enum: ['pending', 'approved', 'denied', 'expired'] }).notNull(),
    created_at: integer('created_at').notNull(),
    expires_at: integer('expires_at').notNull(),
    decided_at: integer('decided_at'),
    decided_by: text('decided_by'),
    note: text('note'),
  },
  (t) => [index('approvals_project_id_status_idx').on(t.project_id, t.status)],
);

/**
 * How a client that sends the whole conversation each time (the
 * OpenAI-compatible endpoint) finds the stored conversation it continues:
 * after each turn, fingerprints of the transcript the client now holds
 * (every message; and the user messages alone, for clients that rewrite
 * assistant text) point at the conversation. Scoped to a project and agent
 * inside the hash.
 */
export const chat_threads = sqliteTable(
  'chat_threads',
  {
    fingerprint: text('fingerprint').primaryKey(),
    conversation_id: text('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    created_at: integer('created_at').notNull(),
  },
  (t) => [index('chat_threads_conversation_id_idx').on(t.conversation_id)],
);
