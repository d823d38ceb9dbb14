import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { users } from '../auth/auth.sql.ts';
import { timestamps } from '../db/columns.ts';
import { projects } from '../projects/projects.sql.ts';
import type { ClientType, ContainerHealth, ContainerState, PublishedPort, RunStatus } from '../contracts/index.ts';

/** One row per project that has had a container: what Zeblit believes Docker has. */
export const containers = sqliteTable('containers', {
  project_id: text('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  container_id: text('container_id'),
  name: text('name').notNull(),
  image: text('image'),
  state: text('state').$type<ContainerState>().notNull(),
  config_hash: text('config_hash'),
  health: text('health').$type<ContainerHealth>().notNull().default('unknown'),
  ports: text('ports', { mode: 'json' }).$type<PublishedPort[]>().notNull().default([]),
  exit_code: integer('exit_code'),
  oom_killed: integer('oom_killed', { mode: 'boolean' }).notNull().default(false),
  exit_reason: text('exit_reason'),
  exited_at: integer('exited_at'),
  started_at: integer('started_at'),
  last_active_at: integer('last_active_at'),
  ...timestamps,
});

/** Every command run in a project container, with its output tails. */
export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    user_id: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    key_id: text('key_id'),
    client_type: text('client_type').$type<ClientType>(),
    command: text('command').notNull(),
    argv: text('argv', { mode: 'json' }).$type<string[]>().notNull(),
    cwd: text('cwd').notNull(),
    status: text('status').$type<RunStatus>().notNull(),
    channel: text('channel', { enum: ['runner', 'exec'] }).notNull(),
    detached: integer('detached', { mode: 'boolean' }).notNull().default(false),
    exit_code: integer('exit_code'),
    timed_out: integer('timed_out', { mode: 'boolean' }).notNull().default(false),
    oom_killed: integer('oom_killed', { mode: 'boolean' }).notNull().default(false),
    error: text('error'),
    stdout_tail: text('stdout_tail').notNull().default(''),
    stderr_tail: text('stderr_tail').notNull().default(''),
    stdout_bytes: integer('stdout_bytes').notNull().default(0),
    stderr_bytes: integer('stderr_bytes').notNull().default(0),
    started_at: integer('started_at').notNull(),
    finished_at: integer('finished_at'),
    duration_ms: integer('duration_ms'),
  },
  (t) => [index('runs_project_id_started_at_idx').on(t.project_id, t.started_at), index('runs_status_idx').on(t.status)],
);
