/**
 * Task runs from their row to their end: dispatch (record, then start, queue
 * or skip by the concurrency policy), launch, finish (counters, retries), and
 * the queue. Invariant: a run's row is inserted before it starts, under the
 * unique (task, scheduled_for, attempt) index; an insert that changes
 * nothing means that instant already ran, and nothing starts.
 *
 * `batch()` puts many dispatches in one transaction (a timer callback with
 * several tasks due at the same instant): one commit instead of one each,
 * and the runs start only once it is committed.
 */
import { ZeblitError, conflict, newId, type Project, type TaskRunStatus, type TaskRunTrigger } from '../../contracts/index.ts';
import type { Clock } from '../clock.ts';
import type { OnStarted, Outcome } from '../execute.ts';
import type { RunRow, SchedulerStore, TaskRow } from '../store.ts';

export interface EngineLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface RunsDeps {
  store: SchedulerStore;
  clock: Clock;
  project(id: string): Project | undefined;
  execute(task: TaskRow, project: Project, signal: AbortSignal, onStarted: OnStarted): Promise<Outcome>;
  /** The work really started (the command is in the container, the turn began): record it and say so, in one commit. */
  started(task: TaskRow, row: RunRow, start: { started_at: number; run_id: string | null; conversation_id: string | null }): void;
  /** A run was queued or skipped (after its commit). */
  changed(task: TaskRow, row: RunRow): void;
  /** A run ended (after its commit). */
  finished(task: TaskRow, row: RunRow): void;
  /** A queued run that may start at `at` (a retry): wake the engine then. */
  wake(runId: string, at: number): void;
  log: EngineLog;
  /** Queued runs kept per task; beyond it a run is skipped (default 10). */
  maxQueued?: number;
}

export interface DispatchOptions {
  force?: boolean;
  attempt?: number;
  /** Record the instant as skipped, with this reason, instead of running it. */
  skip?: string;
}

interface Handle {
  row: RunRow;
  abort: AbortController;
}

/** Work waiting for a batch's commit; `drop` undoes what was done ahead (the batch rolled back). */
interface Deferred {
  run(): void;
  drop?(): void;
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

export class Runs {
  private readonly active = new Map<string, Map<string, Handle>>();
  private readonly inflight = new Set<Promise<void>>();
  /** Starts not yet written (see launch). */
  private readonly starts = new Map<string, () => void>();
  private deferred: Deferred[] | null = null;
  private projects: Map<string, Project | undefined> | null = null;
  private readonly maxQueued: number;
  /** Nothing starts before the engine started (it first marks what a dead daemon left), nor after it closed. */
  open = false;
  closed = false;

  constructor(private readonly d: RunsDeps) {
    this.maxQueued = d.maxQueued ?? 10;
  }

  count(taskId: string): number {
    return this.active.get(taskId)?.size ?? 0;
  }

  has(taskId: string, runId: string): boolean {
    return this.active.get(taskId)?.has(runId) ?? false;
  }

  /** Resolves once no run is in progress. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** Stops the runs of a deleted task. */
  abort(taskId: string, why: string): void {
    for (const h of this.active.get(taskId)?.values() ?? []) h.abort.abort(why);
  }

  /** `fn` in one transaction; what it starts and announces waits for the commit. */
  batch<T>(fn: () => T): T {
    if (this.deferred) return fn();
    const later: Deferred[] = [];
    this.deferred = later;
    this.projects = new Map();
    let out: T;
    try {
      out = this.d.store.transaction(fn);
    } catch (err) {
      for (const f of later) f.drop?.();
      throw err;
    } finally {
      this.deferred = null;
      this.projects = null;
    }
    for (const f of later) {
      try {
        f.run();
      } catch (err) {
        this.d.log.error({ err }, 'a scheduled run could not start');
      }
    }
    return out;
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

  /**
   * Records one run and starts it, or queues or skips it by the concurrency
   * policy. Returns null when the row already existed (that instant ran).
   */
  dispatch(task: TaskRow, scheduledFor: number, trigger: TaskRunTrigger, opts: DispatchOptions = {}): RunRow | null {
    const now = this.d.clock.now();
    const project = this.projectOf(task.project_id);
    if (!project) return null;
    let status: TaskRunStatus = 'running';
    let reason: string | null = opts.skip ?? null;
    let orphaned = false;
    if (reason) status = 'skipped';
    else if (task.created_by === null) {
      status = 'skipped';
      reason = 'its creator was deleted';
      orphaned = true;
    } else if (project.status === 'archived') {
      status = 'skipped';
      reason = 'the project is archived';
    } else if (!opts.force && this.count(task.id) > 0 && task.concurrency !== 'allow') {
      const first = [...(this.active.get(task.id)?.keys() ?? [])][0];
      if (task.concurrency === 'skip') {
        status = 'skipped';
        reason = `the previous run (${first}) was still running (concurrency: skip)`;
      } else if (this.d.store.queuedCount(task.id) >= this.maxQueued) {
        status = 'skipped';
        reason = `${this.maxQueued} runs are already queued (concurrency: queue)`;
      } else status = 'queued';
    }
    const row: RunRow = {
      ...NO_RESULT,
      id: newId('taskRun', now),
      task_id: task.id,
      project_id: task.project_id,
      scheduled_for: scheduledFor,
      trigger,
      attempt: opts.attempt ?? 1,
      status,
      reason,
      due_at: status === 'queued' ? now : null,
      started_at: status === 'running' ? now : null,
      finished_at: status === 'skipped' ? now : null,
      created_at: now,
      updated_at: now,
    };
    const inserted = this.d.store.transaction(() => {
      const ok = this.d.store.insertRun(row);
      if (ok && status === 'skipped') this.d.store.count(task.id, { missed: 1 });
      if (orphaned) this.d.store.updateTask(task.id, { enabled: false, disabled_reason: 'its creator was deleted', next_run_at: null });
      return ok;
    });
    if (!inserted) return null;
    const fresh = orphaned ? { ...task, enabled: false, disabled_reason: 'its creator was deleted', next_run_at: null } : task;
    if (status === 'running') {
      // Counted as active at once: a second instant of this task in the same batch sees it.
      this.track(task.id, row);
      this.afterCommit(() => this.launch(fresh, row, project), () => this.untrack(task.id, row.id));
    } else this.afterCommit(() => this.d.changed(fresh, row));
    return row;
  }

  /** Starts queued runs that are due, as far as the concurrency policy lets them. */
  pump(taskId: string): void {
    if (!this.open || this.closed) return;
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
        this.afterCommit(() => this.d.changed(task, { ...row, ...patch }));
        continue;
      }
      if (row.due_at !== null && row.due_at > now) {
        this.d.wake(row.id, row.due_at);
        continue;
      }
      if (this.count(task.id) > 0 && task.concurrency !== 'allow') break;
      const project = this.projectOf(task.project_id);
      if (!project || !this.d.store.claimQueued(row.id, now)) continue;
      const claimed = { ...row, status: 'running' as const, started_at: now };
      // Counted as active at once, so the policy holds for the next queued row of this loop.
      this.track(task.id, claimed);
      this.afterCommit(() => this.launch(task, claimed, project), () => this.untrack(task.id, claimed.id));
    }
  }

  private afterCommit(run: () => void, drop?: () => void): void {
    if (this.deferred) this.deferred.push({ run, drop });
    else run();
  }

  /** Projects are read once per batch: a timer callback may fire many tasks of one project. */
  private projectOf(id: string): Project | undefined {
    if (!this.projects) return this.d.project(id);
    if (!this.projects.has(id)) this.projects.set(id, this.d.project(id));
    return this.projects.get(id);
  }

  private track(taskId: string, row: RunRow): Handle {
    let runs = this.active.get(taskId);
    if (!runs) this.active.set(taskId, (runs = new Map()));
    const existing = runs.get(row.id);
    if (existing) return existing;
    const handle = { row, abort: new AbortController() };
    runs.set(row.id, handle);
    return handle;
  }

  private untrack(taskId: string, runId: string): void {
    const runs = this.active.get(taskId);
    runs?.delete(runId);
    if (runs?.size === 0) this.active.delete(taskId);
  }

  private launch(task: TaskRow, row: RunRow, project: Project): void {
    const handle = this.track(task.id, row);
    const onStarted: OnStarted = (s) => {
      const start = { started_at: s.at, run_id: s.run_id ?? row.run_id, conversation_id: s.conversation_id ?? row.conversation_id };
      Object.assign(row, start);
      const record = () => {
        if (!this.starts.delete(row.id)) return;
        try {
          this.d.started(task, row, start);
        } catch (err) {
          this.d.log.warn({ err, run: row.id }, 'run start not recorded');
        }
      };
      // Written once the other runs of this instant have started too (their starts come first); at the latest when this one ends.
      this.starts.set(row.id, record);
      setImmediate(record);
    };
    const work = this.d
      .execute(task, project, handle.abort.signal, onStarted)
      .catch((err: unknown): Outcome => ({ status: 'failed', reason: `internal error: ${err instanceof Error ? err.message : String(err)}`, exit_code: null, stdout: '', stderr: '' }))
      .then((outcome) => this.finish(task.id, row, outcome))
      .catch((err: unknown) => this.d.log.error({ err, task_id: task.id, run: row.id }, 'scheduled run not recorded'))
      .finally(() => {
        this.untrack(task.id, row.id);
        this.inflight.delete(work);
      });
    this.inflight.add(work);
  }

  private finish(taskId: string, row: RunRow, o: Outcome): void {
    this.starts.get(row.id)?.();
    const now = this.d.clock.now();
    this.untrack(taskId, row.id);
    const task = this.d.store.task(taskId);
    if (!task) return; // deleted meanwhile: its rows went with it
    const status = this.closed && o.status !== 'success' ? 'interrupted' : o.status;
    const started = row.started_at ?? now;
    const end = {
      status,
      reason: this.closed && o.status !== 'success' && o.status !== 'interrupted' ? 'the daemon stopped while it ran' : o.reason,
      exit_code: o.exit_code,
      stdout_tail: o.stdout,
      stderr_tail: o.stderr,
      finished_at: now,
      duration_ms: Math.max(0, now - started),
      input_tokens: o.input_tokens ?? null,
      output_tokens: o.output_tokens ?? null,
      cost_usd: o.cost_usd ?? null,
    };
    let retry: RunRow | null =
      (status === 'failed' || status === 'timeout') && row.attempt <= task.max_retries && !this.closed
        ? {
            ...row,
            ...NO_RESULT,
            id: newId('taskRun', now),
            trigger: 'retry',
            attempt: row.attempt + 1,
            status: 'queued',
            reason: `retry ${row.attempt} of ${task.max_retries} after ${status}`,
            due_at: now + task.retry_delay_seconds * 1000,
            started_at: null,
            created_at: now,
            updated_at: now,
          }
        : null;
    this.d.store.transaction(() => {
      this.d.store.finishRun(row.id, end);
      this.d.store.counted(task.id, status === 'success', started, status);
      if (retry && !this.d.store.insertRun(retry)) retry = null;
    });
    this.d.finished(task, { ...row, ...end });
    if (this.closed) return;
    if (retry) {
      this.d.changed(task, retry);
      this.d.wake(retry.id, retry.due_at ?? now);
    }
    this.pump(task.id);
  }
}
