/**
 * The scheduler in the built daemon, on the real clock and the real engine:
 * a 6-field every-2-seconds task driven through the built CLI produces
 * successive runs with output and stops at disable; and a kill -9 of the
 * daemon during a run leaves that run `interrupted` (its processes gone), with
 * no instant ever run twice after the restart.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { ConsoleHistory, PageOf, Project, ScheduledTask, ScheduledTaskDetail, TaskRun, TaskRunSummary, TaskStats } from '../../src/contracts/index.ts';
import { useCliProject } from './project-daemon.ts';
import { CLI_JS, cleanup, dataOf, request, sock, startDaemon, stopDaemon, tempHome, waitFor, type DaemonProc } from './helpers.ts';

const reason = await dockerUnavailableReason();

const runsOf = async (d: DaemonProc, task: string) =>
  dataOf<PageOf<TaskRunSummary>>(await request(sock(d), { path: `/api/v1/scheduled-tasks/${task}/runs?limit=500` })).items.reverse();

describe('zeblit schedule on the real clock (built daemon and CLI, real engine)', dockerSuite(reason), () => {
  const s = useCliProject(reason, 'sched', 'crondemo');
  const { zeblit } = s;

  it('validate explains a schedule and refuses a bad one', async () => {
    const ok = await zeblit('schedule', 'validate', '0 9 * * 1-5', '--tz', 'Europe/Berlin', '--count', '3');
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^At 09:00, Monday through Friday \(Europe\/Berlin\)\nNext runs:\n(  \d{4}-\d\d-\d\dT09:00:00\+0[12]:00\n){3}$/);
    const bad = await zeblit('schedule', 'validate', '0 9 * * 8');
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /^Invalid: day_of_week field "8": .*\(day_of_week, field 5\)/);
  });

  it('a 6-field every-2-seconds task runs again and again, with output, and stops at disable', async () => {
    const created = await zeblit('schedule', 'create', 'tick', '--schedule', '*/2 * * * * *', 'echo "tick $(date +%s)"');
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^Scheduled tick \(tsk_[0-9a-z]{26}\): Every 2 seconds \(/);
    const runs = await waitFor('three successful runs', async () => {
      const r = (await runsOf(s.daemon, 'tick')).filter((x) => x.status === 'success');
      return r.length >= 3 ? r : undefined;
    }, 60_000, 250);
    // Successive instants of the schedule (no drift: each is a multiple of 2 s), each started promptly.
    for (const [i, r] of runs.entries()) {
      assert.equal(r.scheduled_for % 2000, 0);
      assert.equal(r.trigger, 'schedule');
      // The first one started the container; the others found it warm. (The delay itself is measured by scripts/bench/scheduler.ts;
      // here only "promptly", with room for a machine busy with other test runs.)
      if (i > 0) assert.ok((r.started_at ?? 0) - r.scheduled_for < 2_000, `started ${(r.started_at ?? 0) - r.scheduled_for} ms after its instant`);
    }
    assert.ok(runs.every((r, i) => i === 0 || r.scheduled_for > (runs[i - 1] as TaskRunSummary).scheduled_for));
    const logs = await zeblit('schedule', 'logs', runs[0]?.id as string);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /Status\s+success/);
    assert.match(logs.stdout, /--- stdout\ntick \d+\n/);
    // The console shows the scheduler's lines.
    const consoleLines = dataOf<ConsoleHistory>(await request(sock(s.daemon), { path: `/api/v1/projects/crondemo/console/history?source=scheduler&limit=50` }));
    assert.ok(consoleLines.items.some((l) => /^tick \d+$/.test(l.text) && l.source === 'scheduler'), JSON.stringify(consoleLines.items.slice(0, 3)));

    // `zeblit console` follows the runs as they come: their output and a line as each starts and ends.
    const follower = spawn(process.execPath, [CLI_JS, 'console', '-n', '0'], { env: { ...process.env, ZEBLIT_HOME: s.home, HOME: s.home, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follower.stdout.on('data', (d: Buffer) => (followed += d.toString('utf8')));
    try {
      await waitFor('the console to show a scheduled run', () => /\[schedule\] tick: schedule run started\n(.*\n)*tick \d+\n(.*\n)*\[schedule\] tick succeeded in [\d.]+ s, exit 0 \(trn_/.test(followed), 20_000, 100);
    } finally {
      follower.kill('SIGKILL');
    }

    const status = await zeblit('schedule', 'status', 'tick', '--runs', '3');
    assert.match(status.stdout, /Schedule\s+\*\/2 \* \* \* \* \*\s+\(Every 2 seconds, /);
    assert.match(status.stdout, /RUN\s+DUE\s+TRIGGER/);
    const listed = await zeblit('schedule', 'list');
    assert.match(listed.stdout, /tick\s+crondemo\s+\*\/2 \* \* \* \* \*/);

    const off = await zeblit('schedule', 'disable', 'tick');
    assert.equal(off.code, 0, off.stderr);
    assert.equal(off.stdout, 'tick is disabled.\n');
    const settled = await waitFor('no run in progress', async () => ((await runsOf(s.daemon, 'tick')).some((r) => r.status === 'running') ? undefined : true), 15_000, 100);
    assert.ok(settled);
    const count = (await runsOf(s.daemon, 'tick')).length;
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal((await runsOf(s.daemon, 'tick')).length, count, 'no run after disable');
    const detail = dataOf<ScheduledTaskDetail>(await request(sock(s.daemon), { path: '/api/v1/scheduled-tasks/tick' }));
    assert.equal(detail.next_run_at, null);
  });

  it('run now waits for the result; stats count it; delete removes the task', async () => {
    const run = await zeblit('schedule', 'run', 'tick');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Trigger\s+manual/);
    const failing = await zeblit('schedule', 'create', 'broken', '--preset', 'daily', '--time', '03:00', 'echo nope >&2; exit 4');
    assert.equal(failing.code, 0, failing.stderr);
    const bad = await zeblit('schedule', 'run', 'broken');
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /Status\s+failed: exit code 4/);
    assert.match(bad.stdout, /--- stderr\nnope\n/);
    // By task name: its latest run.
    const latest = await zeblit('schedule', 'logs', 'broken');
    assert.equal(latest.code, 0, latest.stderr);
    assert.match(latest.stdout, /--- stderr\nnope\n/);
    const stats = JSON.parse((await zeblit('schedule', 'stats', '--json')).stdout) as TaskStats;
    assert.equal(stats.total, 2);
    assert.ok(stats.runs_24h.success >= 4);
    assert.equal(stats.runs_24h.failed, 1);
    // The dashboard (the current project's tasks) and the doctor know of the failure.
    const dash = await zeblit('status');
    assert.equal(dash.code, 0, dash.stderr);
    assert.match(dash.stdout, /Scheduler\s+1 of 2 tasks enabled · 24 h: \d+ ok, 1 failed · next broken in /);
    const dashJson = JSON.parse((await zeblit('status', '--json')).stdout) as { extra: { scheduler?: { data: TaskStats } } };
    assert.equal(dashJson.extra.scheduler?.data.total, 2);
    const doctor = JSON.parse((await zeblit('doctor', '--json')).stdout) as { checks: { name: string; status: string; detail: string; fix?: string }[] };
    const check = doctor.checks.find((c) => c.name === 'Scheduler');
    assert.equal(check?.status, 'warn', JSON.stringify(doctor.checks));
    assert.match(check?.detail ?? '', /2 tasks \(1 enabled\); last 24 h: \d+ succeeded, 1 failed/);
    assert.match(check?.fix ?? '', /zeblit schedule status <task>/);
    const gone = await zeblit('schedule', 'delete', 'broken');
    assert.equal(gone.code, 2, 'refuses without a terminal (a usage error)');
    assert.match(gone.stderr, /without --force/);
    assert.equal((await zeblit('schedule', 'delete', 'broken', '--force')).code, 0);
    const list = JSON.parse((await zeblit('schedule', 'list', '--json')).stdout) as PageOf<ScheduledTask>;
    assert.deepEqual(list.items.map((t) => t.name), ['tick']);
  });
});

describe('kill -9 of the daemon during a scheduled run (built daemon, real engine)', dockerSuite(reason), () => {
  let home: string;
  let project: Project | undefined;
  after(async () => {
    await cleanup();
    if (project) await removeTestResources([project.id]);
  });

  it('the run is interrupted and its processes are gone; after the restart each instant runs at most once', async () => {
    requireDocker(reason);
    home = tempHome('sched9');
    const first = await startDaemon(home);
    project = dataOf<Project>(await request(sock(first), { method: 'POST', path: '/api/v1/projects', json: { name: 'crash', template: 'blank' } }));
    const task = dataOf<ScheduledTask>(
      await request(sock(first), { method: 'POST', path: '/api/v1/scheduled-tasks', json: { project_id: 'crash', name: 'long', command: 'echo started; sleep 41', schedule: '*/3 * * * * *' } }),
    );
    const running = await waitFor('a run in progress in the container', async () => {
      const r = (await runsOf(first, task.id)).find((x) => x.status === 'running' && x.run_id);
      return r;
    }, 60_000, 100);
    await stopDaemon(first, 'SIGKILL');

    const second = await startDaemon(home);
    const after = await waitFor('the interrupted run and a new one', async () => {
      const r = await runsOf(second, task.id);
      const old = r.find((x) => x.id === running.id);
      return old?.status === 'interrupted' && r.some((x) => x.scheduled_for > running.scheduled_for && x.status === 'running') ? r : undefined;
    }, 60_000, 100);
    const old = dataOf<TaskRun>(await request(sock(second), { path: `/api/v1/scheduled-tasks/runs/${running.id}` }));
    assert.equal(old.status, 'interrupted');
    assert.equal(old.reason, 'the daemon stopped while it ran');
    assert.ok(old.finished_at !== null);

    // Let a few more instants come by while the new run sleeps (concurrency skip records them).
    await new Promise((r) => setTimeout(r, 7_000));
    const all = await runsOf(second, task.id);
    const keys = all.map((r) => `${r.scheduled_for}/${r.attempt}`);
    assert.equal(new Set(keys).size, keys.length, `an instant ran twice: ${keys.join(' ')}`);
    const live = all.filter((r) => r.status === 'running');
    assert.equal(live.length, 1, JSON.stringify(all.map((r) => [r.scheduled_for, r.status, r.trigger])));
    assert.ok(all.filter((r) => r.scheduled_for > (live[0] as TaskRunSummary).scheduled_for).every((r) => r.status === 'skipped'), 'instants during the new run are skipped');
    assert.ok(after.length >= 2);

    // In the container: only the new run's sleep is left; the interrupted one's went with the old daemon.
    const ps = dataOf<{ stdout: string }>(
      await request(sock(second), {
        method: 'POST',
        path: '/api/v1/projects/crash/container/execute',
        json: { command: "for d in /proc/[0-9]*; do tr '\\0' ' ' < $d/cmdline 2>/dev/null; echo; done | grep -c '^sleep 4[1]' || true" },
        timeoutMs: 60_000,
      }),
    );
    assert.equal(ps.stdout.trim(), '1');
    await request(sock(second), { method: 'POST', path: `/api/v1/scheduled-tasks/${task.id}/disable` });
    await stopDaemon(second);
  });
});
