import { index, integer, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { users } from '../auth/auth.sql.ts';
import { timestamps } from '../db/columns.ts';
import { projects } from '../projects/projects.sql.ts';
import type { AgentName, CatchUpPolicy, ConcurrencyPolicy, NotifyOn, TaskKind, TaskRunStatus, TaskRunTrigger } from '../contracts/index.ts';

/** A task on a schedule in one project: a command or an agent turn. next_run_at is persisted so a restart knows what it missed. */
export const scheduled_tasks = sqliteTable(
  'scheduled_tasks',
  {
    id: text('id').primaryKey(),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    kind: text('kind').$type<TaskKind>().notNull(),
    command: text('command', { mode: 'json' }).$type<string | string[] | null>(),
    agent: text('agent').$type<AgentName>(),
    prompt: text('prompt'),
    schedule: text('schedule').notNull(),
    timezone: text('timezone').notNull(),
    working_directory: text('working_directory').notNull(),
    environment: text('environment', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    timeout_seconds: integer('timeout_seconds').notNull(),
    max_retries: integer('max_retries').notNull(),
    retry_delay_seconds: integer('retry_delay_seconds').notNull(),
    concurrency: text('concurrency').$type<ConcurrencyPolicy>().notNull(),
    catch_up: text('catch_up').$type<CatchUpPolicy>().notNull(),
    starting_deadline_seconds: integer('starting_deadline_seconds').notNull(),
    enabled: integer('enabled', { mode: 'boolean' }).notNull(),
    disabled_reason: text('disabled_reason'),
    notify_on: text('notify_on').$type<NotifyOn>().notNull(),
    webhook_url: text('webhook_url'),
    created_by: text('created_by').references(() => users.id, { onDelete: 'set null' }),
    last_run_at: integer('last_run_at'),
    last_status: text('last_status').$type<TaskRunStatus>(),
    next_run_at: integer('next_run_at'),
    run_count: integer('run_count').notNull().default(0),
    success_count: integer('success_count').notNull().default(0),
    failure_count: integer('failure_count').notNull().default(0),
    missed_count: integer('missed_count').notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex('scheduled_tasks_project_id_name_idx').on(t.project_id, t.name), index('scheduled_tasks_enabled_next_run_at_idx').on(t.enabled, t.next_run_at)],
);

/**
 * Every firing of a task. The unique index on (task_id, scheduled_for,
 * attempt) is the guard against running one scheduled instant twice: the row
 * is inserted before the run starts, and a conflict means it already was.
 */
export const scheduled_task_runs = sqliteTable(
  'scheduled_task_runs',
  {
    id: text('id').primaryKey(),
    task_id: text('task_id')
      .notNull()
      .references(() => scheduled_tasks.id, { onDelete: 'cascade' }),
    project_id: text('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    scheduled_for: integer('scheduled_for').notNull(),
    trigger: text('trigger').$type<TaskRunTrigger>().notNull(),
    attempt: integer('attempt').notNull(),
    status: text('status').$type<TaskRunStatus>().notNull(),
    reason: text('reason'),
    due_at: integer('due_at'),
    started_at: integer('started_at'),
    finished_at: integer('finished_at'),
    duration_ms: integer('duration_ms'),
    exit_code: integer('exit_code'),
    stdout_tail: text('stdout_tail').notNull().default(''),
    stderr_tail: text('stderr_tail').notNull().default(''),
    run_id: text('run_id'),
    conversation_id: text('conversation_id'),
    input_tokens: integer('input_tokens'),
    output_tokens: integer('output_tokens'),
    cost_usd: real('cost_usd'),
    webhook_status: text('webhook_status'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('scheduled_task_runs_task_id_scheduled_for_attempt_idx').on(t.task_id, t.scheduled_for, t.attempt),
    index('scheduled_task_runs_task_id_created_at_idx').on(t.task_id, t.created_at),
    index('scheduled_task_runs_status_idx').on(t.status),
    index('scheduled_task_runs_project_id_created_at_idx').on(t.project_id, t.created_at),
  ],
);
