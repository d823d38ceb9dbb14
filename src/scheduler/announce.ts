/**
 * What the scheduler says about its runs, after each commit: task.progress
 * and task.completed on the bus, and a notification per the task's notify_on
 * (the hub always, the task's webhook with the run record, whose outcome is
 * kept on the run).
 */
import type { EventPayload } from '../contracts/index.ts';
import type { EventBus } from '../events/index.ts';
import type { Notifier } from '../notify/index.ts';
import type { EngineLog } from './engine/index.ts';
import { toRun, type RunRow, type SchedulerStore, type TaskRow } from './store.ts';
import { toTask } from './view.ts';

/** The task as a webhook sees it: what it is and how it is scheduled, not its environment (it may hold secrets) nor its own URL. */
function webhookTask(task: TaskRow) {
  const { environment, webhook_url: _url, ...rest } = toTask(task, 0);
  return { ...rest, environment: Object.keys(environment) };
}

const COMPLETED = { success: 'succeeded', failed: 'failed', timeout: 'timed_out', interrupted: 'cancelled' } as const;

export interface AnnouncerDeps {
  bus: EventBus;
  store: SchedulerStore;
  notifier?: Notifier;
  log: EngineLog;
}

export class Announcer {
  private readonly notices = new Set<Promise<void>>();

  constructor(private readonly d: AnnouncerDeps) {}

  /** Resolves once every notification went out (tests). */
  async idle(): Promise<void> {
    while (this.notices.size > 0) await Promise.allSettled([...this.notices]);
  }

  changed(task: TaskRow, row: RunRow): void {
    this.publish(task.project_id, 'task.progress', { task_id: task.id, status: row.status, progress: null, message: `${task.name}: ${row.status}${row.reason ? ` (${row.reason})` : ''}`, run_id: row.id, name: task.name });
  }

  finished(task: TaskRow, row: RunRow): void {
    const status = row.status as keyof typeof COMPLETED;
    this.publish(task.project_id, 'task.completed', {
      task_id: task.id,
      run_id: row.id,
      status: COMPLETED[status] ?? 'failed',
      exit_code: row.exit_code,
      duration_ms: row.duration_ms,
      name: task.name,
      trigger: row.trigger,
      attempt: row.attempt,
      container_run_id: row.run_id,
      conversation_id: row.conversation_id,
    });
    const failure = row.status !== 'success';
    const notifier = this.d.notifier;
    if (!notifier || task.notify_on === 'never' || (task.notify_on === 'failure' && !failure)) return;
    const verb = { success: 'succeeded', failed: 'failed', timeout: 'timed out', interrupted: 'was interrupted' }[status] ?? row.status;
    const took = row.duration_ms === null ? '' : ` in ${(row.duration_ms / 1000).toFixed(1)} s`;
    const notice = notifier
      .notify({
        project_id: task.project_id,
        kind: 'task_result',
        level: failure ? 'error' : 'info',
        title: `Task ${task.name} ${verb}`,
        message: `${row.trigger} run${row.attempt > 1 ? ` (attempt ${row.attempt})` : ''}${took}${row.reason ? `: ${row.reason}` : row.exit_code !== null ? `, exit ${row.exit_code}` : ''}`,
        task_id: task.id,
        run_id: row.id,
        conversation_id: row.conversation_id,
        webhook: task.webhook_url ? { url: task.webhook_url, payload: { event: 'task.completed', task: webhookTask(task), run: toRun(row) } } : null,
      })
      .then((outcomes) => {
        const webhook = outcomes.webhook;
        if (webhook) this.d.store.updateRun(row.id, { webhook_status: webhook });
      })
      .catch((err: unknown) => this.d.log.warn({ err, task_id: task.id }, 'task notification failed'))
      .finally(() => this.notices.delete(notice));
    this.notices.add(notice);
  }

  /** The start recorded and announced in one commit (the firing path: one transaction, not two). */
  started(task: TaskRow, row: RunRow, start: { started_at: number; run_id: string | null; conversation_id: string | null }): void {
    const data = { task_id: task.id, status: 'running', progress: null, message: `${task.name}: ${row.trigger} run started`, run_id: row.id, name: task.name };
    try {
      this.d.bus.publishMany([{ projectId: task.project_id, type: 'task.progress', data }], () => this.d.store.started(row.id, start));
    } catch (err) {
      this.d.log.warn({ err, project_id: task.project_id }, 'task event not published');
      this.d.store.started(row.id, start);
    }
  }

  private publish<T extends 'task.progress' | 'task.completed'>(projectId: string, type: T, data: EventPayload<T>): void {
    try {
      this.d.bus.publish(projectId, type, data);
    } catch (err) {
      // A project deleted meanwhile has no event stream any more.
      this.d.log.warn({ err, project_id: projectId }, 'task event not published');
    }
  }
}
