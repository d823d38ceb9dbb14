import { blob, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import type { CheckpointFile } from '../contracts/index.ts';
import { projects } from '../projects/projects.sql.ts';

/**
 * Content-addressed blobs, shared by every project: one row per distinct
 * sha256, however often the content recurs. Small ones live in `data`; larger
 * ones (data null) in $ZEBLIT_HOME/blobs/ab/cdef…, written before the row.
 */
export const blobs = sqliteTable('blobs', {
  sha256: text('sha256').primaryKey(),
  size: integer('size').notNull(),
  data: blob('data', { mode: 'buffer' }),
  created_at: integer('created_at').notNull(),
});

/** The history of each path: one row per change, numbered 1, 2, 3… per path. Deletions are rows too. */
export const file_versions = sqliteTable(
  'file_versions',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    version: integer('version').notNull(),
    action: text('action', { enum: ['created', 'modified', 'deleted'] }).notNull(),
    /** null for a deletion. */
    sha256: text('sha256'),
    size: integer('size'),
    author: text('author').notNull(),
    run_id: text('run_id'),
    /** The agent turn (checkpoint) that made this change through the API; changes its commands made carry run_id instead. */
    turn_id: text('turn_id'),
    origin: text('origin'),
    created_at: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('file_versions_project_id_path_version_idx').on(t.project_id, t.path, t.version),
    index('file_versions_project_id_created_at_idx').on(t.project_id, t.created_at),
    index('file_versions_sha256_idx').on(t.sha256),
    index('file_versions_project_id_turn_id_idx').on(t.project_id, t.turn_id),
    index('file_versions_project_id_run_id_idx').on(t.project_id, t.run_id),
  ],
);

/**
 * What the daemon last saw on disk, per project and path, so a scan reads only
 * files whose stat changed. `version` is the current version, null when the
 * path is not versioned (ignored, or over the size limit) or not yet: a file
 * of an imported folder is only a baseline row (path, size, mtime) until it
 * first changes, and `sha256` is null until something needs it.
 */
export const file_index = sqliteTable(
  'file_index',
  {
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    size: integer('size').notNull(),
    mtime_ms: real('mtime_ms').notNull(),
    ctime_ms: real('ctime_ms').notNull(),
    sha256: text('sha256'),
    version: integer('version'),
  },
  (t) => [primaryKey({ columns: [t.project_id, t.path] })],
);

/**
 * One agent turn (or auto-fix attempt) as a reviewable, undoable unit. Its
 * files are computed when the turn ends, from the versions it and its
 * commands recorded, and kept here so pruning old versions cannot change
 * what the turn is said to have done.
 */
export const checkpoints = sqliteTable(
  'checkpoints',
  {
    id: text('id').primaryKey(),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    conversation_id: text('conversation_id').notNull(),
    agent: text('agent').notNull(),
    kind: text('kind', { enum: ['turn', 'autofix'] }).notNull(),
    request: text('request').notNull(),
    status: text('status'),
    /** The runs the turn started: their scans carry run_id. */
    runs: text('runs', { mode: 'json' }).$type<string[]>().notNull(),
    files: text('files', { mode: 'json' }).$type<CheckpointFile[]>().notNull(),
    commit: text('commit'),
    commit_note: text('commit_note'),
    undone_at: integer('undone_at'),
    started_at: integer('started_at').notNull(),
    finished_at: integer('finished_at'),
  },
  (t) => [index('checkpoints_project_id_started_at_idx').on(t.project_id, t.started_at)],
);
