/**
 * The timing core. Invariants:
 *
 * - One timer, armed for the earliest due instant of all tasks (DueQueue);
 *   the next instant is computed from the schedule, never from when a run
 *   ended, so nothing drifts.
 * - Never twice: a run's row is inserted before it starts, in the same
 *   transaction that moves the task's persisted next_run_at; the unique
 *   (task, scheduled_for, attempt) index turns a second attempt at the same
 *   instant into a no-op.
 * - Never silently skipped: instants found already past (a daemon that was
 *   down, a machine that slept, a stalled loop) follow the task's catch_up
 *   policy: `once` runs exactly one catch-up (the latest missed instant, if
 *   within the starting deadline, else a `skipped` row says why), `skip` runs
 *   none; either way missed_count says how many went by.
 * - A disabled or deleted task is out of the queue at once: it never fires
 *   again, and its queued runs are skipped rather than started.
 */
import { ZeblitError, conflict, newId, type Project, type TaskRunStatus, type TaskRunTrigger } from '../contracts/index.ts';
import type { Clock } from './clock.ts';
import { DueQueue } from './due-queue.ts';
import type { Outcome, OnStarted } from './execute.ts';
import { nextAfter, parseSchedule, type ParsedSchedule } from './schedule.ts';
import type { NewRunRow, RunRow, SchedulerStore, TaskRow } from './store.ts';

export interface EngineLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface EngineDeps {
  store: SchedulerStore;
  clock: Clock;
  project(id: string): Project | undefined;
  execute(task: TaskRow, project: Project, signal: AbortSignal, onStarted: OnStarted): Promise<Outcome>;
  /** After the database commit: events and notifications. */
  started(task: TaskRow, row: RunRow): void;
  changed(task: TaskRow, row: RunRow): void;
  finished(task: TaskRow, row: RunRow): void;
  log: EngineLog;
  /** Later than this (ms) and a due instant counts as missed: the catch-up policy decides (default 10 s). */
  lateGraceMs?: number;
  /** Queued runs kept per task; beyond it a run is skipped (default 10). */
  maxQueued?: number;
}

export interface StartReport {
  interrupted: RunRow[];
  caught_up: number;
  missed: number;
  resumed: number;
}

interface Handle {
  row: RunRow;
  abort: AbortController;
}

/** The fields of a run that only its end fills in. */
const NO_RESULT = {
  finished_at: null,
  duration_ms: null,
  exit_code: null,
  stdout_tail: '',
  stderr_tail: '',
  run_id: null,
  conversation_id: null,
  input_tokens: null,
  output_tokens: null,
  cost_usd: null,
  webhook_status: null,
} satisfies Partial<RunRow>;

/** Missed instants counted one by one up to here; beyond, the latest is found directly. */
const COUNT_CAP = 1_000;

export class Engine {
  private readonly due = new DueQueue();
  private readonly active = new Map<string, Map<string, Handle>>();
  private readonly schedules = new Map<string, { key: string; parsed: ParsedSchedule }>();
  private readonly inflight = new Set<Promise<void>>();
  private cancelTimer: (() => void) | null = null;
  private armedAt: number | null = null;
  private closed = false;
  /** Nothing fires before start(): the daemon marks what a dead one left before any new run. */
  private started = false;
  private readonly grace: number;
  private readonly maxQueued: number;

  constructor(private readonly d: EngineDeps) {
    this.grace = d.lateGraceMs ?? 10_000;
    this.maxQueued = d.maxQueued ?? 10;
  }

  /** The parsed schedule of a task, cached until its expression or zone changes. */
  parsed(task: Pick<TaskRow, 'id' | 'schedule' | 'timezone'>): ParsedSchedule {
    const key = `${task.schedule}\u0000${task.timezone}`;
    const cached = this.schedules.get(task.id);
    if (cached?.key === key) return cached.parsed;
    const parsed = parseSchedule(task.schedule, task.timezone);
    this.schedules.set(task.id, { key, parsed });
    return parsed;
  }

  activeCount(taskId: string): number {
    return this.active.get(taskId)?.size ?? 0;
  }

  get armed(): number | null {
    return this.armedAt;
  }

  get tracked(): number {
    return this.due.size;
  }

  /**
   * At daemon start: runs a previous daemon left `running` become
   * `interrupted`; instants missed while it was down follow catch_up; queued
   * runs (the queue policy, retries) carry on; then the timer is armed.
   */
  start(): StartReport {
    const now = this.d.clock.now();
    const report: StartReport = { interrupted: [], caught_up: 0, missed: 0, resumed: 0 };
    for (const r of this.d.store.orphanedRuns()) {
      if (this.isActive(r.task_id, r.id)) continue;
      const patch = { status: 'interrupted' as const, reason: 'the daemon stopped while it ran', finished_at: now, duration_ms: r.started_at === null ? null : now - r.started_at };
      this.d.store.transaction(() => {
        this.d.store.updateRun(r.id, patch);
        this.d.store.count(r.task_id, { runs: 1, failure: 1 }, { last_status: 'interrupted', last_run_at: r.started_at ?? now });
      });
      const row = { ...r, ...patch };
      report.interrupted.push(row);
      const task = this.d.store.task(r.task_id);
      if (task) this.d.finished(task, row);
    }
    for (const task of this.d.store.enabledTasks()) {
      try {
        if (task.next_run_at !== null && task.next_run_at <= now) {
          const r = this.fireDue(task, task.next_run_at, now);
          report.missed += r.missed;
          if (r.ran) report.caught_up++;
        } else this.track(task, task.next_run_at ?? undefined);
      } catch (err) {
        this.d.log.error({ err, task_id: task.id }, 'scheduled task could not be resumed');
      }
    }
    this.started = true;
    const queuedTasks = new Set(this.d.store.queued().map((r) => r.task_id));
    report.resumed = queuedTasks.size;
    for (const id of queuedTasks) this.pump(id);
    this.arm();
    return report;
  }

  /** Stops the timer; runs still going end as `interrupted` (their containers and turns are stopped by their own domains). */
  close(): void {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.armedAt = null;
  }

  /** Resolves once no run of this engine is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Puts an enabled task in the queue at `at` (default: its next instant after
   * now) and persists next_run_at; a disabled one leaves the queue. Changes
   * apply at once: the timer is re-armed.
   */
  track(task: TaskRow, at?: number): number | null {
    if (!task.enabled) {
      this.untrack(task.id);
      return null;
    }
    const next = at ?? nextAfter(this.parsed(task), this.d.clock.now());
    if (next !== task.next_run_at) this.d.store.updateTask(task.id, { next_run_at: next });
    this.due.set(task.id, next);
    this.arm();
    return next;
  }

  untrack(taskId: string): void {
    this.due.delete(taskId);
    this.arm();
  }

  /** A deleted task: out of the queue, and its runs in progress are stopped. */
  forget(taskId: string): void {
    this.untrack(taskId);
    this.schedules.delete(taskId);
    for (const h of this.active.get(taskId)?.values() ?? []) h.abort.abort('the task was deleted');
  }

  /** Run now (manual): the concurrency policy applies unless `force`; skip refuses with CONFLICT. */
  runNow(task: TaskRow, force: boolean): RunRow {
    const running = this.active.get(task.id);
    if (!force && task.concurrency === 'skip' && running && running.size > 0)
      throw conflict(`Task ${task.name} is running (${[...running.keys()][0]}) and its concurrency policy is skip`, 'Wait for it to finish, or force a second run (force: true, --force).');
    // Manual runs are keyed by the instant they were asked for; two in one millisecond take the next one.
    for (let at = this.d.clock.now(), i = 0; i < 100; at++, i++) {
      const row = this.dispatch(task, at, 'manual', { force });
      if (row) return row;
    }
    throw new ZeblitError('CONFLICT', `Task ${task.name} could not be started`);
  }

  // ---- timing ----

  private arm(): void {
    if (this.closed || !this.started) return;
    const head = this.due.peek();
    if (head && head.at === this.armedAt) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.armedAt = null;
    if (!head) return;
    this.armedAt = head.at;
    this.cancelTimer = this.d.clock.setTimer(head.at, this.onTimer);
  }

  private readonly onTimer = (): void => {
    this.cancelTimer = null;
    this.armedAt = null;
    if (this.closed) return;
    const now = this.d.clock.now();
    for (let e = this.due.popDue(now); e; e = this.due.popDue(now)) {
      try {
        if (e.key.startsWith('r:')) {
          const row = this.d.store.run(e.key.slice(2));
          if (row) this.pump(row.task_id);
          continue;
        }
        const task = this.d.store.task(e.key);
        if (task?.enabled) this.fireDue(task, e.at, now);
      } catch (err) {
        this.d.log.error({ err, key: e.key }, 'scheduled task could not fire');
      }
    }
    this.arm();
  };

  /**
   * `at` is due (or long past). Finds every instant up to now, runs the latest
   * (normally, or as the one catch-up), counts the rest as missed, and
   * moves next_run_at past now, in the transaction that records the run.
   */
  private fireDue(task: TaskRow, at: number, now: number): { ran: boolean; missed: number } {
    let parsed: ParsedSchedule;
    try {
      parsed = this.parsed(task);
    } catch (err) {
      // A schedule that no longer parses (a time zone the system lost): the task stops, saying why.
      const reason = `its schedule no longer parses: ${err instanceof Error ? err.message : String(err)}`;
      this.d.store.updateTask(task.id, { enabled: false, disabled_reason: reason, next_run_at: null });
      this.untrack(task.id);
      return { ran: false, missed: 0 };
    }
    let latest = at;
    let count = 1;
    for (let n = nextAfter(parsed, latest); n !== null && n <= now; n = nextAfter(parsed, n)) {
      if (count >= COUNT_CAP) {
        latest = parsed.cron.previousRuns(1, new Date(now + 1))[0]?.getTime() ?? n;
        break;
      }
      latest = n;
      count++;
    }
    const next = nextAfter(parsed, Math.max(now, latest));
    const lateness = now - latest;
    const oneShotDone = next === null && parsed.kind === 'at';
    const update = { next_run_at: next, ...(oneShotDone ? { enabled: false, disabled_reason: 'a one-shot task runs once' } : {}) };
    let missed = count - 1;
    let ran = false;
    if (lateness <= this.grace) ran = this.dispatch(task, latest, 'schedule', { update, missed }) !== null;
    else if (task.catch_up === 'once' && lateness <= task.starting_deadline_seconds * 1000) ran = this.dispatch(task, latest, 'catch_up', { update, missed }) !== null;
    else if (task.catch_up === 'once') {
      const reason = `missed by ${Math.round(lateness / 1000)} s, beyond its starting deadline of ${task.starting_deadline_seconds} s`;
      this.dispatch(task, latest, 'catch_up', { update, missed, skip: reason });
    } else {
      missed++;
      this.d.store.count(task.id, { missed }, update);
    }
    if (missed > 0) this.d.log.info({ task_id: task.id, missed, latest, catch_up: task.catch_up }, 'scheduled runs were missed');
    if (update.next_run_at !== null && !oneShotDone) this.due.set(task.id, update.next_run_at);
    else this.due.delete(task.id);
    return { ran, missed };
  }

  // ---- runs ----

  /**
   * Records one run and starts it, or queues or skips it by the concurrency
   * policy. `update` (the task's next instant, missed count) commits with
   * the run's row. Returns null when the row already existed.
   */
  private dispatch(
    task: TaskRow,
    scheduledFor: number,
    trigger: TaskRunTrigger,
    opts: { force?: boolean; attempt?: number; update?: Partial<TaskRow>; missed?: number; skip?: string } = {},
  ): RunRow | null {
    const now = this.d.clock.now();
    const project = this.d.project(task.project_id);
    if (!project) return null;
    let status: TaskRunStatus = 'running';
    let reason: string | null = opts.skip ?? null;
    let disable: Partial<TaskRow> = {};
    if (reason) status = 'skipped';
    else if (task.created_by === null) {
      status = 'skipped';
      reason = 'its creator was deleted';
      disable = { enabled: false, disabled_reason: 'its creator was deleted', next_run_at: null };
    } else if (project.status === 'archived') {
      status = 'skipped';
      reason = 'the project is archived';
    } else if (!opts.force && this.activeCount(task.id) > 0 && task.concurrency !== 'allow') {
      const first = [...(this.active.get(task.id)?.keys() ?? [])][0];
      if (task.concurrency === 'skip') {
        status = 'skipped';
        reason = `the previous run (${first}) was still running (concurrency: skip)`;
      } else if (this.d.store.queuedCount(task.id) >= this.maxQueued) {
        status = 'skipped';
        reason = `${this.maxQueued} runs are already queued (concurrency: queue)`;
      } else status = 'queued';
    }
    const row: NewRunRow & RunRow = {
      id: newId('taskRun', now),
      task_id: task.id,
      project_id: task.project_id,
      scheduled_for: scheduledFor,
      trigger,
      attempt: opts.attempt ?? 1,
      status,
      reason,
      ...NO_RESULT,
      due_at: status === 'queued' ? now : null,
      started_at: status === 'running' ? now : null,
      finished_at: status === 'skipped' ? now : null,
      created_at: now,
      updated_at: now,
    };
    const inserted = this.d.store.transaction(() => {
      const ok = this.d.store.insertRun(row);
      const missed = (opts.missed ?? 0) + (ok && status === 'skipped' ? 1 : 0);
      const patch = { ...opts.update, ...disable };
      if (missed > 0 || Object.keys(patch).length > 0) this.d.store.count(task.id, { missed }, patch);
      return ok;
    });
    if (disable.enabled === false) this.untrack(task.id);
    if (!inserted) return null;
    const fresh = { ...task, ...opts.update, ...disable };
    if (status === 'running') this.launch(fresh, row, project);
    else this.d.changed(fresh, row);
    return row;
  }

  private launch(task: TaskRow, row: RunRow, project: Project): void {
    const handle: Handle = { row, abort: new AbortController() };
    let runs = this.active.get(task.id);
    if (!runs) this.active.set(task.id, (runs = new Map()));
    runs.set(row.id, handle);
    this.d.started(task, row);
    const onStarted: OnStarted = (s) => {
      const patch = { started_at: s.at, run_id: s.run_id ?? row.run_id, conversation_id: s.conversation_id ?? row.conversation_id };
      Object.assign(row, patch);
      this.safely(() => this.d.store.updateRun(row.id, patch), 'run start not recorded');
    };
    const work = this.d
      .execute(task, project, handle.abort.signal, onStarted)
      .catch((err: unknown): Outcome => ({ status: 'failed', reason: `internal error: ${err instanceof Error ? err.message : String(err)}`, exit_code: null, stdout: '', stderr: '' }))
      .then((outcome) => this.finish(task.id, row, outcome))
      .catch((err: unknown) => this.d.log.error({ err, task_id: task.id, run: row.id }, 'scheduled run not recorded'))
      .finally(() => {
        runs.delete(row.id);
        if (runs.size === 0) this.active.delete(task.id);
        this.inflight.delete(work);
      });
    this.inflight.add(work);
  }

  private finish(taskId: string, row: RunRow, o: Outcome): void {
    const now = this.d.clock.now();
    this.active.get(taskId)?.delete(row.id);
    const task = this.d.store.task(taskId);
    if (!task) return; // deleted meanwhile: its rows went with it
    const status = this.closed && o.status !== 'success' ? 'interrupted' : o.status;
    const started = row.started_at ?? now;
    const patch = {
      status,
      reason: this.closed && status === 'interrupted' && o.status !== 'interrupted' ? 'the daemon stopped while it ran' : o.reason,
      exit_code: o.exit_code,
      stdout_tail: o.stdout,
      stderr_tail: o.stderr,
      finished_at: now,
      duration_ms: Math.max(0, now - started),
      input_tokens: o.input_tokens ?? null,
      output_tokens: o.output_tokens ?? null,
      cost_usd: o.cost_usd ?? null,
    };
    const retry = (status === 'failed' || status === 'timeout') && row.attempt <= task.max_retries && !this.closed;
    let retryRow: (NewRunRow & RunRow) | null = null;
    if (retry) {
      const due = now + task.retry_delay_seconds * 1000;
      retryRow = {
        ...row,
        ...NO_RESULT,
        id: newId('taskRun', now),
        trigger: 'retry',
        attempt: row.attempt + 1,
        status: 'queued',
        reason: `retry ${row.attempt} of ${task.max_retries} after ${status}`,
        due_at: due,
        started_at: null,
        created_at: now,
        updated_at: now,
      };
    }
    const success = status === 'success' ? 1 : 0;
    this.d.store.transaction(() => {
      this.d.store.updateRun(row.id, patch);
      this.d.store.count(task.id, { runs: 1, success, failure: 1 - success }, { last_run_at: started, last_status: status });
      if (retryRow && !this.d.store.insertRun(retryRow)) retryRow = null;
    });
    this.d.finished(task, { ...row, ...patch });
    if (this.closed) return;
    if (retryRow) {
      this.d.changed(task, retryRow);
      this.due.set(`r:${retryRow.id}`, retryRow.due_at ?? now);
      this.arm();
    }
    this.pump(task.id);
  }

  /** Starts queued runs that are due, as far as the concurrency policy lets them. */
  private pump(taskId: string): void {
    if (this.closed || !this.started) return;
    const task = this.d.store.task(taskId);
    if (!task) return;
    const now = this.d.clock.now();
    for (const row of this.d.store.queued(taskId)) {
      if (!task.enabled) {
        const patch = { status: 'skipped' as const, reason: 'the task was disabled before it ran', finished_at: now };
        this.d.store.transaction(() => {
          this.d.store.updateRun(row.id, patch);
          this.d.store.count(task.id, { missed: 1 });
        });
        this.d.changed(task, { ...row, ...patch });
        continue;
      }
      if (row.due_at !== null && row.due_at > now) {
        this.due.set(`r:${row.id}`, row.due_at);
        continue;
      }
      if (this.activeCount(task.id) > 0 && task.concurrency !== 'allow') break;
      const project = this.d.project(task.project_id);
      if (!project || !this.d.store.claimQueued(row.id, now)) continue;
      this.launch(task, { ...row, status: 'running', started_at: now }, project);
    }
    this.arm();
  }

  private isActive(taskId: string, runId: string): boolean {
    return this.active.get(taskId)?.has(runId) ?? false;
  }

  private safely(fn: () => void, what: string): void {
    try {
      fn();
    } catch (err) {
      this.d.log.warn({ err }, what);
    }
  }
}
