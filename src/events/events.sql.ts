import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { projects } from '../projects/projects.sql.ts';

/** The durable event log: what a reconnecting client replays from `since_seq`. */
export const events = sqliteTable(
  'events',
  {
    id: text('id').primaryKey(),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    type: text('type').notNull(),
    topic: text('topic').notNull(),
    data: text('data', { mode: 'json' }).notNull(),
    created_at: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('events_project_id_seq_idx').on(t.project_id, t.seq), index('events_project_id_topic_seq_idx').on(t.project_id, t.topic, t.seq)],
);
