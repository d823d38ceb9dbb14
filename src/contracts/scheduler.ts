import { z } from 'zod';
import { AgentName } from './agents.ts';
import { ExecuteRequest, WorkspacePath } from './containers.ts';
import { EnvVars } from './projects.ts';

/**
 * Scheduled tasks: a command or an agent turn run in a project's container on
 * a cron schedule (5 or 6 fields, or a nickname) or once at a given time.
 * Every firing is recorded as a task run; (task, scheduled_for, attempt) is
 * unique, so the same scheduled run can never be recorded twice.
 */
export const TASK_TIMEOUT_DEFAULT_SECONDS = 300;
export const TASK_TIMEOUT_MAX_SECONDS = 86_400;
export const TASK_BULK_MAX = 100;

export const TaskKind = z.enum(['command', 'agent']);
export type TaskKind = z.infer<typeof TaskKind>;
export const ConcurrencyPolicy = z.enum(['skip', 'queue', 'allow']).describe('When a run is due while the previous one still runs: skip it (recorded as skipped), queue it, or run both');
export type ConcurrencyPolicy = z.infer<typeof ConcurrencyPolicy>;
export const CatchUpPolicy = z.enum(['skip', 'once']).describe('Runs missed while the daemon was down: once = exactly one catch-up run (within the starting deadline), skip = none');
export type CatchUpPolicy = z.infer<typeof CatchUpPolicy>;
export const NotifyOn = z.enum(['failure', 'always', 'never']);
export type NotifyOn = z.infer<typeof NotifyOn>;
export const TaskRunTrigger = z.enum(['schedule', 'manual', 'catch_up', 'retry']);
export type TaskRunTrigger = z.infer<typeof TaskRunTrigger>;
export const TaskRunStatus = z.enum(['queued', 'running', 'success', 'failed', 'timeout', 'skipped', 'interrupted']);
export type TaskRunStatus = z.infer<typeof TaskRunStatus>;
export const ScheduleKind = z.enum(['cron', 'at']);
export type ScheduleKind = z.infer<typeof ScheduleKind>;

/** Path words under /scheduled-tasks/ that a task name must not shadow. */
const RESERVED_TASK_NAMES = new Set(['quick', 'validate-schedule', 'bulk-operations', 'stats', 'runs']);

export const TASK_NAME = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'starts with a letter or digit; then letters, digits, . _ -')
  .refine((s) => !/^tsk_/.test(s), 'must not start with tsk_ (that prefix is for ids)')
  .refine((s) => !RESERVED_TASK_NAMES.has(s.toLowerCase()), `is a reserved word of the API (${[...RESERVED_TASK_NAMES].join(', ')})`);

export const ScheduleExpression = z
  .string()
  .trim()
  .min(1, 'the schedule is empty')
  .max(200)
  .describe('Cron with 5 fields (minute hour day month weekday) or 6 (seconds first), a nickname (@hourly, @daily, @weekly, @monthly, @yearly), or a one-shot ISO time (2030-01-31T09:00, in the task time zone unless it carries an offset)');

export const TimeZoneName = z.string().trim().min(1).max(64).describe('IANA time zone, e.g. Europe/Berlin; default: the daemon’s');

/** Each field's rule, written once: create adds the defaults, update takes any subset. */
const TASK_FIELDS = {
  description: z.string().max(2000),
  command: ExecuteRequest.shape.command,
  agent: AgentName.describe('Agent tasks: who does the work'),
  prompt: z.string().trim().min(1).max(100_000).describe('Agent tasks: what the agent is asked, each time'),
  schedule: ScheduleExpression,
  timezone: TimeZoneName,
  working_directory: WorkspacePath,
  environment: EnvVars,
  timeout_seconds: z.number().int().min(1).max(TASK_TIMEOUT_MAX_SECONDS),
  max_retries: z.number().int().min(0).max(10),
  retry_delay_seconds: z.number().int().min(0).max(86_400),
  concurrency: ConcurrencyPolicy,
  catch_up: CatchUpPolicy,
  starting_deadline_seconds: z.number().int().min(1).max(604_800).describe('A missed run starts late only within this many seconds of its time (default 3600)'),
  enabled: z.boolean(),
  notify_on: NotifyOn,
  webhook_url: z.string().trim().max(2048).nullable().describe('POSTed the run record when a notification is due (http or https)'),
};

const kindRule = (v: { kind?: TaskKind; command?: unknown; agent?: unknown; prompt?: unknown }, ctx: z.RefinementCtx) => {
  const kind = v.kind ?? (v.agent !== undefined ? 'agent' : 'command');
  if (kind === 'command') {
    if (v.command === undefined) ctx.addIssue({ code: 'custom', path: ['command'], message: 'a command task needs a command' });
    if (v.agent !== undefined || v.prompt !== undefined) ctx.addIssue({ code: 'custom', path: ['agent'], message: 'a command task has no agent or prompt' });
  } else {
    if (v.agent === undefined) ctx.addIssue({ code: 'custom', path: ['agent'], message: 'an agent task needs an agent' });
    if (v.prompt === undefined) ctx.addIssue({ code: 'custom', path: ['prompt'], message: 'an agent task needs a prompt' });
    if (v.command !== undefined) ctx.addIssue({ code: 'custom', path: ['command'], message: 'an agent task has no command' });
  }
};

const TaskBody = z.strictObject({
  project_id: z.string().trim().min(1).max(100).describe('Project id (prj_…) or name'),
  name: TASK_NAME,
  kind: TaskKind.optional().describe('Default: agent when `agent` is given, else command'),
  description: TASK_FIELDS.description.default(''),
  command: TASK_FIELDS.command.optional().describe('Command tasks: a string is run by `sh -c`; an array is the argv'),
  agent: TASK_FIELDS.agent.optional(),
  prompt: TASK_FIELDS.prompt.optional(),
  timezone: TASK_FIELDS.timezone.optional(),
  working_directory: TASK_FIELDS.working_directory.default('/workspace'),
  environment: TASK_FIELDS.environment.default({}),
  timeout_seconds: TASK_FIELDS.timeout_seconds.default(TASK_TIMEOUT_DEFAULT_SECONDS),
  max_retries: TASK_FIELDS.max_retries.default(0),
  retry_delay_seconds: TASK_FIELDS.retry_delay_seconds.default(60),
  concurrency: TASK_FIELDS.concurrency.default('skip'),
  catch_up: TASK_FIELDS.catch_up.default('once'),
  starting_deadline_seconds: TASK_FIELDS.starting_deadline_seconds.default(3600),
  enabled: TASK_FIELDS.enabled.default(true),
  notify_on: TASK_FIELDS.notify_on.default('failure'),
  webhook_url: TASK_FIELDS.webhook_url.default(null),
});

export const CreateTaskRequest = TaskBody.extend({ schedule: TASK_FIELDS.schedule }).superRefine(kindRule);
export type CreateTaskRequest = z.input<typeof CreateTaskRequest>;
export type CreateTaskInput = z.output<typeof CreateTaskRequest>;

export const QUICK_PRESETS = ['every-minute', 'every-5-minutes', 'every-15-minutes', 'hourly', 'daily', 'weekdays', 'weekly', 'monthly', 'custom'] as const;
export const QuickPreset = z.enum(QUICK_PRESETS);
export type QuickPreset = z.infer<typeof QuickPreset>;
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;

export const QuickTaskRequest = TaskBody.extend({
  preset: QuickPreset,
  time: z
    .string()
    .regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM (24 hours)')
    .default('09:00')
    .describe('daily, weekdays, weekly, monthly: the time of day (default 09:00)'),
  weekday: z.enum(WEEKDAYS).default('monday').describe('weekly: the day (default monday)'),
  day_of_month: z.number().int().min(1).max(28).default(1).describe('monthly: the day (1–28, default 1)'),
  schedule: TASK_FIELDS.schedule.optional().describe('custom: the cron expression'),
}).superRefine((v, ctx) => {
  kindRule(v, ctx);
  if (v.preset === 'custom' && v.schedule === undefined) ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'the custom preset needs a schedule' });
  if (v.preset !== 'custom' && v.schedule !== undefined) ctx.addIssue({ code: 'custom', path: ['schedule'], message: 'only the custom preset takes a schedule' });
});
export type QuickTaskRequest = z.input<typeof QuickTaskRequest>;
export type QuickTaskInput = z.output<typeof QuickTaskRequest>;

export const UpdateTaskRequest = z
  .strictObject({ name: TASK_NAME, ...TASK_FIELDS })
  .partial()
  .refine((v) => Object.keys(v).length > 0, 'nothing to update: give at least one field');
export type UpdateTaskRequest = z.input<typeof UpdateTaskRequest>;
export type UpdateTaskInput = z.output<typeof UpdateTaskRequest>;

export const ScheduledTask = z.object({
  id: z.string(),
  project_id: z.string(),
  name: z.string(),
  description: z.string(),
  kind: TaskKind,
  command: z.union([z.string(), z.array(z.string())]).nullable(),
  agent: AgentName.nullable(),
  prompt: z.string().nullable(),
  schedule: z.string(),
  schedule_kind: ScheduleKind,
  schedule_description: z.string().describe('The schedule in English, e.g. "At 09:00, Monday through Friday"'),
  timezone: z.string(),
  working_directory: z.string(),
  environment: z.record(z.string(), z.string()),
  timeout_seconds: z.number().int(),
  max_retries: z.number().int(),
  retry_delay_seconds: z.number().int(),
  concurrency: ConcurrencyPolicy,
  catch_up: CatchUpPolicy,
  starting_deadline_seconds: z.number().int(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable().describe('Why the daemon disabled it (its creator was deleted, a one-shot ran); null when a person did'),
  notify_on: NotifyOn,
  webhook_url: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: z.number().int(),
  updated_at: z.number().int(),
  last_run_at: z.number().int().nullable(),
  last_status: TaskRunStatus.nullable(),
  next_run_at: z.number().int().nullable().describe('UTC ms of the next scheduled run; null when disabled or a one-shot that ran'),
  run_count: z.number().int(),
  success_count: z.number().int(),
  failure_count: z.number().int(),
  missed_count: z.number().int().describe('Scheduled runs that did not start: missed while the daemon was down or behind, or skipped (concurrency, deadline)'),
  active_runs: z.number().int().describe('Runs in progress now'),
});
export type ScheduledTask = z.infer<typeof ScheduledTask>;

export const TaskRunSummary = z.object({
  id: z.string(),
  task_id: z.string(),
  project_id: z.string(),
  scheduled_for: z.number().int().describe('The instant it was due (UTC ms); for a manual run, when it was asked for'),
  trigger: TaskRunTrigger,
  attempt: z.number().int().describe('1 for the first try; retries count up'),
  status: TaskRunStatus,
  reason: z.string().nullable().describe('Why it was skipped, interrupted or failed to start'),
  due_at: z.number().int().nullable().describe('Queued runs: not before this instant'),
  started_at: z.number().int().nullable(),
  finished_at: z.number().int().nullable(),
  duration_ms: z.number().int().nullable(),
  exit_code: z.number().int().nullable(),
  run_id: z.string().nullable().describe('The container run (run_…) of a command task'),
  conversation_id: z.string().nullable().describe('The conversation (cnv_…) of an agent task'),
  input_tokens: z.number().int().nullable(),
  output_tokens: z.number().int().nullable(),
  cost_usd: z.number().nullable(),
  webhook_status: z.string().nullable().describe('What became of the webhook notification, when one was sent'),
  created_at: z.number().int(),
});
export type TaskRunSummary = z.infer<typeof TaskRunSummary>;

export const TaskRun = TaskRunSummary.extend({
  stdout: z.string().describe('The end of its standard output (an agent task: the answer)'),
  stderr: z.string(),
});
export type TaskRun = z.infer<typeof TaskRun>;

export const ScheduledTaskDetail = ScheduledTask.extend({ recent_runs: z.array(TaskRunSummary) });
export type ScheduledTaskDetail = z.infer<typeof ScheduledTaskDetail>;

const boolish = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');

export const TaskListQuery = z.object({
  project: z.string().max(100).optional().describe('Only this project (id or name)'),
  enabled_only: boolish.default(false),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type TaskListQuery = z.input<typeof TaskListQuery>;

export const TaskRefQuery = z.object({
  project: z.string().max(100).optional().describe('The project, when the task is named rather than given by id'),
});

export const TaskDetailQuery = TaskRefQuery.extend({
  run_limit: z.coerce.number().int().min(0).max(100).default(10).describe('How many recent runs to include'),
});
export type TaskDetailQuery = z.input<typeof TaskDetailQuery>;

export const TaskRunListQuery = TaskRefQuery.extend({
  status: TaskRunStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type TaskRunListQuery = z.input<typeof TaskRunListQuery>;

export const ExecuteTaskRequest = z.strictObject({
  force: z.boolean().default(false).describe('Start even when the concurrency policy would skip or queue it'),
});
export type ExecuteTaskRequest = z.input<typeof ExecuteTaskRequest>;

export const ValidateScheduleRequest = z.strictObject({
  schedule: z.string().max(200),
  timezone: TimeZoneName.optional(),
  count: z.number().int().min(1).max(50).default(5).describe('How many next runs to list'),
});
export type ValidateScheduleRequest = z.input<typeof ValidateScheduleRequest>;

export const ScheduleValidation = z.object({
  is_valid: z.boolean(),
  schedule: z.string(),
  kind: ScheduleKind.nullable(),
  timezone: z.string(),
  error: z
    .object({
      message: z.string(),
      field: z.string().nullable().describe('Which part is wrong: second, minute, hour, day_of_month, month, day_of_week, timezone, or null for the whole'),
      position: z.number().int().nullable().describe('0-based index of that field in the expression'),
    })
    .nullable(),
  description: z.string().nullable(),
  next_runs: z.array(z.object({ at: z.number().int(), local: z.string().describe('In the time zone, ISO 8601 with its offset') })),
});
export type ScheduleValidation = z.infer<typeof ScheduleValidation>;

export const BulkOperation = z.enum(['enable', 'disable', 'delete', 'execute']);
export const BulkRequest = z.strictObject({
  operation: BulkOperation,
  task_ids: z.array(z.string().min(1).max(100)).min(1).max(TASK_BULK_MAX),
});
export type BulkRequest = z.input<typeof BulkRequest>;

export const BulkResult = z.object({
  operation: BulkOperation,
  succeeded: z.number().int(),
  failed: z.number().int(),
  results: z.array(
    z.object({
      id: z.string(),
      success: z.boolean(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
      task: ScheduledTask.nullable(),
      run: TaskRunSummary.nullable(),
    }),
  ),
});
export type BulkResult = z.infer<typeof BulkResult>;

export const StatsQuery = z.object({ project: z.string().max(100).optional() });

export const TaskStats = z.object({
  total: z.number().int(),
  enabled: z.number().int(),
  disabled: z.number().int(),
  running: z.number().int(),
  queued: z.number().int(),
  runs_24h: z.record(TaskRunStatus, z.number().int()).describe('Runs created in the last 24 hours, by status'),
  success_rate_24h: z.number().nullable().describe('success / (success + failed + timeout + interrupted) over 24 hours; null when none finished'),
  missed_total: z.number().int(),
  next_runs: z.array(z.object({ task_id: z.string(), name: z.string(), project_id: z.string(), next_run_at: z.number().int() })),
  overdue: z.array(z.object({ task_id: z.string(), name: z.string(), project_id: z.string(), next_run_at: z.number().int(), overdue_ms: z.number().int() })),
});
export type TaskStats = z.infer<typeof TaskStats>;
