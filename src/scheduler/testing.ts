/**
 * Test helpers for the scheduler: a throwaway home with a real database, bus
 * and projects (the files fixture), a FakeClock that tests move by hand, and
 * a small stand-in for the containers domain that records each command with
 * the instant it started (the timing tests); the real-container tests pass
 * the real Containers instead.
 */
import type { ExecuteInput, ExecuteResult, Project, ZeblitEvent } from '../contracts/index.ts';
import type { OpenedDatabase } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import { filesFixture } from '../files/testing.ts';
import type { Projects } from '../projects/index.ts';
import type { Clock } from './clock.ts';
import type { StartedRun, TaskContainers } from './execute.ts';
import { SchedulerService, type SchedulerDeps, type SchedulerOptions } from './service.ts';

/** A clock a test moves by hand: `advance` fires, in order, every timer that came due (and any they arm meanwhile). */
export class FakeClock implements Clock {
  private t: number;
  private seq = 0;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();

  constructor(start = Date.UTC(2030, 0, 1)) {
    this.t = start;
  }

  now = (): number => this.t;

  setTimer(at: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.timers.set(id, { at, fn });
    return () => void this.timers.delete(id);
  }

  /** Timers armed now (tests check that one timer serves any number of tasks). */
  get pending(): number {
    return this.timers.size;
  }

  /** The earliest armed instant, or null. */
  get nextAt(): number | null {
    let min: number | null = null;
    for (const { at } of this.timers.values()) if (min === null || at < min) min = at;
    return min;
  }

  /** Moves time to `to`, firing due timers at their own instants, earliest first. */
  advanceTo(to: number): void {
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].at <= to && (next === null || e[1].at < next[1].at || (e[1].at === next[1].at && e[0] < next[0]))) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = Math.max(this.t, next[1].at);
      next[1].fn();
    }
    this.t = Math.max(this.t, to);
  }

  advance(ms: number): void {
    this.advanceTo(this.t + ms);
  }

  /** Moves time without firing anything: a daemon that was down, a machine that slept. */
  jump(ms: number): void {
    this.t += ms;
  }
}

export interface Started {
  id: string;
  at: number;
  project_id: string;
  input: ExecuteInput;
  finish(result?: Partial<ExecuteResult>): void;
}

/** Commands start at once and stay running until the test finishes them (or at once with `autoFinish`). */
export class FakeContainers implements TaskContainers {
  readonly started: Started[] = [];
  private n = 0;

  constructor(
    private readonly clock: FakeClock,
    public autoFinish: Partial<ExecuteResult> | null = { exit_code: 0 },
  ) {}

  async run(_ctx: unknown, project: Project, input: ExecuteInput, signal?: AbortSignal): Promise<StartedRun> {
    const id = `run_fake${String(++this.n).padStart(22, '0')}`;
    const at = this.clock.now();
    let resolve!: (r: ExecuteResult) => void;
    const finished = new Promise<ExecuteResult>((r) => (resolve = r));
    const finish = (r: Partial<ExecuteResult> = {}) =>
      resolve({
        run_id: id,
        status: 'exited',
        exit_code: 0,
        stdout: '',
        stderr: '',
        stdout_truncated: false,
        stderr_truncated: false,
        stdout_bytes: 0,
        stderr_bytes: 0,
        duration_ms: this.clock.now() - at,
        timed_out: false,
        oom_killed: false,
        error: null,
        ...r,
      });
    signal?.addEventListener('abort', () => finish({ status: 'killed', exit_code: 137 }), { once: true });
    this.started.push({ id, at, project_id: project.id, input, finish });
    if (this.autoFinish) finish(this.autoFinish);
    return { id, finished };
  }

  /** Every started command that has not been finished by hand yet is finished now. */
  finishAll(result: Partial<ExecuteResult> = {}): void {
    for (const s of this.started) s.finish(result);
  }
}

export interface SchedulerFixture {
  home: string;
  database: OpenedDatabase;
  bus: EventBus;
  projects: Projects;
  ownerId: string;
  events: ZeblitEvent[];
  clock: FakeClock;
  containers: FakeContainers;
  scheduler: SchedulerService;
  project(name?: string): Project;
  /** A new service over the same database and clock, as a restarted daemon builds it (the old one is closed first). */
  restart(opts?: SchedulerOptions): SchedulerService;
  /** Another service over the same database and clock, beside this one (a second daemon racing it). */
  another(opts?: SchedulerOptions): SchedulerService;
  /** Moves the clock, firing what comes due timer by timer, and lets the promise callbacks that queued run. */
  advance(ms: number): Promise<void>;
  /** Moves the clock to the next armed timer and fires it; returns that instant. */
  step(): Promise<number>;
  close(): void;
}

export function schedulerFixture(opts: SchedulerOptions & { start?: number; deps?: Partial<SchedulerDeps>; containers?: TaskContainers } = {}): SchedulerFixture {
  const base = filesFixture();
  const clock = (opts.clock as FakeClock | undefined) ?? new FakeClock(opts.start);
  const containers = new FakeContainers(clock);
  const made: SchedulerService[] = [];
  const make = (o: SchedulerOptions = {}) =>
    new SchedulerService(
      { db: base.database.db, bus: base.bus, projects: base.projects, containers: opts.containers ?? containers, ...opts.deps },
      { defaultTimezone: 'UTC', ...opts, clock, ...o },
    );
  const f: SchedulerFixture = {
    home: base.home,
    database: base.database,
    bus: base.bus,
    projects: base.projects,
    ownerId: base.ownerId,
    events: base.events,
    clock,
    containers,
    scheduler: make(),
    project: (name) => base.project(name),
    restart(o) {
      f.scheduler.close();
      f.scheduler = make(o);
      return f.scheduler;
    },
    another(o) {
      const s = make(o);
      made.push(s);
      return s;
    },
    async advance(ms) {
      const to = clock.now() + ms;
      // Timer by timer, letting each firing's runs settle before the next (as real time would).
      for (let at = clock.nextAt; at !== null && at <= to; at = clock.nextAt) {
        clock.advanceTo(at);
        await settle();
      }
      clock.advanceTo(to);
      await settle();
    },
    async step() {
      const at = clock.nextAt;
      if (at === null) throw new Error('no timer is armed');
      clock.advanceTo(at);
      await settle();
      return at;
    },
    close() {
      f.scheduler.close();
      for (const s of made) s.close();
      base.close();
    },
  };
  return f;
}

/** Lets promise callbacks already queued run (a fake run's end, its recording). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}
