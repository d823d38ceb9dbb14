/** Human renderings of scheduled tasks and their runs, shared by the `zeblit schedule` commands. */
import type { ScheduleValidation, ScheduledTask, TaskRun, TaskRunSummary, TaskStats } from '../src/contracts/index.ts';
import { formatTime } from './format.ts';
import { formatDetails, formatTable } from './table.ts';

const short = (s: string, n = 50) => (s.length > n ? `${s.slice(0, n - 3)}...` : s);
const took = (ms: number | null) => (ms === null ? null : ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`);

export function what(t: ScheduledTask): string {
  if (t.kind === 'agent') return `${t.agent}: ${t.prompt ?? ''}`;
  return typeof t.command === 'string' ? t.command : (t.command ?? []).join(' ');
}

export function taskTable(tasks: readonly ScheduledTask[], projectNames: Map<string, string> = new Map()): string {
  return formatTable(
    ['name', 'project', 'schedule', 'next run', 'last', 'state', 'what'],
    tasks.map((t) => [
      t.name,
      projectNames.get(t.project_id) ?? t.project_id,
      t.schedule,
      formatTime(t.next_run_at),
      t.last_status,
      t.enabled ? (t.active_runs > 0 ? 'running' : 'enabled') : 'disabled',
      short(what(t), 40),
    ]),
  );
}

export function taskDetails(t: ScheduledTask): string {
  return formatDetails([
    ['Task', `${t.name} (${t.id})`],
    ['Project', t.project_id],
    [t.kind === 'agent' ? 'Agent' : 'Command', t.kind === 'agent' ? t.agent : what(t)],
    ...(t.kind === 'agent' ? ([['Prompt', short(t.prompt ?? '', 200)]] as const) : []),
    ['Schedule', `${t.schedule}  (${t.schedule_description}, ${t.timezone})`],
    ['State', t.enabled ? (t.active_runs > 0 ? `enabled, ${t.active_runs} running` : 'enabled') : `disabled${t.disabled_reason ? `: ${t.disabled_reason}` : ''}`],
    ['Next run', formatTime(t.next_run_at)],
    ['Last run', t.last_run_at === null ? null : `${formatTime(t.last_run_at)} (${t.last_status})`],
    ['Runs', `${t.run_count} (${t.success_count} succeeded, ${t.failure_count} failed, ${t.missed_count} missed)`],
    ['Timeout', `${t.timeout_seconds}s`],
    ['Retries', t.max_retries === 0 ? 'none' : `${t.max_retries}, ${t.retry_delay_seconds}s apart`],
    ['Overlap', t.concurrency],
    ['Catch-up', `${t.catch_up} (deadline ${t.starting_deadline_seconds}s)`],
    ['Notify', `${t.notify_on}${t.webhook_url ? ` → ${t.webhook_url}` : ''}`],
  ]);
}

export function runTable(runs: readonly TaskRunSummary[]): string {
  return formatTable(
    ['run', 'due', 'trigger', 'try', 'status', 'exit', 'took', 'note'],
    runs.map((r) => [r.id, formatTime(r.scheduled_for), r.trigger, r.attempt, r.status, r.exit_code, took(r.duration_ms), r.reason ? short(r.reason, 60) : r.conversation_id ?? r.run_id]),
  );
}

export function runDetails(r: TaskRun): string {
  const head = formatDetails([
    ['Run', r.id],
    ['Task', r.task_id],
    ['Due', formatTime(r.scheduled_for)],
    ['Trigger', `${r.trigger}${r.attempt > 1 ? `, attempt ${r.attempt}` : ''}`],
    ['Status', `${r.status}${r.reason ? `: ${r.reason}` : ''}`],
    ['Exit code', r.exit_code],
    ['Started', formatTime(r.started_at)],
    ['Took', took(r.duration_ms)],
    ...(r.run_id ? ([['Container run', r.run_id]] as const) : []),
    ...(r.conversation_id ? ([['Conversation', r.conversation_id]] as const) : []),
    ...(r.cost_usd !== null ? ([['Tokens', `${r.input_tokens ?? 0} in, ${r.output_tokens ?? 0} out, $${r.cost_usd.toFixed(4)}`]] as const) : []),
    ...(r.webhook_status ? ([['Webhook', r.webhook_status]] as const) : []),
  ]);
  const block = (name: string, text: string) => (text ? `--- ${name}\n${text}${text.endsWith('\n') ? '' : '\n'}` : '');
  return head + block('stdout', r.stdout) + block('stderr', r.stderr);
}

export function validationText(v: ScheduleValidation): string {
  if (!v.is_valid) {
    const where = v.error?.field ? ` (${v.error.field}${v.error.position === null ? '' : `, field ${v.error.position + 1}`})` : '';
    return `Invalid: ${v.error?.message ?? 'unknown error'}${where}\n`;
  }
  return `${v.description} (${v.timezone})\nNext runs:\n${v.next_runs.map((r) => `  ${r.local}`).join('\n')}\n`;
}

export function statsText(s: TaskStats): string {
  const r = s.runs_24h;
  return (
    formatDetails([
      ['Tasks', `${s.total} (${s.enabled} enabled, ${s.disabled} disabled)`],
      ['Running now', `${s.running}${s.queued ? `, ${s.queued} queued` : ''}`],
      ['Last 24 h', `${r.success} succeeded, ${r.failed} failed, ${r.timeout} timed out, ${r.interrupted} interrupted, ${r.skipped} skipped`],
      ['Success rate', s.success_rate_24h === null ? null : `${Math.round(s.success_rate_24h * 100)}%`],
      ['Missed', s.missed_total],
      ['Overdue', s.overdue.length === 0 ? 'none' : s.overdue.map((o) => `${o.name} (${Math.round(o.overdue_ms / 1000)}s)`).join(', ')],
    ]) + (s.next_runs.length ? `Next:\n${formatTable(['task', 'at'], s.next_runs.map((n) => [n.name, formatTime(n.next_run_at)]))}` : '')
  );
}
