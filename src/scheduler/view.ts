import type { ScheduledTask } from '../contracts/index.ts';
import { describeSchedule, scheduleKind } from './schedule.ts';
import type { TaskRow } from './store.ts';

const descriptions = new Map<string, string>();

/** The schedule in English, remembered (cronstrue takes ~50 µs a call; listings show many). */
export function describe(task: Pick<TaskRow, 'schedule' | 'timezone'>): string {
  const key = `${task.schedule}\u0000${task.timezone}`;
  let d = descriptions.get(key);
  if (d === undefined) {
    if (descriptions.size > 10_000) descriptions.clear();
    d = describeSchedule({ kind: scheduleKind(task.schedule), expression: task.schedule, timezone: task.timezone });
    descriptions.set(key, d);
  }
  return d;
}

export function toTask(r: TaskRow, activeRuns: number): ScheduledTask {
  return {
    id: r.id,
    project_id: r.project_id,
    name: r.name,
    description: r.description,
    kind: r.kind,
    command: r.command ?? null,
    agent: r.agent ?? null,
    prompt: r.prompt,
    schedule: r.schedule,
    schedule_kind: scheduleKind(r.schedule),
    schedule_description: describe(r),
    timezone: r.timezone,
    working_directory: r.working_directory,
    environment: r.environment,
    timeout_seconds: r.timeout_seconds,
    max_retries: r.max_retries,
    retry_delay_seconds: r.retry_delay_seconds,
    concurrency: r.concurrency,
    catch_up: r.catch_up,
    starting_deadline_seconds: r.starting_deadline_seconds,
    enabled: r.enabled,
    disabled_reason: r.disabled_reason,
    notify_on: r.notify_on,
    webhook_url: r.webhook_url,
    created_by: r.created_by,
    created_at: r.created_at,
    updated_at: r.updated_at,
    last_run_at: r.last_run_at,
    last_status: r.last_status,
    next_run_at: r.next_run_at,
    run_count: r.run_count,
    success_count: r.success_count,
    failure_count: r.failure_count,
    missed_count: r.missed_count,
    active_runs: activeRuns,
  };
}
