/**
 * The scheduler's timing with a fake clock and a real database: instants
 * across time zones and DST, no drift, overlap policies, retries, catch-up
 * after downtime, never twice, and changes that apply at once.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import type { CreateTaskRequest, ZeblitError } from '../contracts/index.ts';
import { localIso } from './schedule.ts';
import { schedulerFixture, settle, type SchedulerFixture } from './testing.ts';

let f: SchedulerFixture;
afterEach(() => f?.close());

const START = Date.UTC(2030, 0, 1, 0, 0, 0); // a Tuesday, 00:00 UTC
const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

function setup(start = START, opts: Parameters<typeof schedulerFixture>[0] = {}) {
  f = schedulerFixture({ start, ...opts });
  const project = f.project('p');
  f.scheduler.start();
  const create = (body: Partial<CreateTaskRequest> & { name: string; schedule: string }) => f.scheduler.create(f.ownerId, { project_id: project.id, command: 'echo hi', ...body });
  const runs = (taskId: string) => f.scheduler.runs(f.ownerId, taskId, { limit: 500 }).items.reverse();
  return { project, create, runs };
}

describe('firing instants', () => {
  test('one timer serves every task; each fires at its own instant in its own time zone', async () => {
    const { create } = setup();
    const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Adelaide'];
    const tasks = zones.map((tz, i) => create({ name: `t${i}`, schedule: '0 9 * * *', timezone: tz }));
    assert.equal(f.clock.pending, 1, 'one timer for five tasks');
    await f.advance(2 * DAY);
    const byTask = new Map<string, string[]>();
    for (const s of f.containers.started) {
      const task = tasks.find((t) => t.project_id === s.project_id);
      assert.ok(task);
    }
    for (const [i, t] of tasks.entries()) {
      const runs = f.scheduler.runs(f.ownerId, t.id).items.reverse();
      byTask.set(t.name, runs.map((r) => localIso(r.scheduled_for, zones[i] as string)));
      for (const r of runs) {
        assert.equal(r.status, 'success');
        assert.equal(r.started_at, r.scheduled_for, 'started on the instant');
      }
    }
    assert.deepEqual(byTask.get('t0'), ['2030-01-01T09:00:00+00:00', '2030-01-02T09:00:00+00:00']);
    assert.deepEqual(byTask.get('t1'), ['2030-01-01T09:00:00+01:00', '2030-01-02T09:00:00+01:00']);
    assert.deepEqual(byTask.get('t2'), ['2030-01-01T09:00:00-05:00', '2030-01-02T09:00:00-05:00']);
    // Tokyo's 09:00 on the 1st (00:00 UTC) is the start instant itself: the next is the 2nd and 3rd.
    assert.deepEqual(byTask.get('t3'), ['2030-01-02T09:00:00+09:00', '2030-01-03T09:00:00+09:00']);
    assert.deepEqual(byTask.get('t4'), ['2030-01-02T09:00:00+10:30', '2030-01-03T09:00:00+10:30']);
    assert.equal(f.clock.pending, 1);
  });

  test('a daily 02:30 task in Europe/Berlin runs exactly once on both DST transition days', async () => {
    for (const [start, transition] of [
      [Date.UTC(2025, 2, 28), '2025-03-30'],
      [Date.UTC(2025, 9, 24), '2025-10-26'],
    ] as const) {
      f?.close();
      const { create, runs } = setup(start);
      const t = create({ name: 'nightly', schedule: '30 2 * * *', timezone: 'Europe/Berlin' });
      for (let h = 0; h < 5 * 24; h++) await f.advance(HOUR);
      const days = runs(t.id).map((r) => localIso(r.scheduled_for, 'Europe/Berlin').slice(0, 10));
      assert.equal(days.filter((d) => d === transition).length, 1, `${transition}: ${days.join(', ')}`);
      assert.equal(new Set(days).size, days.length, 'one run per day');
      assert.equal(days.length, 5);
    }
  });

  test('a 6-field every-second task does not drift: run n starts at start + n s, whatever the runs take', async () => {
    const { create, runs } = setup(START + 250);
    f.containers.autoFinish = null;
    const t = create({ name: 'tick', schedule: '* * * * * *', concurrency: 'allow' });
    for (let i = 0; f.containers.started.length < 120; i++) {
      await f.step();
      // Each run ends a little later; the next instant comes from the schedule, not from the end.
      f.clock.jump(1 + (i % 7) * 50);
      f.containers.started.at(-1)?.finish();
      await settle();
    }
    const starts = runs(t.id).map((r) => r.scheduled_for - START);
    assert.equal(starts.length, 120);
    assert.deepEqual(starts, Array.from({ length: 120 }, (_, i) => (i + 1) * 1000));
    assert.deepEqual(f.containers.started.map((s) => s.at - START), starts, 'each command started on its instant');
  });

  test('a one-shot `at` task runs once and is then disabled, saying why', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'once', schedule: '2030-01-01T10:00:00Z' });
    assert.equal(t.schedule_kind, 'at');
    assert.equal(t.next_run_at, START + 10 * HOUR);
    await f.advance(DAY);
    assert.deepEqual(runs(t.id).map((r) => r.scheduled_for), [START + 10 * HOUR]);
    const after = f.scheduler.get(f.ownerId, t.id);
    assert.equal(after.enabled, false);
    assert.equal(after.next_run_at, null);
    assert.equal(after.disabled_reason, 'a one-shot task runs once');
  });
});

describe('overlap policies', () => {
  const overlap = async (concurrency: 'skip' | 'queue' | 'allow') => {
    const { create, runs } = setup();
    f.containers.autoFinish = null;
    const t = create({ name: `o-${concurrency}`, schedule: '* * * * *', concurrency });
    await f.advance(MIN); // run 1 starts and keeps running
    await f.advance(MIN); // tick 2 while run 1 runs
    return { t, runs: () => runs(t.id) };
  };

  test('skip: the second instant is recorded as skipped, with the reason, and counted as missed', async () => {
    const { t, runs } = await overlap('skip');
    const [first, second] = runs();
    assert.equal(first?.status, 'running');
    assert.equal(second?.status, 'skipped');
    assert.match(second?.reason ?? '', new RegExp(`previous run \\(${first?.id}\\) was still running \\(concurrency: skip\\)`));
    assert.equal(f.containers.started.length, 1);
    assert.equal(f.scheduler.get(f.ownerId, t.id).missed_count, 1);
  });

  test('queue: the second instant waits and starts when the first ends', async () => {
    const { runs } = await overlap('queue');
    assert.deepEqual(runs().map((r) => r.status), ['running', 'queued']);
    assert.equal(f.containers.started.length, 1);
    f.containers.started[0]?.finish();
    await settle();
    assert.deepEqual(runs().map((r) => r.status), ['success', 'running']);
    assert.equal(f.containers.started.length, 2);
    assert.equal(runs()[1]?.scheduled_for, START + 2 * MIN, 'it keeps its own instant');
  });

  test('allow: both run at once', async () => {
    const { runs } = await overlap('allow');
    assert.deepEqual(runs().map((r) => r.status), ['running', 'running']);
    assert.equal(f.containers.started.length, 2);
  });

  test('manual runs: skip refuses with CONFLICT unless forced', async () => {
    const { t } = await overlap('skip');
    assert.throws(() => f.scheduler.execute(f.ownerId, t.id), (e: ZeblitError) => e.code === 'CONFLICT' && /force/.test(e.suggestion ?? ''));
    const forced = f.scheduler.execute(f.ownerId, t.id, true);
    assert.equal(forced.status, 'running');
    assert.equal(forced.trigger, 'manual');
    assert.equal(f.containers.started.length, 2);
  });
});

describe('retries', () => {
  test('a failing command is retried after the delay, up to max_retries, each attempt recorded', async () => {
    const { create, runs } = setup();
    f.containers.autoFinish = { exit_code: 3, stderr: 'boom\n' };
    const t = create({ name: 'flaky', schedule: '0 * * * *', max_retries: 2, retry_delay_seconds: 30 });
    await f.advance(HOUR);
    assert.deepEqual(runs(t.id).map((r) => [r.attempt, r.status, r.trigger]), [[1, 'failed', 'schedule'], [2, 'queued', 'retry']]);
    await f.advance(30_000);
    await f.advance(30_000);
    const all = runs(t.id);
    assert.deepEqual(all.map((r) => [r.attempt, r.status, r.trigger]), [[1, 'failed', 'schedule'], [2, 'failed', 'retry'], [3, 'failed', 'retry']]);
    assert.deepEqual(all.map((r) => r.started_at), [START + HOUR, START + HOUR + 30_000, START + HOUR + 60_000]);
    assert.ok(all.every((r) => r.scheduled_for === START + HOUR), 'retries keep the instant they retry');
    assert.equal(all[0]?.exit_code, 3);
    assert.equal(f.scheduler.run(f.ownerId, all[0]?.id ?? '').stderr, 'boom\n');
    const task = f.scheduler.get(f.ownerId, t.id);
    assert.deepEqual([task.run_count, task.failure_count, task.success_count], [3, 3, 0]);
  });

  test('a retry that succeeds stops the retries', async () => {
    const { create, runs } = setup();
    f.containers.autoFinish = { exit_code: 1 };
    const t = create({ name: 'second-time', schedule: '0 * * * *', max_retries: 5, retry_delay_seconds: 10 });
    await f.advance(HOUR);
    f.containers.autoFinish = { exit_code: 0 };
    await f.advance(10_000);
    await f.advance(HOUR - 20_000);
    assert.deepEqual(runs(t.id).map((r) => [r.attempt, r.status]), [[1, 'failed'], [2, 'success']]);
  });
});

describe('downtime and restarts', () => {
  test('catch_up once: exactly one catch-up run for the latest missed instant, not one per tick', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'five', schedule: '*/5 * * * *' });
    f.scheduler.close(); // the daemon goes down…
    f.clock.jump(HOUR + 2 * MIN); // …for an hour
    f.restart().start();
    await settle();
    const r = runs(t.id);
    assert.equal(r.length, 1);
    assert.equal(r[0]?.trigger, 'catch_up');
    assert.equal(r[0]?.scheduled_for, START + HOUR, 'the latest missed instant');
    const task = f.scheduler.get(f.ownerId, t.id);
    assert.equal(task.missed_count, 11, 'the twelve instants of the hour: one caught up, eleven missed');
    assert.equal(task.next_run_at, START + HOUR + 5 * MIN);
    await f.advance(3 * MIN);
    assert.deepEqual(runs(t.id).map((x) => x.trigger), ['catch_up', 'schedule'], 'then the schedule goes on');
  });

  test('catch_up once beyond the starting deadline: a skipped run says why', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'deadline', schedule: '0 * * * *', starting_deadline_seconds: 600 });
    f.scheduler.close();
    f.clock.jump(3 * HOUR + 30 * MIN);
    f.restart().start();
    await settle();
    const r = runs(t.id);
    assert.equal(r.length, 1);
    assert.equal(r[0]?.status, 'skipped');
    assert.match(r[0]?.reason ?? '', /missed by 1800 s, beyond its starting deadline of 600 s/);
    assert.equal(f.containers.started.length, 0);
    assert.equal(f.scheduler.get(f.ownerId, t.id).missed_count, 3);
  });

  test('catch_up skip: no run at all, the missed instants counted', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'skipper', schedule: '0 * * * *', catch_up: 'skip' });
    f.scheduler.close();
    f.clock.jump(5 * HOUR + MIN);
    f.restart().start();
    await settle();
    assert.equal(runs(t.id).length, 0);
    const task = f.scheduler.get(f.ownerId, t.id);
    assert.equal(task.missed_count, 5);
    assert.equal(task.next_run_at, START + 6 * HOUR);
  });

  test('a machine that slept (the timer fires hours late) is caught up once, like downtime', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'sleepy', schedule: '* * * * *' });
    f.clock.jump(2 * HOUR + 30_000);
    await f.advance(1);
    const r = runs(t.id);
    assert.equal(r.length, 1);
    assert.equal(r[0]?.trigger, 'catch_up');
    assert.equal(f.scheduler.get(f.ownerId, t.id).missed_count, 119);
  });

  test('a run left running by a crash is interrupted at start; the next tick runs once; nothing runs twice', async () => {
    const { create, runs } = setup();
    f.containers.autoFinish = null;
    const t = create({ name: 'crashy', schedule: '* * * * *' });
    await f.advance(MIN);
    assert.deepEqual(runs(t.id).map((r) => r.status), ['running']);
    // kill -9: no close, no finish. A new daemon over the same database, a few seconds later.
    f.clock.jump(5_000);
    const report = f.restart().start();
    assert.equal(report.interrupted.length, 1);
    await settle();
    assert.deepEqual(runs(t.id).map((r) => [r.status, r.reason]), [['interrupted', 'the daemon stopped while it ran']]);
    await f.advance(MIN);
    assert.deepEqual(runs(t.id).map((r) => [r.status, r.scheduled_for]), [['interrupted', START + MIN], ['running', START + 2 * MIN]]);
    assert.ok(f.events.some((e) => e.type === 'task.completed' && (e.data as { status: string }).status === 'cancelled'));
  });

  test('two schedulers on one database (a crash between row and start): the unique guard lets one run', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'guarded', schedule: '* * * * *' });
    // A second service as a racing daemon would be: it sees the same next_run_at.
    f.another().start();
    await f.advance(MIN);
    assert.equal(runs(t.id).length, 1, JSON.stringify(runs(t.id)));
    assert.equal(f.containers.started.length, 1);
  });
});

describe('changes apply at once', () => {
  test('disable: never fires again; enable: from now on, missed time not caught up', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'toggle', schedule: '* * * * *' });
    await f.advance(MIN);
    f.scheduler.setEnabled(f.ownerId, t.id, false);
    assert.equal(f.scheduler.get(f.ownerId, t.id).next_run_at, null);
    await f.advance(10 * MIN);
    assert.equal(runs(t.id).length, 1);
    const on = f.scheduler.setEnabled(f.ownerId, t.id, true);
    assert.equal(on.next_run_at, START + 12 * MIN);
    await f.advance(MIN);
    assert.equal(runs(t.id).length, 2);
  });

  test('delete: gone from the timer at once; a running run is stopped', async () => {
    const { create } = setup();
    f.containers.autoFinish = null;
    const t = create({ name: 'doomed', schedule: '* * * * *' });
    await f.advance(MIN);
    assert.equal(f.containers.started.length, 1);
    f.scheduler.delete(f.ownerId, t.id);
    await settle();
    await f.advance(10 * MIN);
    assert.equal(f.containers.started.length, 1);
    assert.equal(f.clock.pending, 0, 'no timer left armed');
    assert.throws(() => f.scheduler.get(f.ownerId, t.id), (e: ZeblitError) => e.code === 'NOT_FOUND');
  });

  test('update: a new schedule re-arms the timer at once', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'moving', schedule: '0 12 * * *' });
    assert.equal(f.clock.nextAt, START + 12 * HOUR);
    const u = f.scheduler.update(f.ownerId, t.id, { schedule: '*/10 * * * *' });
    assert.equal(u.next_run_at, START + 10 * MIN);
    assert.equal(f.clock.nextAt, START + 10 * MIN);
    await f.advance(30 * MIN);
    assert.equal(runs(t.id).length, 3);
  });

  test('a task whose creator was deleted is disabled, saying why, and does not run', async () => {
    const { create, runs } = setup();
    const t = create({ name: 'orphan', schedule: '* * * * *' });
    f.database.sqlite.prepare('update scheduled_tasks set created_by = null where id = ?').run(t.id);
    await f.advance(MIN);
    const after = f.scheduler.get(f.ownerId, t.id);
    assert.equal(after.enabled, false);
    assert.equal(after.disabled_reason, 'its creator was deleted');
    assert.deepEqual(runs(t.id).map((r) => [r.status, r.reason]), [['skipped', 'its creator was deleted']]);
    assert.equal(f.containers.started.length, 0);
  });
});

describe('events and the record', () => {
  test('task.progress and task.completed go out on the bus; the run shows its command run', async () => {
    const { create, runs } = setup();
    f.containers.autoFinish = { exit_code: 0, stdout: 'backed up\n' };
    const t = create({ name: 'backup', schedule: '* * * * *', command: ['sh', '-c', 'echo backed up'] });
    await f.advance(MIN);
    const [r] = runs(t.id);
    assert.ok(r);
    assert.equal(r.run_id, f.containers.started[0]?.id);
    assert.deepEqual(f.containers.started[0]?.input.command, ['sh', '-c', 'echo backed up']);
    assert.equal(f.scheduler.run(f.ownerId, r.id).stdout, 'backed up\n');
    const progress = f.events.filter((e) => e.type === 'task.progress');
    const completed = f.events.filter((e) => e.type === 'task.completed');
    assert.equal(progress.length, 1);
    assert.deepEqual((progress[0]?.data as { status: string }).status, 'running');
    assert.equal(completed.length, 1);
    assert.deepEqual(completed[0]?.data, { task_id: t.id, run_id: r.id, status: 'succeeded', exit_code: 0, duration_ms: 0, name: 'backup', trigger: 'schedule', attempt: 1, container_run_id: r.run_id, conversation_id: null });
    assert.deepEqual(f.scheduler.recentResults(t.project_id), [`backup success at 2030-01-01T00:01:00Z (schedule) (exit 0)`]);
  });

  test('stats: totals, runs by status, success rate, next runs, overdue', async () => {
    const { create } = setup();
    f.containers.autoFinish = { exit_code: 0 };
    create({ name: 'a', schedule: '* * * * *' });
    const b = create({ name: 'b', schedule: '*/2 * * * *' });
    create({ name: 'c', schedule: '0 0 1 1 *', enabled: false });
    await f.advance(2 * MIN);
    f.containers.autoFinish = { exit_code: 1 };
    await f.advance(MIN);
    const s = f.scheduler.stats(f.ownerId);
    assert.deepEqual([s.total, s.enabled, s.disabled], [3, 2, 1]);
    assert.equal(s.runs_24h.success, 3);
    assert.equal(s.runs_24h.failed, 1);
    assert.equal(s.success_rate_24h, 0.75);
    assert.deepEqual(s.next_runs.map((n) => n.name), ['a', 'b']);
    assert.deepEqual(s.overdue, []);
    // A stored next_run_at an hour in the past (the scheduler is not running it): overdue.
    f.scheduler.close();
    f.database.sqlite.prepare('update scheduled_tasks set next_run_at = ? where id = ?').run(f.clock.now() - HOUR, b.id);
    assert.deepEqual(f.scheduler.stats(f.ownerId).overdue.map((o) => [o.name, o.overdue_ms]), [['b', HOUR]]);
  });

  test('prune keeps each task’s newest runs', async () => {
    const { create, runs } = setup(START, { keepRuns: 5 });
    const a = create({ name: 'busy', schedule: '* * * * *' });
    const b = create({ name: 'calm', schedule: '*/10 * * * *' });
    await f.advance(12 * MIN);
    assert.equal(runs(a.id).length, 12);
    assert.equal(f.scheduler.prune(), 7);
    assert.deepEqual(runs(a.id).map((r) => r.scheduled_for), [8, 9, 10, 11, 12].map((m) => START + m * MIN), 'the newest five');
    assert.equal(runs(b.id).length, 1);
  });
});
