/**
 * The scheduler's public face: tasks of the caller's projects (create, quick
 * presets, list, get, update, delete, enable, disable, run now, bulk), their
 * runs, schedule validation and the overview. Every change applies at once
 * (the engine re-arms); nothing needs a restart.
 */
import {
  BulkRequest,
  CreateTaskRequest,
  QuickTaskRequest,
  TaskDetailQuery,
  TaskListQuery,
  TaskRunListQuery,
  UpdateTaskRequest,
  ValidateScheduleRequest,
  ZeblitError,
  conflict,
  isId,
  newId,
  notFound,
  type BulkResult,
  type PageOf,
  type Project,
  type ScheduledTask,
  type ScheduledTaskDetail,
  type ScheduleValidation,
  type TaskRun,
  type TaskRunStatus,
  type TaskRunSummary,
  type TaskStats,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import type { Notifier } from '../notify/index.ts';
import { assertActive, type Projects } from '../projects/index.ts';
import { realClock, type Clock } from './clock.ts';
import { Engine, type EngineLog, type StartReport } from './engine/index.ts';
import { runAgentTask, runCommandTask, type TaskAgents, type TaskContainers } from './execute.ts';
import { localTimezone, nextAfter, presetSchedule, validateSchedule } from './schedule.ts';
import { SchedulerStore, toRun, toRunSummary, type TaskRow } from './store.ts';
import { Announcer } from './announce.ts';
import { toTask } from './view.ts';

export interface SchedulerDeps {
  db: Db;
  bus: EventBus;
  projects: Projects;
  containers: TaskContainers;
  /** Agent tasks; without it they fail with a reason. */
  agents?: TaskAgents;
  notifier?: Notifier;
  /** Throws VALIDATION_FAILED for a webhook URL that cannot be used (see notify's WebhookSender.check). */
  checkWebhook?: (url: string) => void;
}

export interface SchedulerOptions {
  clock?: Clock;
  /** A task's time zone when it names none (default: the daemon's). */
  defaultTimezone?: string;
  /** Later than this and a due run counts as missed (default 10 s). */
  lateGraceMs?: number;
  /** Queued runs per task (default 10). */
  maxQueued?: number;
  /** Bytes of stdout and stderr kept on each run (default 16 KiB). */
  tailBytes?: number;
  /** Runs kept per task by prune() (default 500). */
  keepRuns?: number;
  log?: EngineLog;
}

const silent: EngineLog = { info() {}, warn() {}, error() {} };
const FAILURES: TaskRunStatus[] = ['failed', 'timeout', 'interrupted'];

export class SchedulerService {
  readonly store: SchedulerStore;
  readonly engine: Engine;
  readonly clock: Clock;
  private readonly timezone: string;
  private readonly log: EngineLog;
  private readonly announce: Announcer;

  constructor(
    private readonly deps: SchedulerDeps,
    private readonly opts: SchedulerOptions = {},
  ) {
    this.clock = opts.clock ?? realClock();
    this.timezone = opts.defaultTimezone ?? localTimezone();
    this.log = opts.log ?? silent;
    this.store = new SchedulerStore(deps.db, this.clock.now);
    this.announce = new Announcer({ bus: deps.bus, store: this.store, notifier: deps.notifier, log: this.log });
    const tailBytes = opts.tailBytes ?? 16 * 1024;
    this.engine = new Engine({
      store: this.store,
      clock: this.clock,
      log: this.log,
      lateGraceMs: opts.lateGraceMs,
      maxQueued: opts.maxQueued,
      project: (id) => deps.projects.findById(id),
      execute: (task, project, signal, onStarted) => {
        if (task.kind === 'command') return runCommandTask(deps.containers, task, project, signal, onStarted, this.clock.now, tailBytes);
        if (!deps.agents) return Promise.resolve({ status: 'failed', reason: 'agent tasks are not available in this daemon', exit_code: null, stdout: '', stderr: '' });
        return runAgentTask(deps.agents, task, project, signal, onStarted, this.clock.now, tailBytes);
      },
      started: (task, row, start) => this.announce.started(task, row, start),
      changed: (task, row) => this.announce.changed(task, row),
      finished: (task, row) => this.announce.finished(task, row),
    });
  }

  /** At daemon start (see Engine.start): interrupted runs, catch-up, queued runs, the timer. */
  start(): StartReport {
    return this.engine.start();
  }

  close(): void {
    this.engine.close();
  }

  /** Resolves once no run is in progress and every notification went out (tests). */
  async idle(): Promise<void> {
    await this.engine.idle();
    await this.announce.idle();
  }

  // ---- tasks ----

  create(userId: string, input: CreateTaskRequest): ScheduledTask {
    const req = CreateTaskRequest.parse(input);
    const project = this.deps.projects.get(userId, req.project_id);
    assertActive(project);
    const timezone = req.timezone ?? this.timezone;
    const next = this.checkSchedule(req.schedule, timezone);
    if (req.webhook_url) this.deps.checkWebhook?.(req.webhook_url);
    const now = this.clock.now();
    const row: TaskRow = {
      id: newId('task', now),
      project_id: project.id,
      name: req.name,
      description: req.description,
      kind: req.kind ?? (req.agent !== undefined ? 'agent' : 'command'),
      command: req.command ?? null,
      agent: req.agent ?? null,
      prompt: req.prompt ?? null,
      schedule: req.schedule,
      timezone,
      working_directory: req.working_directory,
      environment: req.environment,
      timeout_seconds: req.timeout_seconds,
      max_retries: req.max_retries,
      retry_delay_seconds: req.retry_delay_seconds,
      concurrency: req.concurrency,
      catch_up: req.catch_up,
      starting_deadline_seconds: req.starting_deadline_seconds,
      enabled: req.enabled,
      disabled_reason: null,
      notify_on: req.notify_on,
      webhook_url: req.webhook_url,
      created_by: userId,
      last_run_at: null,
      last_status: null,
      next_run_at: req.enabled ? next : null,
      run_count: 0,
      success_count: 0,
      failure_count: 0,
      missed_count: 0,
      created_at: now,
      updated_at: now,
    };
    try {
      this.store.insertTask(row);
    } catch (e) {
      if (String(e).includes('UNIQUE')) throw conflict(`Project ${project.name} already has a task named "${req.name}"`, 'Choose another name, or update the existing task.');
      throw e;
    }
    this.engine.track(row, row.next_run_at ?? undefined);
    return toTask(row, 0);
  }

  /** A preset (hourly, daily at 09:00, weekdays…) turned into a cron expression, then create(). */
  quick(userId: string, input: QuickTaskRequest): ScheduledTask {
    const { preset, time, weekday, day_of_month, schedule, ...rest } = QuickTaskRequest.parse(input);
    return this.create(userId, { ...rest, schedule: presetSchedule({ preset, time, weekday, day_of_month, schedule }) });
  }

  list(userId: string, input: TaskListQuery = {}): PageOf<ScheduledTask> {
    const q = TaskListQuery.parse(input);
    const projectId = q.project ? this.deps.projects.get(userId, q.project).id : undefined;
    const page = this.store.list(userId, { projectId, enabledOnly: q.enabled_only, limit: q.limit, offset: q.offset });
    return { ...page, items: page.items.map((r) => this.view(r)) };
  }

  get(userId: string, ref: string, input: TaskDetailQuery = {}): ScheduledTaskDetail {
    const q = TaskDetailQuery.parse(input);
    const task = this.resolve(userId, ref, q.project);
    return { ...this.view(task), recent_runs: this.store.recentRuns(task.id, q.run_limit).map(toRunSummary) };
  }

  /** Takes effect at once: a new schedule, zone or enabled state re-arms the timer. */
  update(userId: string, ref: string, input: UpdateTaskRequest, project?: string): ScheduledTask {
    const req = UpdateTaskRequest.parse(input);
    const task = this.resolve(userId, ref, project);
    if (task.kind === 'command' && (req.agent !== undefined || req.prompt !== undefined))
      throw new ZeblitError('VALIDATION_FAILED', 'Invalid request: a command task has no agent or prompt', { details: [{ field: 'agent', message: 'a command task has no agent or prompt', code: 'custom' }] });
    if (task.kind === 'agent' && req.command !== undefined)
      throw new ZeblitError('VALIDATION_FAILED', 'Invalid request: an agent task has no command', { details: [{ field: 'command', message: 'an agent task has no command', code: 'custom' }] });
    const merged: TaskRow = { ...task, ...req, updated_at: this.clock.now() };
    const timing = req.schedule !== undefined || req.timezone !== undefined || req.enabled !== undefined;
    if (req.schedule !== undefined || req.timezone !== undefined || (req.enabled && !task.enabled)) this.checkSchedule(merged.schedule, merged.timezone);
    if (req.webhook_url) this.deps.checkWebhook?.(req.webhook_url);
    if (req.enabled === true) merged.disabled_reason = null;
    if (timing) merged.next_run_at = merged.enabled ? nextAfter(this.engine.parsed(merged), this.clock.now()) : null;
    const { id: _id, project_id: _p, created_at: _c, created_by: _b, ...patch } = merged;
    try {
      this.store.updateTask(task.id, patch);
    } catch (e) {
      if (String(e).includes('UNIQUE')) throw conflict(`This project already has a task named "${req.name}"`);
      throw e;
    }
    if (timing) this.engine.track(merged, merged.next_run_at ?? undefined);
    return this.view(merged);
  }

  setEnabled(userId: string, ref: string, enabled: boolean, project?: string): ScheduledTask {
    return this.update(userId, ref, { enabled }, project);
  }

  /** Gone at once: out of the timer, its runs in progress stopped, its records deleted. */
  delete(userId: string, ref: string, project?: string): ScheduledTask {
    const task = this.resolve(userId, ref, project);
    this.engine.forget(task.id);
    this.store.deleteTask(task.id);
    return toTask(task, 0);
  }

  /** Run now: the concurrency policy applies unless `force` (skip refuses with CONFLICT, queue queues). */
  execute(userId: string, ref: string, force = false, project?: string): TaskRunSummary {
    const task = this.resolve(userId, ref, project);
    const p = this.deps.projects.findById(task.project_id) as Project;
    assertActive(p);
    if (task.created_by === null) throw conflict(`Task ${task.name} has no owner any more (its creator was deleted)`, 'Create it again under your name.');
    return toRunSummary(this.engine.runNow(task, force));
  }

  /** One operation on up to 100 tasks; each id gets its own result, a failure does not stop the others. */
  bulk(userId: string, input: BulkRequest): BulkResult {
    const req = BulkRequest.parse(input);
    const results = req.task_ids.map((id) => {
      try {
        if (req.operation === 'execute') return { id, success: true, error: null, task: null, run: this.execute(userId, id) };
        const task = req.operation === 'delete' ? this.delete(userId, id) : this.setEnabled(userId, id, req.operation === 'enable');
        return { id, success: true, error: null, task, run: null };
      } catch (e) {
        const err = e instanceof ZeblitError ? { code: e.code, message: e.message } : { code: 'INTERNAL', message: 'internal error' };
        if (!(e instanceof ZeblitError)) this.log.error({ err: e, task_id: id }, 'bulk operation failed');
        return { id, success: false, error: err, task: null, run: null };
      }
    });
    const succeeded = results.filter((r) => r.success).length;
    return { operation: req.operation, succeeded, failed: results.length - succeeded, results };
  }

  validate(input: ValidateScheduleRequest): ScheduleValidation {
    const req = ValidateScheduleRequest.parse(input);
    return validateSchedule(req.schedule, req.timezone ?? this.timezone, req.count, this.clock.now());
  }

  // ---- runs ----

  runs(userId: string, ref: string, input: TaskRunListQuery = {}): PageOf<TaskRunSummary> {
    const q = TaskRunListQuery.parse(input);
    const task = this.resolve(userId, ref, q.project);
    return this.store.listRuns(task.id, { status: q.status, limit: q.limit, offset: q.offset });
  }

  run(userId: string, runId: string): TaskRun {
    const row = this.store.ownedRun(userId, runId);
    if (!row) throw notFound(`Task run ${runId}`, 'List the runs of a task with GET /scheduled-tasks/{id}/runs (zeblit schedule status <task>).');
    return toRun(row);
  }

  stats(userId: string, project?: string): TaskStats {
    const now = this.clock.now();
    const projectId = project ? this.deps.projects.get(userId, project).id : undefined;
    const tasks = this.store.all(userId, projectId);
    const counts = this.store.runCounts(userId, projectId, now - 86_400_000);
    const runs_24h = Object.fromEntries((['queued', 'running', 'success', 'failed', 'timeout', 'skipped', 'interrupted'] as const).map((s) => [s, counts[s] ?? 0])) as TaskStats['runs_24h'];
    const finished = runs_24h.success + FAILURES.reduce((n, s) => n + runs_24h[s], 0);
    const enabled = tasks.filter((t) => t.enabled);
    const upcoming = enabled.filter((t): t is TaskRow & { next_run_at: number } => t.next_run_at !== null).sort((a, b) => a.next_run_at - b.next_run_at);
    // Overdue: due longer ago than the grace a late timer has; the scheduler should have fired it.
    const overdue = upcoming.filter((t) => now - t.next_run_at > (this.opts.lateGraceMs ?? 10_000));
    return {
      total: tasks.length,
      enabled: enabled.length,
      disabled: tasks.length - enabled.length,
      running: tasks.reduce((n, t) => n + this.engine.activeCount(t.id), 0),
      queued: runs_24h.queued,
      runs_24h,
      success_rate_24h: finished === 0 ? null : runs_24h.success / finished,
      missed_total: tasks.reduce((n, t) => n + t.missed_count, 0),
      next_runs: upcoming.slice(0, 10).map((t) => ({ task_id: t.id, name: t.name, project_id: t.project_id, next_run_at: t.next_run_at })),
      overdue: overdue.map((t) => ({ task_id: t.id, name: t.name, project_id: t.project_id, next_run_at: t.next_run_at, overdue_ms: now - t.next_run_at })),
    };
  }

  /** The latest results of a project's tasks, one line each (the agents' context). */
  recentResults(projectId: string, limit = 5): string[] {
    return this.store.projectResults(projectId, limit).map(({ name, run }) => {
      const when = new Date(run.finished_at ?? run.created_at).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const detail = run.reason ? `: ${run.reason}` : run.exit_code !== null ? ` (exit ${run.exit_code})` : '';
      return `${name} ${run.status} at ${when} (${run.trigger}${run.attempt > 1 ? `, attempt ${run.attempt}` : ''})${detail}`.slice(0, 300);
    });
  }

  /** Keeps each task's newest runs (default 500; older finished ones beyond that go). */
  prune(): number {
    return this.store.prune(this.opts.keepRuns ?? 500, this.clock.now());
  }

  // ---- internals ----

  private view(task: TaskRow): ScheduledTask {
    return toTask(task, this.engine.activeCount(task.id));
  }

  /** A task by id, or by name within the caller's projects (within `project` when given). */
  private resolve(userId: string, ref: string, project?: string): TaskRow {
    if (isId('task', ref)) {
      const t = this.store.ownedTask(userId, ref);
      if (!t) throw notFound(`Scheduled task ${ref}`, 'List your tasks with `zeblit schedule list`.');
      return t;
    }
    const projectId = project ? this.deps.projects.get(userId, project).id : undefined;
    const found = this.store.ownedByName(userId, ref, projectId);
    const [first, second] = found;
    if (!first) throw notFound(`Scheduled task ${ref}`, 'List your tasks with `zeblit schedule list`.');
    if (second) throw new ZeblitError('BAD_REQUEST', `${found.length} of your projects have a task named "${ref}"`, { suggestion: 'Name the project (?project=…, --project), or use the task id (tsk_…).' });
    return first;
  }

  /** The next instant of a schedule, or VALIDATION_FAILED saying what is wrong with it. */
  private checkSchedule(schedule: string, timezone: string): number {
    const v = validateSchedule(schedule, timezone, 1, this.clock.now());
    if (!v.is_valid || !v.next_runs[0]) {
      const field = v.error?.field === 'timezone' ? 'timezone' : 'schedule';
      const message = v.error?.message ?? 'invalid schedule';
      throw new ZeblitError('VALIDATION_FAILED', `Invalid request: ${field}: ${message}`, {
        details: [{ field, message, code: 'custom', ...(v.error?.field && field === 'schedule' ? { part: v.error.field, position: v.error.position } : {}) }],
        suggestion: 'Check a schedule with `zeblit schedule validate "<expr>"` (POST /scheduled-tasks/validate-schedule).',
      });
    }
    return v.next_runs[0].at;
  }
}
