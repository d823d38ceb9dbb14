/**
 * The timing core. Invariants:
 *
 * - One timer, armed for the earliest due instant of all tasks (DueQueue);
 *   the next instant is computed from the schedule, never from when a run
 *   ended, so nothing drifts.
 * - Never twice: a run's row is inserted before it starts, in the
 *   transaction that moves the task's persisted next_run_at; the unique
 *   (task, scheduled_for, attempt) index turns a second attempt at the same
 *   instant into a no-op (see runs.ts).
 * - Never silently skipped: instants found already past (a daemon that was
 *   down, a machine that slept, a stalled loop) follow the task's catch_up
 *   policy: `once` runs exactly one catch-up (the latest missed instant, if
 *   within the starting deadline, else a `skipped` row says why), `skip` runs
 *   none; either way missed_count says how many went by.
 * - A disabled or deleted task is out of the queue at once: it never fires
 *   again, and its queued runs are skipped rather than started.
 */
import type { Clock } from '../clock.ts';
import { DueQueue } from '../due-queue.ts';
import { nextAfter, parseScheduleCached, type ParsedSchedule } from '../schedule.ts';
import type { RunRow, SchedulerStore, TaskRow } from '../store.ts';
import { Runs, type EngineLog, type RunsDeps } from './runs.ts';

export type { EngineLog } from './runs.ts';

export interface EngineDeps extends Omit<RunsDeps, 'wake'> {
  store: SchedulerStore;
  clock: Clock;
  /** Later than this (ms) and a due instant counts as missed: the catch-up policy decides (default 10 s). */
  lateGraceMs?: number;
}

export interface StartReport {
  interrupted: RunRow[];
  caught_up: number;
  missed: number;
  resumed: number;
}

/** Missed instants counted one by one up to here; beyond, the latest is found directly. */
const COUNT_CAP = 1_000;
const RETRY = 'r:';

export class Engine {
  private readonly due = new DueQueue();
  readonly runs: Runs;
  private cancelTimer: (() => void) | null = null;
  private armedAt: number | null = null;
  private readonly grace: number;

  constructor(private readonly d: EngineDeps) {
    this.grace = d.lateGraceMs ?? 10_000;
    this.runs = new Runs({
      ...d,
      wake: (runId, at) => {
        this.due.set(`${RETRY}${runId}`, at);
        this.arm();
      },
    });
  }

  /** The parsed schedule of a task (shared with the tasks of the same expression and zone, see parseScheduleCached). */
  parsed(task: Pick<TaskRow, 'schedule' | 'timezone'>): ParsedSchedule {
    return parseScheduleCached(task.schedule, task.timezone);
  }

  activeCount(taskId: string): number {
    return this.runs.count(taskId);
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
    const { store } = this.d;
    for (const r of store.orphanedRuns()) {
      if (this.runs.has(r.task_id, r.id)) continue;
      const end = { status: 'interrupted' as const, reason: 'the daemon stopped while it ran', finished_at: now, duration_ms: r.started_at === null ? null : now - r.started_at };
      store.transaction(() => {
        store.finishRun(r.id, { ...end, exit_code: null, stdout_tail: r.stdout_tail, stderr_tail: r.stderr_tail, input_tokens: r.input_tokens, output_tokens: r.output_tokens, cost_usd: r.cost_usd });
        store.counted(r.task_id, false, r.started_at ?? now, 'interrupted');
      });
      const row = { ...r, ...end };
      report.interrupted.push(row);
      const task = store.task(r.task_id);
      if (task) this.d.finished(task, row);
    }
    this.runs.open = true;
    this.runs.batch(() => {
      for (const task of store.enabledTasks()) {
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
      const queued = new Set(store.queued().map((r) => r.task_id));
      report.resumed = queued.size;
      for (const id of queued) this.runs.pump(id);
    });
    this.arm();
    return report;
  }

  /** Stops the timer; runs still going end as `interrupted` (their containers and turns are stopped by their own domains). */
  close(): void {
    this.runs.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.armedAt = null;
  }

  idle(): Promise<void> {
    return this.runs.idle();
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
    this.runs.abort(taskId, 'the task was deleted');
  }

  runNow(task: TaskRow, force: boolean): RunRow {
    return this.runs.runNow(task, force);
  }

  // ---- timing ----

  private arm(): void {
    if (this.runs.closed || !this.runs.open) return;
    const head = this.due.peek();
    if (head && head.at === this.armedAt) return;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.armedAt = null;
    if (!head) return;
    this.armedAt = head.at;
    this.cancelTimer = this.d.clock.setTimer(head.at, this.onTimer);
  }

  /** Everything due now, in one transaction; the runs start once it is committed. */
  private readonly onTimer = (): void => {
    this.cancelTimer = null;
    this.armedAt = null;
    if (this.runs.closed) return;
    const now = this.d.clock.now();
    try {
      this.runs.batch(() => {
        for (let e = this.due.popDue(now); e; e = this.due.popDue(now)) {
          try {
            if (e.key.startsWith(RETRY)) {
              const row = this.d.store.run(e.key.slice(RETRY.length));
              if (row) this.runs.pump(row.task_id);
              continue;
            }
            const task = this.d.store.task(e.key);
            if (task?.enabled) this.fireDue(task, e.at, now);
          } catch (err) {
            this.d.log.error({ err, key: e.key }, 'scheduled task could not fire');
          }
        }
      });
    } catch (err) {
      this.d.log.error({ err }, 'scheduled runs could not be recorded');
    }
    this.arm();
  };

  /**
   * `at` is due (or long past). Finds every instant up to now, runs the latest
   * (normally, or as the one catch-up), counts the rest as missed, and moves
   * next_run_at past now, in the transaction that records the run.
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
    let next = nextAfter(parsed, latest);
    while (next !== null && next <= now) {
      if (count >= COUNT_CAP) {
        latest = parsed.cron.previousRuns(1, new Date(now + 1))[0]?.getTime() ?? next;
        next = nextAfter(parsed, Math.max(now, latest));
        break;
      }
      latest = next;
      count++;
      next = nextAfter(parsed, latest);
    }
    const lateness = now - latest;
    let missed = count - 1;
    let ran = false;
    const { store } = this.d;
    if (lateness <= this.grace) ran = this.runs.dispatch(task, latest, 'schedule') !== null;
    else if (task.catch_up === 'once' && lateness <= task.starting_deadline_seconds * 1000) ran = this.runs.dispatch(task, latest, 'catch_up') !== null;
    else if (task.catch_up === 'once') this.runs.dispatch(task, latest, 'catch_up', { skip: `missed by ${Math.round(lateness / 1000)} s, beyond its starting deadline of ${task.starting_deadline_seconds} s` });
    else missed++;
    if (next === null && parsed.kind === 'at') store.updateTask(task.id, { enabled: false, disabled_reason: 'a one-shot task runs once', next_run_at: null });
    else if (next !== task.next_run_at || missed > 0) store.advance(task.id, next, missed);
    if (missed > 0) this.d.log.info({ task_id: task.id, missed, latest, catch_up: task.catch_up }, 'scheduled runs were missed');
    this.due.set(task.id, next);
    return { ran, missed };
  }
}
