/** Rows of the containers and runs tables: what Zeblit believes, and what ran. */
import { and, count, desc, eq, inArray, sql } from 'drizzle-orm';
import { DEFAULT_SETTINGS, type PageOf, type Project, type RunStatus, type RunSummary } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { projectTables } from '../projects/index.ts';
import { containers, runs } from './containers.sql.ts';

const { projects } = projectTables;

export type ContainerRow = typeof containers.$inferSelect;
export type ContainerPatch = Partial<Omit<ContainerRow, 'project_id' | 'created_at'>>;
export type RunRow = typeof runs.$inferSelect;
export type NewRun = typeof runs.$inferInsert;
/** What finishing a run writes. */
export type RunEnd = Pick<RunRow, 'status' | 'exit_code' | 'timed_out' | 'oom_killed' | 'error' | 'stdout_tail' | 'stderr_tail' | 'stdout_bytes' | 'stderr_bytes' | 'finished_at' | 'duration_ms'>;

const ph = (name: string) => sql.placeholder(name);
const RUN_COLUMNS = ['id', 'project_id', 'user_id', 'key_id', 'client_type', 'command', 'argv', 'cwd', 'status', 'channel', 'detached', 'started_at'] as const;
const END_COLUMNS = ['status', 'exit_code', 'timed_out', 'oom_killed', 'error', 'stdout_tail', 'stderr_tail', 'stdout_bytes', 'stderr_bytes', 'finished_at', 'duration_ms'] as const;

export const toRunSummary = (r: RunRow): RunSummary => ({
  id: r.id,
  project_id: r.project_id,
  user_id: r.user_id,
  client_type: r.client_type,
  command: r.command,
  argv: r.argv,
  cwd: r.cwd,
  status: r.status,
  exit_code: r.exit_code,
  timed_out: r.timed_out,
  oom_killed: r.oom_killed,
  detached: r.detached,
  channel: r.channel,
  started_at: r.started_at,
  finished_at: r.finished_at,
  duration_ms: r.duration_ms,
  error: r.error,
});

export class ContainerStore {
  // Every command writes its run twice: prepared once, these cost a fifth of a freshly built query.
  private readonly insertRunStmt;
  private readonly finishRunStmt;

  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {
    this.insertRunStmt = db
      .insert(runs)
      .values(Object.fromEntries(RUN_COLUMNS.map((c) => [c, ph(c)])) as unknown as NewRun)
      .prepare();
    this.finishRunStmt = db
      .update(runs)
      .set(Object.fromEntries(END_COLUMNS.map((c) => [c, ph(c)])) as Partial<RunRow>)
      // Only a run still running: one a newer daemon already called lost keeps that verdict.
      .where(and(eq(runs.id, ph('id')), eq(runs.status, 'running')))
      .prepare();
  }

  get(projectId: string): ContainerRow | undefined {
    return this.db.select().from(containers).where(eq(containers.project_id, projectId)).get();
  }

  all(): ContainerRow[] {
    return this.db.select().from(containers).all();
  }

  /** Inserts or updates; a row for a project that is gone is silently skipped (the project was deleted meanwhile). */
  upsert(projectId: string, name: string, patch: ContainerPatch): void {
    const t = this.now();
    if (!this.projectExists(projectId)) return;
    this.db
      .insert(containers)
      .values({ project_id: projectId, name, state: 'absent', ...patch, created_at: t, updated_at: t })
      .onConflictDoUpdate({ target: containers.project_id, set: { ...patch, updated_at: t } })
      .run();
  }

  remove(projectId: string): void {
    this.db.delete(containers).where(eq(containers.project_id, projectId)).run();
  }

  /** A project by id alone (the caller already checked access, or it is the daemon itself). */
  project(projectId: string): Project | undefined {
    const r = this.db.select().from(projects).where(eq(projects.id, projectId)).get();
    return r ? { ...r, settings: { ...DEFAULT_SETTINGS, ...r.settings } } : undefined;
  }

  projectExists(projectId: string): boolean {
    return this.db.select({ id: projects.id }).from(projects).where(eq(projects.id, projectId)).get() !== undefined;
  }

  existingProjects(ids: string[]): Set<string> {
    if (ids.length === 0) return new Set();
    return new Set(this.db.select({ id: projects.id }).from(projects).where(inArray(projects.id, ids)).all().map((r) => r.id));
  }

  // ---- runs ----

  insertRun(run: Pick<RunRow, (typeof RUN_COLUMNS)[number]>): void {
    this.insertRunStmt.run(run);
  }

  finishRun(id: string, end: RunEnd): void {
    this.finishRunStmt.run({ ...end, id });
  }

  getRun(projectId: string, runId: string): RunRow | undefined {
    return this.db
      .select()
      .from(runs)
      .where(and(eq(runs.project_id, projectId), eq(runs.id, runId)))
      .get();
  }

  listRuns(projectId: string, q: { status?: RunStatus; limit: number; offset: number }): PageOf<RunSummary> {
    const where = q.status ? and(eq(runs.project_id, projectId), eq(runs.status, q.status)) : eq(runs.project_id, projectId);
    const total = this.db.select({ n: count() }).from(runs).where(where).get()?.n ?? 0;
    const rows = this.db.select().from(runs).where(where).orderBy(desc(runs.started_at), desc(runs.id)).limit(q.limit).offset(q.offset).all();
    return { items: rows.map(toRunSummary), total, limit: q.limit, offset: q.offset };
  }

  /** Runs a previous daemon left "running": nobody will ever see them finish. */
  markLostRuns(except: Set<string>): number {
    const stale = this.db.select({ id: runs.id }).from(runs).where(eq(runs.status, 'running')).all();
    const ids = stale.map((r) => r.id).filter((id) => !except.has(id));
    if (ids.length === 0) return 0;
    this.db
      .update(runs)
      .set({ status: 'lost', error: 'the daemon stopped while it ran', finished_at: this.now() })
      .where(inArray(runs.id, ids))
      .run();
    return ids.length;
  }
}
