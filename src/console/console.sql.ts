import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { projects } from '../projects/projects.sql.ts';

/** One line of console output. `seq` is the project's event seq of its console.output event. */
export const console_entries = sqliteTable(
  'console_entries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    run_id: text('run_id'),
    source: text('source').notNull(),
    stream: text('stream').notNull(),
    level: text('level', { enum: ['info', 'warning', 'error'] }).notNull().default('info'),
    text: text('text').notNull(),
    bytes: integer('bytes').notNull(),
    created_at: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('console_entries_project_id_seq_idx').on(t.project_id, t.seq), index('console_entries_project_id_run_id_seq_idx').on(t.project_id, t.run_id, t.seq)],
);

/** Errors recognised in console output, one row per distinct error (fingerprint); repeats are counted. */
export const detected_errors = sqliteTable(
  'detected_errors',
  {
    id: text('id').primaryKey(),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    fingerprint: text('fingerprint').notNull(),
    type: text('type').notNull(),
    language: text('language').notNull(),
    severity: text('severity', { enum: ['error', 'warning', 'info'] }).notNull(),
    message: text('message').notNull(),
    file: text('file'),
    line: integer('line'),
    suggestion: text('suggestion'),
    run_id: text('run_id'),
    raw: text('raw').notNull(),
    occurrences: integer('occurrences').notNull(),
    first_seen: integer('first_seen').notNull(),
    last_seen: integer('last_seen').notNull(),
  },
  (t) => [uniqueIndex('detected_errors_project_id_fingerprint_idx').on(t.project_id, t.fingerprint), index('detected_errors_project_id_last_seen_idx').on(t.project_id, t.last_seen)],
);
