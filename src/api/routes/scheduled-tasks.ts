/**
 * /scheduled-tasks: commands and agent turns on a schedule, in the caller's
 * projects. A task is named by id (tsk_…) or by name (with ?project= when
 * two of the caller's projects have one of that name).
 */
import { z } from 'zod';
import {
  BulkRequest,
  BulkResult,
  CreateTaskRequest,
  Page,
  QuickTaskRequest,
  ScheduleValidation,
  ScheduledTask,
  ScheduledTaskDetail,
  StatsQuery,
  TaskDetailQuery,
  TaskListQuery,
  TaskRefQuery,
  TaskRun,
  TaskRunListQuery,
  TaskRunSummary,
  TaskStats,
  UpdateTaskRequest,
  ValidateScheduleRequest,
} from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { defineRoute, principalOf, router } from '../route.ts';

const TAGS = ['scheduler'];
const TaskRef = z.object({ id: z.string().min(1).max(100).describe('Task id (tsk_…) or name') });
const RunRef = z.object({ run_id: z.string().min(1).max(100).describe('Task run id (trn_…)') });
const boolish = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])])
  .transform((v) => v === true || v === 'true' || v === '1');
const ExecuteQuery = TaskRefQuery.extend({ force: boolish.default(false).describe('Start even when the concurrency policy would skip or queue it') });

export function scheduledTaskRoutes(deps: AppDeps) {
  const app = router();
  const { scheduler } = deps;
  const user = (c: Parameters<typeof principalOf>[0]) => principalOf(c).user.id;

  // Fixed paths first, so that "stats" or "runs" is never read as a task.
  defineRoute(
    app,
    { method: 'get', path: '/scheduled-tasks/stats/overview', summary: 'Totals, runs of the last 24 h by status, success rate, next runs, overdue tasks', tags: TAGS, query: StatsQuery, data: TaskStats },
    (c, { query }) => scheduler.stats(user(c), query.project),
  );

  defineRoute(
    app,
    { method: 'get', path: '/scheduled-tasks/runs/{run_id}', summary: 'One task run, with its output tails', tags: TAGS, params: RunRef, data: TaskRun },
    (c, { params }) => scheduler.run(user(c), params.run_id),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/scheduled-tasks/validate-schedule',
      summary: 'Check a schedule: valid or not (what and where), its English description, the next runs in its time zone',
      tags: TAGS,
      body: ValidateScheduleRequest,
      data: ScheduleValidation,
      scope: 'read',
    },
    (_c, { body }) => scheduler.validate(body),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/scheduled-tasks/bulk-operations',
      summary: 'Enable, disable, delete or run up to 100 tasks; one result per id',
      tags: TAGS,
      body: BulkRequest,
      data: BulkResult,
    },
    (c, { body }) => scheduler.bulk(user(c), body),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/scheduled-tasks/quick',
      summary: 'Create a task from a preset: every-minute, every-5-minutes, every-15-minutes, hourly, daily, weekdays, weekly, monthly, custom',
      tags: TAGS,
      body: QuickTaskRequest,
      data: ScheduledTask,
      status: 201,
    },
    (c, { body }) => {
      const task = scheduler.quick(user(c), body);
      c.set('resource', task.id);
      return task;
    },
  );

  defineRoute(
    app,
    { method: 'post', path: '/scheduled-tasks', summary: 'Create a scheduled task (a command, or an agent with a prompt)', tags: TAGS, body: CreateTaskRequest, data: ScheduledTask, status: 201 },
    (c, { body }) => {
      const task = scheduler.create(user(c), body);
      c.set('resource', task.id);
      return task;
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/scheduled-tasks', summary: 'Your scheduled tasks (paged; filter by project, enabled only)', tags: TAGS, query: TaskListQuery, data: Page(ScheduledTask) },
    (c, { query }) => scheduler.list(user(c), query),
  );

  defineRoute(
    app,
    { method: 'get', path: '/scheduled-tasks/{id}', summary: 'A task with its recent runs (run_limit)', tags: TAGS, params: TaskRef, query: TaskDetailQuery, data: ScheduledTaskDetail },
    (c, { params, query }) => scheduler.get(user(c), params.id, query),
  );

  defineRoute(
    app,
    { method: 'put', path: '/scheduled-tasks/{id}', summary: 'Change a task; takes effect at once', tags: TAGS, params: TaskRef, query: TaskRefQuery, body: UpdateTaskRequest, data: ScheduledTask },
    (c, { params, query, body }) => {
      const task = scheduler.update(user(c), params.id, body, query.project);
      c.set('resource', task.id);
      return task;
    },
  );

  defineRoute(
    app,
    { method: 'delete', path: '/scheduled-tasks/{id}', summary: 'Delete a task with its runs (a run in progress is stopped)', tags: TAGS, params: TaskRef, query: TaskRefQuery, data: ScheduledTask },
    (c, { params, query }) => {
      const task = scheduler.delete(user(c), params.id, query.project);
      c.set('resource', task.id);
      return task;
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/scheduled-tasks/{id}/execute',
      summary: 'Run now; the concurrency policy applies unless force (skip answers 409, queue queues)',
      tags: TAGS,
      params: TaskRef,
      query: ExecuteQuery,
      data: TaskRunSummary,
      status: 202,
    },
    (c, { params, query }) => {
      const run = scheduler.execute(user(c), params.id, query.force, query.project);
      c.set('resource', run.task_id);
      return run;
    },
  );

  for (const verb of ['enable', 'disable'] as const) {
    defineRoute(
      app,
      {
        method: 'post',
        path: `/scheduled-tasks/{id}/${verb}`,
        summary: verb === 'enable' ? 'Enable: it runs from its next instant on (missed time is not caught up)' : 'Disable: it never fires until enabled again',
        tags: TAGS,
        params: TaskRef,
        query: TaskRefQuery,
        data: ScheduledTask,
      },
      (c, { params, query }) => {
        const task = scheduler.setEnabled(user(c), params.id, verb === 'enable', query.project);
        c.set('resource', task.id);
        return task;
      },
    );
  }

  defineRoute(
    app,
    { method: 'get', path: '/scheduled-tasks/{id}/runs', summary: 'Runs of a task, newest first', tags: TAGS, params: TaskRef, query: TaskRunListQuery, data: Page(TaskRunSummary) },
    (c, { params, query }) => scheduler.runs(user(c), params.id, query),
  );

  return app;
}
