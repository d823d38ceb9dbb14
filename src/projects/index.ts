import { and, asc, count, eq, isNotNull, or, sql, type AnyColumn, type SQL } from 'drizzle-orm';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
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
import { checkFolder, expectedOwner, isInsideOrSame, type FolderRules } from './folders.ts';
import { cloneRepository } from './git.ts';
import { projects } from './projects.sql.ts';

export { TEMPLATES, listTemplates } from './templates.ts';
export { checkFolder, expectedOwner, isInsideOrSame, type FolderRules } from './folders.ts';
export { cloneRepository, commitPaths, git, type CommitInput, type CommitResult } from './git.ts';
export * as projectTables from './projects.sql.ts';

type Row = typeof projects.$inferSelect;
/** Called before a project's row and workspace go, so other domains (containers) can clean up. */
export type ProjectDeleteHook = (project: Project) => Promise<void> | void;

export interface ProjectsOptions {
  /** The user's home folder (never a project itself). Default os.homedir(). */
  userHome?: string;
  /** Who must own a folder project's folder; null: anyone. Default expectedOwner(). */
  folderOwner?: number | null;
  /** Where `git` clones go without a path: <cloneDir>/<name>. Default ~/zeblit. */
  cloneDir?: string;
}

const toProject = (r: Row): Project => ({
  id: r.id,
  name: r.name,
  description: r.description,
  template: r.template,
  settings: { ...DEFAULT_SETTINGS, ...r.settings },
  status: r.status,
  owner_id: r.owner_id,
  path: r.path ?? null,
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

  readonly folderRules: FolderRules;
  readonly cloneDir: string;

  constructor(
    private readonly db: Db,
    private readonly paths: ZeblitPaths,
    private readonly now: () => number = Date.now,
    opts: ProjectsOptions = {},
  ) {
    this.folderRules = { zeblitHome: paths.home, userHome: opts.userHome ?? homedir(), ownerUid: opts.folderOwner === undefined ? expectedOwner() : opts.folderOwner };
    this.cloneDir = resolve(opts.cloneDir ?? join(this.folderRules.userHome, 'zeblit'));
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

  /** The workspace on the host: a folder project's own folder, else the one under $ZEBLIT_HOME. */
  workspace(project: Pick<Project, 'id'> & { path?: string | null }): string {
    return project.path ?? projectWorkspace(this.paths, project.id);
  }

  /** The workspace of a project by id (for the daemon's wiring: files, containers). */
  workspaceOf(projectId: string): string {
    const row = this.db.select({ path: projects.path }).from(projects).where(eq(projects.id, projectId)).get();
    return row?.path ?? projectWorkspace(this.paths, projectId);
  }

  /** $ZEBLIT_HOME/projects/<id>: the workspace of a template project, and every project's home volume and scratch space. */
  private dataDir(projectId: string): string {
    return join(this.paths.projects, projectId);
  }

  /**
   * A template project (an empty workspace under $ZEBLIT_HOME), or with
   * `path` a folder project of that folder (checked by checkFolder: nothing
   * in it is touched). `git` needs the asynchronous createFromGit.
   */
  create(ownerId: string, input: CreateProjectRequest): Project {
    const req = CreateProjectRequest.parse(input);
    if (req.git) throw new ZeblitError('VALIDATION_FAILED', 'A project from a git repository is made by createFromGit');
    this.assertNameFree(ownerId, req.name);
    const folder = req.path === undefined ? null : checkFolder(req.path, this.folderRules, this.folders());
    const now = this.now();
    const row: Row = {
      id: newId('project', now),
      owner_id: ownerId,
      name: req.name,
      description: req.description,
      template: req.template,
      settings: ProjectSettings.parse(req.settings),
      status: 'active',
      path: folder,
      created_at: now,
      updated_at: now,
    };
    // Folder first: if the insert fails we remove it; a row never points at a missing workspace. A folder project's own folder is never made or removed here.
    mkdirSync(folder ? this.dataDir(row.id) : this.workspace(row), { recursive: true, mode: 0o755 });
    try {
      this.db.insert(projects).values(row).run();
      this.pages.clear();
    } catch (e) {
      rmSync(this.dataDir(row.id), { recursive: true, force: true });
      if (String(e).includes('projects.path')) throw conflict(`${folder} is already the folder of another project`, 'Use that project (`zeblit list`), or delete it first.');
      if (String(e).includes('UNIQUE')) throw conflict(`You already have a project named "${req.name}"`);
      throw e;
    }
    return toProject(row);
  }

  /**
   * Clones `git.url` on the host into `path` (default <cloneDir>/<name>) and
   * makes a folder project of the clone. A refused project leaves no clone.
   */
  async createFromGit(ownerId: string, input: CreateProjectRequest): Promise<Project> {
    const req = CreateProjectRequest.parse(input);
    if (!req.git) return this.create(ownerId, req);
    this.assertNameFree(ownerId, req.name);
    const target = resolve(req.path ?? join(this.cloneDir, req.name));
    await cloneRepository({ url: req.git.url, branch: req.git.branch, target });
    try {
      return this.create(ownerId, { ...req, git: undefined, path: target });
    } catch (e) {
      rmSync(target, { recursive: true, force: true });
      throw e;
    }
  }

  /** Every folder project, whoever owns it (the daemon watches their folders). */
  allFolderProjects(): Project[] {
    return this.db.select().from(projects).where(isNotNull(projects.path)).all().map(toProject);
  }

  /** Every folder project's folder (they must not overlap). */
  private folders(): string[] {
    return this.db
      .select({ path: projects.path })
      .from(projects)
      .where(isNotNull(projects.path))
      .all()
      .flatMap((r) => (r.path ? [r.path] : []));
  }

  /** The caller's folder project whose folder is `path` or contains it (the deepest, though folders never overlap). */
  containing(ownerId: string, path: string): Project | undefined {
    let real: string;
    try {
      real = realpathSync(path);
    } catch {
      real = resolve(path);
    }
    const rows = this.db
      .select()
      .from(projects)
      .where(and(eq(projects.owner_id, ownerId), isNotNull(projects.path)))
      .all()
      .filter((r) => r.path !== null && isInsideOrSame(real, r.path))
      .sort((a, b) => (b.path?.length ?? 0) - (a.path?.length ?? 0));
    return rows[0] ? toProject(rows[0]) : undefined;
  }

  list(ownerId: string, input: ProjectListQuery = {}): PageOf<Project> {
    const q = ProjectListQuery.parse(input);
    if (q.contains !== undefined) {
      const found = this.containing(ownerId, q.contains);
      const items = found && (q.status === 'all' || found.status === q.status) ? [found] : [];
      return { items, total: items.length, limit: q.limit, offset: q.offset };
    }
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

  /**
   * Deletes the project, its container and what Zeblit keeps of it. A folder
   * project's folder is the user's: it stays, unless `purge` says otherwise.
   */
  async delete(ownerId: string, idOrName: string, opts: { purge?: boolean } = {}): Promise<Project> {
    const project = this.get(ownerId, idOrName);
    for (const hook of this.deleteHooks) await hook(project);
    // The folder goes first: when it cannot all be removed, the project stays, to be deleted again once that is fixed.
    if (project.path && opts.purge) purgeFolder(project.name, project.path);
    this.db.delete(projects).where(eq(projects.id, project.id)).run();
    this.pages.clear();
    rmSync(this.dataDir(project.id), { recursive: true, force: true });
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

function purgeFolder(name: string, folder: string): void {
  try {
    rmSync(folder, { recursive: true, force: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ZeblitError('CONFLICT', `Could not remove all of ${folder}${err.code ? ` (${err.code} at ${err.path ?? folder})` : `: ${err.message}`}`, {
      details: { path: folder, code: err.code ?? null, at: err.path ?? null },
      suggestion: `The project ${name} is kept, and what was removed is gone. Fix what stopped it (permissions, an immutable or busy file), then run \`zeblit delete ${name} --purge\` again; or delete the project without --purge and remove the rest yourself.`,
    });
  }
}
