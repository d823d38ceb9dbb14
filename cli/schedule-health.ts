/**
 * The scheduler in `zeblit status` (a dashboard line) and in `zeblit doctor`
 * (a check), both from GET /scheduled-tasks/stats/overview. Kept apart from
 * schedule-view.ts so that those two commands do not load the schedule
 * commands' tables.
 */
import type { ZeblitClient } from '../src/client/index.ts';
import type { Project, TaskStats } from '../src/contracts/index.ts';
import type { DashboardLine, ExtraSection } from './dashboard.ts';
import type { Check } from './doctor.ts';
import { formatDuration } from './format.ts';

const late = (s: TaskStats) => s.overdue.map((o) => `${o.name} by ${formatDuration(o.overdue_ms / 1000)}`).join(', ');
const failures = (s: TaskStats) => s.runs_24h.failed + s.runs_24h.timeout + s.runs_24h.interrupted;

/** One dashboard line: the tasks (of the current project, else all of yours), the last 24 h, the next run, what is overdue. */
export function schedulerLine(s: TaskStats, now: number): DashboardLine | null {
  if (s.total === 0) return null;
  const r = s.runs_24h;
  const parts = [`${s.enabled} of ${s.total} task${s.total === 1 ? '' : 's'} enabled`];
  if (s.running) parts.push(`${s.running} running${s.queued ? `, ${s.queued} queued` : ''}`);
  const finished = r.success + failures(s);
  parts.push(finished === 0 ? 'no runs in 24 h' : `24 h: ${r.success} ok, ${failures(s)} failed`);
  const next = s.next_runs[0];
  if (next) parts.push(`next ${next.name} in ${formatDuration(Math.max(0, next.next_run_at - now) / 1000)}`);
  if (s.overdue.length) parts.push(`overdue: ${late(s)}`);
  return { label: 'Scheduler', text: parts.join(' · '), tone: s.overdue.length || failures(s) ? 'bad' : undefined };
}

export const schedulerSection: ExtraSection = {
  key: 'scheduler',
  async load(client: ZeblitClient, project: Project | null) {
    const stats = await client.scheduler.stats(project?.id);
    const line = schedulerLine(stats, Date.now());
    return { data: stats, lines: line ? [line] : [] };
  },
};

/**
 * Overdue tasks mean the daemon's timer did not fire them (a blocked event
 * loop, a clock jump it has not seen yet): a warning, since runs still
 * happen once it catches up. Failed runs are the tasks' own business, and
 * so only a warning too.
 */
export function checkScheduler(s: TaskStats): Check {
  const name = 'Scheduler';
  if (s.overdue.length)
    return {
      name,
      status: 'warn',
      detail: `${s.overdue.length} enabled task${s.overdue.length === 1 ? ' is' : 's are'} overdue: ${late(s)}`,
      fix: 'The daemon is late firing them: look at `zeblit daemon logs` and the machine\'s load; `zeblit schedule run <task>` runs one now.',
    };
  const failed = failures(s);
  const detail = `${s.total} task${s.total === 1 ? '' : 's'} (${s.enabled} enabled); last 24 h: ${s.runs_24h.success} succeeded, ${failed} failed`;
  if (failed) return { name, status: 'warn', detail, fix: 'See which with `zeblit schedule stats`, then `zeblit schedule status <task>` and `zeblit schedule logs <run>`.' };
  return { name, status: 'ok', detail };
}
