import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TaskStats } from '../src/contracts/index.ts';
import { checkScheduler, schedulerLine } from './schedule-health.ts';

const NOW = Date.UTC(2026, 11, 4, 8, 0, 0);
const stats = (over: Partial<TaskStats> = {}): TaskStats => ({
  total: 3,
  enabled: 2,
  disabled: 1,
  running: 0,
  queued: 0,
  runs_24h: { queued: 0, running: 0, success: 5, failed: 0, timeout: 0, skipped: 1, interrupted: 0 },
  success_rate_24h: 1,
  missed_total: 0,
  next_runs: [{ task_id: 'tsk_a', name: 'backup', project_id: 'prj_a', next_run_at: NOW + 90_000 }],
  overdue: [],
  ...over,
});

describe('the scheduler in zeblit status and zeblit doctor', () => {
  it('dashboard: tasks, the last 24 h, the next run; no line without tasks', () => {
    assert.deepEqual(schedulerLine(stats(), NOW), { label: 'Scheduler', text: '2 of 3 tasks enabled · 24 h: 5 ok, 0 failed · next backup in 1m 30s', tone: undefined });
    assert.equal(schedulerLine(stats({ total: 0, enabled: 0, disabled: 0, next_runs: [] }), NOW), null);
    const quiet = schedulerLine(stats({ runs_24h: { queued: 0, running: 0, success: 0, failed: 0, timeout: 0, skipped: 0, interrupted: 0 }, running: 1, queued: 1 }), NOW);
    assert.match(quiet?.text ?? '', /1 running, 1 queued · no runs in 24 h/);
  });

  it('dashboard: failures and overdue tasks mark the line', () => {
    const failing = schedulerLine(stats({ runs_24h: { queued: 0, running: 0, success: 5, failed: 1, timeout: 1, skipped: 0, interrupted: 1 } }), NOW);
    assert.equal(failing?.tone, 'bad');
    assert.match(failing?.text ?? '', /24 h: 5 ok, 3 failed/);
    const late = schedulerLine(stats({ overdue: [{ task_id: 'tsk_b', name: 'report', project_id: 'prj_a', next_run_at: NOW - 125_000, overdue_ms: 125_000 }] }), NOW);
    assert.equal(late?.tone, 'bad');
    assert.match(late?.text ?? '', /overdue: report by 2m 5s$/);
  });

  it('doctor: ok; failed runs warn with where to look; overdue tasks warn that the daemon is late', () => {
    const ok = checkScheduler(stats());
    assert.deepEqual(ok, { name: 'Scheduler', status: 'ok', detail: '3 tasks (2 enabled); last 24 h: 5 succeeded, 0 failed' });
    const failed = checkScheduler(stats({ runs_24h: { queued: 0, running: 0, success: 5, failed: 2, timeout: 0, skipped: 0, interrupted: 0 } }));
    assert.equal(failed.status, 'warn');
    assert.match(failed.fix ?? '', /zeblit schedule stats/);
    const late = checkScheduler(stats({ overdue: [{ task_id: 'tsk_b', name: 'report', project_id: 'prj_a', next_run_at: NOW - 60_000, overdue_ms: 60_000 }] }));
    assert.equal(late.status, 'warn');
    assert.equal(late.detail, '1 enabled task is overdue: report by 1m 0s');
    assert.match(late.fix ?? '', /daemon logs/);
  });
});
