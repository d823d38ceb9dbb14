import type {
  BulkRequest,
  BulkResult,
  CreateTaskRequest,
  PageOf,
  QuickTaskRequest,
  ScheduleValidation,
  ScheduledTask,
  ScheduledTaskDetail,
  TaskRun,
  TaskRunStatus,
  TaskRunSummary,
  TaskStats,
  UpdateTaskRequest,
  ValidateScheduleRequest,
} from '../contracts/index.ts';
import { seg, type Requester } from './requester.ts';

export interface TaskListParams {
  project?: string;
  enabled_only?: boolean;
  limit?: number;
  offset?: number;
}

export interface TaskRunListParams {
  project?: string;
  status?: TaskRunStatus;
  limit?: number;
  offset?: number;
}

/**
 * /scheduled-tasks: tasks on a schedule and their runs. `ref` is a task id
 * (tsk_…) or a name; `project` narrows a name to one project.
 */
export class SchedulerApi {
  constructor(private readonly r: Requester) {}

  create(body: CreateTaskRequest): Promise<ScheduledTask> {
    return this.r.request('POST', '/scheduled-tasks', { json: body });
  }

  quick(body: QuickTaskRequest): Promise<ScheduledTask> {
    return this.r.request('POST', '/scheduled-tasks/quick', { json: body });
  }

  list(query: TaskListParams = {}): Promise<PageOf<ScheduledTask>> {
    return this.r.request('GET', '/scheduled-tasks', { query: { ...query } });
  }

  get(ref: string, query: { project?: string; run_limit?: number } = {}): Promise<ScheduledTaskDetail> {
    return this.r.request('GET', `/scheduled-tasks/${seg(ref)}`, { query: { ...query } });
  }

  update(ref: string, body: UpdateTaskRequest, project?: string): Promise<ScheduledTask> {
    return this.r.request('PUT', `/scheduled-tasks/${seg(ref)}`, { json: body, query: { project } });
  }

  delete(ref: string, project?: string): Promise<ScheduledTask> {
    return this.r.request('DELETE', `/scheduled-tasks/${seg(ref)}`, { query: { project } });
  }

  /** Run now; `force` starts it even when the concurrency policy would skip or queue it. */
  execute(ref: string, opts: { force?: boolean; project?: string } = {}): Promise<TaskRunSummary> {
    return this.r.request('POST', `/scheduled-tasks/${seg(ref)}/execute`, { query: { ...opts } });
  }

  enable(ref: string, project?: string): Promise<ScheduledTask> {
    return this.r.request('POST', `/scheduled-tasks/${seg(ref)}/enable`, { query: { project } });
  }

  disable(ref: string, project?: string): Promise<ScheduledTask> {
    return this.r.request('POST', `/scheduled-tasks/${seg(ref)}/disable`, { query: { project } });
  }

  validate(body: ValidateScheduleRequest): Promise<ScheduleValidation> {
    return this.r.request('POST', '/scheduled-tasks/validate-schedule', { json: body });
  }

  bulk(body: BulkRequest): Promise<BulkResult> {
    return this.r.request('POST', '/scheduled-tasks/bulk-operations', { json: body });
  }

  stats(project?: string): Promise<TaskStats> {
    return this.r.request('GET', '/scheduled-tasks/stats/overview', { query: { project } });
  }

  runs(ref: string, query: TaskRunListParams = {}): Promise<PageOf<TaskRunSummary>> {
    return this.r.request('GET', `/scheduled-tasks/${seg(ref)}/runs`, { query: { ...query } });
  }

  run(runId: string): Promise<TaskRun> {
    return this.r.request('GET', `/scheduled-tasks/runs/${seg(runId)}`);
  }
}
