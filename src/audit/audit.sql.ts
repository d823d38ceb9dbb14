import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';

/** No foreign keys: the audit trail outlives the users and keys it names. */
export const audit_log = sqliteTable(
  'audit_log',
  {
    id: text('id').primaryKey(),
    user_id: text('user_id'),
    key_id: text('key_id'),
    client_type: text('client_type'),
    transport: text('transport').notNull(),
    action: text('action').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    resource: text('resource'),
    status: integer('status').notNull(),
    outcome: text('outcome', { enum: ['success', 'failure'] }).notNull(),
    request_id: text('request_id').notNull(),
    created_at: integer('created_at').notNull(),
  },
  (t) => [index('audit_log_created_at_idx').on(t.created_at), index('audit_log_user_id_created_at_idx').on(t.user_id, t.created_at)],
);
