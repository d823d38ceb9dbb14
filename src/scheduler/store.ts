/**
 * The scheduler's rows. A run row is inserted before its run starts, with
 * ON CONFLICT DO NOTHING on (task_id, scheduled_for, attempt): an insert
 * that changed nothing means the instant was already run, and the caller
 * stops there.
 */
import { and, asc, count, desc, eq, getTableColumns, gte, isNotNull, sql, type SQL } from 'drizzle-orm';
import type { PageOf, TaskRun, TaskRunStatus, TaskRunSummary } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { projectTables } from '../projects/index.ts';
import { scheduled_task_runs as runs, scheduled_tasks as tasks } from './scheduler.sql.ts';

const { projects } = projectTables;

export type TaskRow = typeof tasks.$inferSelect;
export type NewTaskRow = typeof tasks.$inferInsert;
export type TaskPatch = Partial<Omit<TaskRow, 'id' | 'project_id' | 'created_at' | 'created_by'>>;
export type RunRow = typeof runs.$inferSelect;
export type NewRunRow = typeof runs.$inferInsert;
export type RunPatch = Partial<Omit<RunRow, 'id' | 'task_id' | 'project_id' | 'scheduled_for' | 'attempt' | 'created_at'>>;

export const toRunSummary = (r: RunRow): TaskRunSummary => ({
  id: r.id,
  task_id: r.task_id,
  project_id: r.project_id,
  scheduled_for: r.scheduled_for,
  trigger: r.trigger,
  attempt: r.attempt,
  status: r.status,
  reason: r.reason,
  due_at: r.due_at,
  started_at: r.started_at,
  finished_at: r.finished_at,
  duration_ms: r.duration_ms,
  exit_code: r.exit_code,
  run_id: r.run_id,
  conversation_id: r.conversation_id,
  input_tokens: r.input_tokens,
  output_tokens: r.output_tokens,
  cost_usd: r.cost_usd,
  webhook_status: r.webhook_status,
  created_at: r.created_at,
});

export const toRun = (r: RunRow): TaskRun => ({ ...toRunSummary(r), stdout: r.stdout_tail, stderr: r.stderr_tail });

const ph = (name: string) => sql.placeholder(name);
const RUN_COLUMNS = Object.keys(getTableColumns(runs)) as (keyof RunRow)[];

export class SchedulerStore {
  // Every firing reads its task, inserts its run, moves the task on, then records the start and the end:
  // prepared once, these cost a fraction of a query built afresh (the firing path is where the delay is).
  private readonly taskStmt;
  private readonly insertRunStmt;
  private readonly advanceStmt;
  private readonly startedStmt;
  private readonly finishStmt;
  private readonly countedStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    this.taskStmt = db.select().from(tasks).where(eq(tasks.id, ph('id'))).prepare();
    this.insertRunStmt = db
      .insert(runs)
      .values(Object.fromEntries(RUN_COLUMNS.map((c) => [c, ph(c)])) as unknown as NewRunRow)
      .onConflictDoNothing()
      .prepare();
    this.advanceStmt = db
      .update(tasks)
      .set({ next_run_at: sql`${ph('next_run_at')}`, missed_count: sql`${tasks.missed_count} + ${ph('missed')}`, updated_at: sql`${ph('now')}` })
      .where(eq(tasks.id, ph('id')))
      .prepare();
    this.startedStmt = db
      .update(runs)
      .set({ started_at: sql`${ph('started_at')}`, run_id: sql`${ph('run_id')}`, conversation_id: sql`${ph('conversation_id')}`, updated_at: sql`${ph('now')}` })
      .where(eq(runs.id, ph('id')))
      .prepare();
    const END = ['status', 'reason', 'exit_code', 'stdout_tail', 'stderr_tail', 'finished_at', 'duration_ms', 'input_tokens', 'output_tokens', 'cost_usd'] as const;
    this.finishStmt = db
      .update(runs)
      .set({ ...(Object.fromEntries(END.map((c) => [c, sql`${ph(c)}`])) as Partial<RunRow>), updated_at: sql`${ph('now')}` })
      .where(eq(runs.id, ph('id')))
      .prepare();
    this.countedStmt = db
      .update(tasks)
      .set({
        run_count: sql`${tasks.run_count} + 1`,
        success_count: sql`${tasks.success_count} + ${ph('success')}`,
        failure_count: sql`${tasks.failure_count} + ${ph('failure')}`,
        last_run_at: sql`${ph('last_run_at')}`,
        last_status: sql`${ph('last_status')}`,
        updated_at: sql`${ph('now')}`,
      })
      .where(eq(tasks.id, ph('id')))
      .prepare();
  }

  // ---- tasks ----

  insertTask(row: NewTaskRow): void {
    this.db.insert(tasks).values(row).run();
  }

  task(id: string): TaskRow | undefined {
    return this.taskStmt.get({ id });
  }

  /** A task of one of `ownerId`'s projects, by id; undefined for anyone else's. */
  ownedTask(ownerId: string, id: string): TaskRow | undefined {
    return this.db
      .select(getTableColumns(tasks))
      .from(tasks)
      .innerJoin(projects, eq(projects.id, tasks.project_id))
      .where(and(eq(tasks.id, id), eq(projects.owner_id, ownerId)))
      .get();
  }

  /** Tasks named `name` in `ownerId`'s projects (in one project when `projectId` is given). */
  ownedByName(ownerId: string, name: string, projectId?: string): TaskRow[] {
    const where = [eq(tasks.name, name), eq(projects.owner_id, ownerId)];
    if (projectId) where.push(eq(tasks.project_id, projectId));
    return this.db
      .select(getTableColumns(tasks))
      .from(tasks)
      .innerJoin(projects, eq(projects.id, tasks.project_id))
      .where(and(...where))
      .all();
  }

  list(ownerId: string, q: { projectId?: string; enabledOnly: boolean; limit: number; offset: number }): PageOf<TaskRow> {
    const where = this.ownerFilter(ownerId, q.projectId);
    if (q.enabledOnly) where.push(eq(tasks.enabled, true));
    const cond = and(...where);
    const total = this.db.select({ n: count() }).from(tasks).innerJoin(projects, eq(projects.id, tasks.project_id)).where(cond).get()?.n ?? 0;
    const items = this.db
      .select(getTableColumns(tasks))
      .from(tasks)
      .innerJoin(projects, eq(projects.id, tasks.project_id))
      .where(cond)
      .orderBy(asc(tasks.created_at), sql`scheduled_tasks.rowid`)
      .limit(q.limit)
      .offset(q.offset)
      .all();
    return { items, total, limit: q.limit, offset: q.offset };
  }

  /** Every task of the scope, for the stats. */
  all(ownerId: string, projectId?: string): TaskRow[] {
    return this.db
      .select(getTableColumns(tasks))
      .from(tasks)
      .innerJoin(projects, eq(projects.id, tasks.project_id))
      .where(and(...this.ownerFilter(ownerId, projectId)))
      .all();
  }

  enabledTasks(): TaskRow[] {
    return this.db.select().from(tasks).where(eq(tasks.enabled, true)).all();
  }

  updateTask(id: string, patch: TaskPatch): void {
    this.db
      .update(tasks)
      .set({ ...patch, updated_at: this.now() })
      .where(eq(tasks.id, id))
      .run();
  }

  /** Adds to the counters without reading them first. */
  count(id: string, add: { runs?: number; success?: number; failure?: number; missed?: number }, set: TaskPatch = {}): void {
    this.db
      .update(tasks)
      .set({
        ...set,
        run_count: sql`${tasks.run_count} + ${add.runs ?? 0}`,
        success_count: sql`${tasks.success_count} + ${add.success ?? 0}`,
        failure_count: sql`${tasks.failure_count} + ${add.failure ?? 0}`,
        missed_count: sql`${tasks.missed_count} + ${add.missed ?? 0}`,
        updated_at: this.now(),
      })
      .where(eq(tasks.id, id))
      .run();
  }

  deleteTask(id: string): void {
    this.db.delete(tasks).where(eq(tasks.id, id)).run();
  }

  // ---- runs ----

  /** false: a row for (task, scheduled_for, attempt) already exists, and nothing was written. */
  insertRun(row: RunRow): boolean {
    return this.insertRunStmt.run(row as unknown as Record<string, unknown>).changes === 1;
  }

  /** The task's next instant, and the instants it missed on the way. */
  advance(id: string, nextRunAt: number | null, missed: number): void {
    this.advanceStmt.run({ id, next_run_at: nextRunAt, missed, now: this.now() });
  }

  started(id: string, s: { started_at: number; run_id: string | null; conversation_id: string | null }): void {
    this.startedStmt.run({ id, ...s, now: this.now() });
  }

  finishRun(id: string, end: Pick<RunRow, 'status' | 'reason' | 'exit_code' | 'stdout_tail' | 'stderr_tail' | 'finished_at' | 'duration_ms' | 'input_tokens' | 'output_tokens' | 'cost_usd'>): void {
    this.finishStmt.run({ id, ...end, now: this.now() });
  }

  /** One more run ended: the counters and the last outcome. */
  counted(id: string, success: boolean, lastRunAt: number, lastStatus: TaskRunStatus): void {
    this.countedStmt.run({ id, success: success ? 1 : 0, failure: success ? 0 : 1, last_run_at: lastRunAt, last_status: lastStatus, now: this.now() });
  }

  run(id: string): RunRow | undefined {
    return this.db.select().from(runs).where(eq(runs.id, id)).get();
  }

  ownedRun(ownerId: string, id: string): RunRow | undefined {
    return this.db
      .select(getTableColumns(runs))
      .from(runs)
      .innerJoin(projects, eq(projects.id, runs.project_id))
      .where(and(eq(runs.id, id), eq(projects.owner_id, ownerId)))
      .get();
  }

  updateRun(id: string, patch: RunPatch): void {
    this.db
      .update(runs)
      .set({ ...patch, updated_at: this.now() })
      .where(eq(runs.id, id))
      .run();
  }

  /** queued → running, only if it still is queued (the guard when two pumps race). */
  claimQueued(id: string, startedAt: number): boolean {
    return this.db.update(runs).set({ status: 'running', started_at: startedAt, updated_at: this.now() }).where(and(eq(runs.id, id), eq(runs.status, 'queued'))).run().changes === 1;
  }

  listRuns(taskId: string, q: { status?: TaskRunStatus; limit: number; offset: number }): PageOf<TaskRunSummary> {
    const where = q.status ? and(eq(runs.task_id, taskId), eq(runs.status, q.status)) : eq(runs.task_id, taskId);
    const total = this.db.select({ n: count() }).from(runs).where(where).get()?.n ?? 0;
    const rows = this.db.select().from(runs).where(where).orderBy(desc(runs.created_at), desc(runs.scheduled_for), desc(runs.attempt), sql`rowid desc`).limit(q.limit).offset(q.offset).all();
    return { items: rows.map(toRunSummary), total, limit: q.limit, offset: q.offset };
  }

  recentRuns(taskId: string, limit: number): RunRow[] {
    if (limit === 0) return [];
    return this.db.select().from(runs).where(eq(runs.task_id, taskId)).orderBy(desc(runs.created_at), desc(runs.scheduled_for), desc(runs.attempt), sql`rowid desc`).limit(limit).all();
  }

  /** The latest finished runs of a project's tasks, with their task names (the agents' context). */
  projectResults(projectId: string, limit: number): { name: string; run: RunRow }[] {
    return this.db
      .select({ name: tasks.name, run: runs })
      .from(runs)
      .innerJoin(tasks, eq(tasks.id, runs.task_id))
      .where(and(eq(runs.project_id, projectId), isNotNull(runs.finished_at)))
      .orderBy(desc(runs.finished_at), desc(runs.id))
      .limit(limit)
      .all();
  }

  queued(taskId?: string): RunRow[] {
    const where = taskId ? and(eq(runs.status, 'queued'), eq(runs.task_id, taskId)) : eq(runs.status, 'queued');
    return this.db.select().from(runs).where(where).orderBy(asc(runs.due_at), asc(runs.created_at), asc(runs.id)).all();
  }

  queuedCount(taskId: string): number {
    return this.db.select({ n: count() }).from(runs).where(and(eq(runs.task_id, taskId), eq(runs.status, 'queued'))).get()?.n ?? 0;
  }

  /** Rows still `running` that no run of this process owns: a previous daemon died under them. */
  orphanedRuns(): RunRow[] {
    return this.db.select().from(runs).where(eq(runs.status, 'running')).all();
  }

  /** Runs of the scope created since `since`, counted by status. */
  runCounts(ownerId: string, projectId: string | undefined, since: number): Partial<Record<TaskRunStatus, number>> {
    const where = [...this.ownerFilter(ownerId, projectId, runs.project_id), gte(runs.created_at, since)];
    const rows = this.db
      .select({ status: runs.status, n: count() })
      .from(runs)
      .innerJoin(projects, eq(projects.id, runs.project_id))
      .where(and(...where))
      .groupBy(runs.status)
      .all();
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /** Keeps each task's newest `keep` runs (older finished ones go). Returns how many went. */
  prune(keep: number, olderThan: number): number {
    const res = this.db.run(sql`
      DELETE FROM scheduled_task_runs WHERE id IN (
        SELECT id FROM (
          SELECT id, finished_at, ROW_NUMBER() OVER (PARTITION BY task_id ORDER BY created_at DESC, id DESC) AS n FROM scheduled_task_runs
        ) WHERE n > ${keep} AND finished_at IS NOT NULL AND finished_at < ${olderThan}
      )`);
    return res.changes;
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(() => fn());
  }

  private ownerFilter(ownerId: string, projectId?: string, column: typeof tasks.project_id | typeof runs.project_id = tasks.project_id): SQL[] {
    const where: SQL[] = [eq(projects.owner_id, ownerId)];
    if (projectId) where.push(eq(column, projectId));
    return where;
  }
}

