import { and, asc, count, eq, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { mkdirSync, rmSync } from 'node:fs';
import {
  CreateProjectRequest,
  DEFAULT_SETTINGS,
  ProjectListQuery,
  ProjectSettings,
  UpdateProjectRequest,
  ZeblitError,
  conflict,
  isId,
  newId,
  notFound,
  projectWorkspace,
  type PageOf,
  type Project,
  type ZeblitPaths,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { projects } from './projects.sql.ts';

export { TEMPLATES, listTemplates } from './templates.ts';
export * as projectTables from './projects.sql.ts';

type Row = typeof projects.$inferSelect;
/** Called before a project's row and workspace go, so other domains (containers) can clean up. */
export type ProjectDeleteHook = (project: Project) => Promise<void> | void;

const toProject = (r: Row): Project => ({
  id: r.id,
  name: r.name,
  description: r.description,
  template: r.template,
  settings: { ...DEFAULT_SETTINGS, ...r.settings },
  status: r.status,
  owner_id: r.owner_id,
  created_at: r.created_at,
  updated_at: r.updated_at,
});

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
// SQLite's LIKE has no escape character unless told: without ESCAPE the backslashes above would be literal.
const likeEscaped = (col: AnyColumn, pattern: string): SQL => sql`${col} like ${pattern} escape '\\'`;

export class Projects {
  private readonly deleteHooks: ProjectDeleteHook[] = [];

  private readonly listPage;
  private readonly listCount;
  /**
   * Listing pages (no search) by owner, status, limit and offset. Every write
   * to the projects table goes through this class and clears it, so a page is
   * never stale; it spares the hottest read of the API its SQLite row decoding.
   */
  private readonly pages = new Map<string, PageOf<Project>>();

  constructor(
    private readonly db: Db,
    private readonly paths: ZeblitPaths,
    private readonly now: () => number = Date.now,
  ) {
    const owner = eq(projects.owner_id, sql.placeholder('owner'));
    // status NULL means every status.
    const status = sql`(${sql.placeholder('status')} IS NULL OR ${projects.status} = ${sql.placeholder('status')})`;
    this.listPage = db
      .select()
      .from(projects)
      .where(and(owner, status))
      .orderBy(asc(projects.created_at))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .prepare();
    this.listCount = db.select({ n: count() }).from(projects).where(and(owner, status)).prepare();
  }

  onDelete(hook: ProjectDeleteHook): void {
    this.deleteHooks.push(hook);
  }

  workspace(project: Pick<Project, 'id'>): string {
    return projectWorkspace(this.paths, project.id);
  }

  create(ownerId: string, input: CreateProjectRequest): Project {
    const req = CreateProjectRequest.parse(input);
    this.assertNameFree(ownerId, req.name);
    const now = this.now();
    const row: Row = {
      id: newId('project', now),
      owner_id: ownerId,
      name: req.name,
      description: req.description,
      template: req.template,
      settings: ProjectSettings.parse(req.settings),
      status: 'active',
      created_at: now,
      updated_at: now,
    };
    // Folder first: if the insert fails we remove it; a row never points at a missing workspace.
    const dir = this.workspace(row);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    try {
      this.db.insert(projects).values(row).run();
      this.pages.clear();
    } catch (e) {
      rmSync(this.workspace(row).replace(/\/workspace$/, ''), { recursive: true, force: true });
      if (String(e).includes('UNIQUE')) throw conflict(`You already have a project named "${req.name}"`);
      throw e;
    }
    return toProject(row);
  }

  list(ownerId: string, input: ProjectListQuery = {}): PageOf<Project> {
    const q = ProjectListQuery.parse(input);
    let rows: Row[];
    let countOf: () => number;
    const cacheKey = q.q ? null : `${ownerId}|${q.status}|${q.limit}|${q.offset}`;
    const cached = cacheKey ? this.pages.get(cacheKey) : undefined;
    if (cached) return cached;
    if (!q.q) {
      // The common listing (no search) runs prepared statements: it is the hottest read of the API.
      const status = q.status === 'all' ? null : q.status;
      rows = this.listPage.all({ owner: ownerId, status, limit: q.limit, offset: q.offset });
      countOf = () => this.listCount.get({ owner: ownerId, status })?.n ?? 0;
    } else {
      const filters: SQL[] = [eq(projects.owner_id, ownerId)];
      if (q.status !== 'all') filters.push(eq(projects.status, q.status));
      const pattern = `%${escapeLike(q.q)}%`;
      const search = or(likeEscaped(projects.name, pattern), likeEscaped(projects.description, pattern));
      if (search) filters.push(search);
      const where = and(...filters);
      rows = this.db.select().from(projects).where(where).orderBy(asc(projects.created_at)).limit(q.limit).offset(q.offset).all();
      countOf = () => this.db.select({ n: count() }).from(projects).where(where).get()?.n ?? 0;
    }
    // A first page that is not full already tells the total.
    const total = q.offset === 0 && rows.length < q.limit ? rows.length : countOf();
    const page = { items: rows.map(toProject), total, limit: q.limit, offset: q.offset };
    if (cacheKey) {
      if (this.pages.size >= 256) this.pages.clear();
      this.pages.set(cacheKey, page);
    }
    return page;
  }

  /** By id, whoever owns it: for the daemon's own wiring, never for a caller's request. */
  findById(id: string): Project | undefined {
    const row = this.db.select().from(projects).where(eq(projects.id, id)).get();
    return row ? toProject(row) : undefined;
  }

  /** By id or by name; another user's project is simply not found. */
  get(ownerId: string, idOrName: string): Project {
    const byId = isId('project', idOrName);
    const row = this.db
      .select()
      .from(projects)
      .where(and(eq(projects.owner_id, ownerId), byId ? eq(projects.id, idOrName) : eq(projects.name, idOrName)))
      .get();
    if (!row) throw notFound(`Project ${idOrName}`, 'List your projects with `zeblit list`.');
    return toProject(row);
  }

  update(ownerId: string, idOrName: string, input: UpdateProjectRequest): Project {
    const req = UpdateProjectRequest.parse(input);
    const current = this.get(ownerId, idOrName);
    if (req.name !== undefined && req.name !== current.name) this.assertNameFree(ownerId, req.name);
    const settings = req.settings ? ProjectSettings.parse({ ...current.settings, ...req.settings }) : current.settings;
    const patch = {
      name: req.name ?? current.name,
      description: req.description ?? current.description,
      settings,
      updated_at: this.now(),
    };
    this.db.update(projects).set(patch).where(eq(projects.id, current.id)).run();
    this.pages.clear();
    return { ...current, ...patch };
  }

  setStatus(ownerId: string, idOrName: string, status: Project['status']): Project {
    const current = this.get(ownerId, idOrName);
    if (current.status === status) return current;
    const updated_at = this.now();
    this.db.update(projects).set({ status, updated_at }).where(eq(projects.id, current.id)).run();
    this.pages.clear();
    return { ...current, status, updated_at };
  }

  async delete(ownerId: string, idOrName: string): Promise<Project> {
    const project = this.get(ownerId, idOrName);
    for (const hook of this.deleteHooks) await hook(project);
    this.db.delete(projects).where(eq(projects.id, project.id)).run();
    this.pages.clear();
    rmSync(this.workspace(project).replace(/\/workspace$/, ''), { recursive: true, force: true });
    return project;
  }

  /** Used when a user is deleted: their projects' folders and containers go too. */
  async deleteAllOf(ownerId: string): Promise<number> {
    const rows = this.db.select({ id: projects.id }).from(projects).where(eq(projects.owner_id, ownerId)).all();
    for (const r of rows) await this.delete(ownerId, r.id);
    return rows.length;
  }

  private assertNameFree(ownerId: string, name: string): void {
    const clash = this.db
      .select({ id: projects.id })
      .from(projects)
      .where(and(eq(projects.owner_id, ownerId), eq(projects.name, name)))
      .get();
    if (clash) throw conflict(`You already have a project named "${name}"`, 'Pick another name, or delete the old project first.');
  }
}

export function assertActive(project: Project): void {
  if (project.status === 'archived')
    throw new ZeblitError('CONFLICT', `Project ${project.name} is archived`, { suggestion: `Unarchive it first: zeblit unarchive ${project.name}` });
}
