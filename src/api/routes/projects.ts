import type { Context } from 'hono';
import { z } from 'zod';
import { CreateProjectRequest, DeleteProjectQuery, Page, Project, ProjectListQuery, Template, UpdateProjectRequest, ZeblitError, isTrue } from '../../contracts/index.ts';
import { hasScope } from '../../auth/index.ts';
import { listTemplates } from '../../projects/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { router, defineRoute, principalOf } from '../route.ts';

/**
 * Mounting a host folder into a container, cloning into one, or removing
 * one, is the machine owner's business: on the Unix socket (whose file only
 * the owner can open) the owner may; over TCP only an admin with an admin
 * key: a remote client must not be able to mount arbitrary host paths.
 */
function assertMayUseHostFolders(c: Context<AppEnv>, what: string): void {
  const p = principalOf(c);
  if (p.auth === 'socket') return;
  if (p.user.role === 'admin' && hasScope(p, 'admin')) return;
  throw new ZeblitError('FORBIDDEN', `Only the machine's owner (on the Unix socket) or an admin key may ${what}`, {
    suggestion: 'Run `zeblit` on the machine itself, or use a key of an admin created with --scopes read,write,admin.',
  });
}

const ProjectRef = z.object({ id: z.string().min(1).max(100).describe('Project id (prj_…) or name') });

export function projectRoutes(deps: AppDeps) {
  const app = router();
  const { projects } = deps;

  // Before /projects/{id}, so "templates" is never read as a project name.
  defineRoute(app, { method: 'get', path: '/projects/templates', summary: 'Project templates', tags: ['projects'], data: z.array(Template) }, () => listTemplates());

  defineRoute(
    app,
    {
      method: 'post',
      path: '/projects',
      summary: 'Create a project',
      description:
        'From a template (an empty workspace Zeblit keeps), from a folder of yours (`path`: the folder IS the workspace, nothing in it is changed), or from a git repository cloned on the host (`git`). Folder projects: on the socket, or over TCP with an admin key only.',
      tags: ['projects'],
      body: CreateProjectRequest,
      data: Project,
      status: 201,
    },
    async (c, { body }) => {
      const owner = principalOf(c).user.id;
      if (body.path === undefined && body.git === undefined) {
        const project = projects.create(owner, body);
        c.set('resource', project.id);
        return project;
      }
      assertMayUseHostFolders(c, body.git ? 'clone repositories on the host' : 'make a project of a host folder');
      const project = body.git ? await projects.createFromGit(owner, body) : projects.create(owner, body);
      c.set('resource', project.id);
      try {
        // The folder's files become the baseline (no content copied); from now on they are watched.
        await deps.files.importFolder(project.id);
      } catch (e) {
        // A project whose folder cannot be read is no project: it goes (its folder never does, but a fresh clone is ours to remove).
        await projects.delete(owner, project.id, { purge: body.git !== undefined });
        throw e;
      }
      return project;
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/projects', summary: 'List your projects (paged, searchable)', tags: ['projects'], query: ProjectListQuery, data: Page(Project) },
    (c, { query }) => projects.list(principalOf(c).user.id, query),
  );

  defineRoute(app, { method: 'get', path: '/projects/{id}', summary: 'A project, by id or name', tags: ['projects'], params: ProjectRef, data: Project }, (c, { params }) =>
    projects.get(principalOf(c).user.id, params.id),
  );

  defineRoute(
    app,
    { method: 'put', path: '/projects/{id}', summary: 'Update name, description or settings', tags: ['projects'], params: ProjectRef, body: UpdateProjectRequest, data: Project },
    (c, { params, body }) => {
      const project = projects.update(principalOf(c).user.id, params.id, body);
      c.set('resource', project.id);
      return project;
    },
  );

  defineRoute(
    app,
    {
      method: 'delete',
      path: '/projects/{id}',
      summary: 'Delete a project with its workspace and container',
      description: "A folder project's folder is the user's and stays, unless `purge=1` (socket, or an admin key over TCP).",
      tags: ['projects'],
      params: ProjectRef,
      query: DeleteProjectQuery,
      data: Project,
    },
    async (c, { params, query }) => {
      const purge = isTrue(query.purge);
      if (purge) assertMayUseHostFolders(c, "remove a project's folder");
      const project = await projects.delete(principalOf(c).user.id, params.id, { purge });
      c.set('resource', project.id);
      return project;
    },
  );

  for (const [verb, status] of [['archive', 'archived'], ['unarchive', 'active']] as const) {
    defineRoute(
      app,
      { method: 'post', path: `/projects/{id}/${verb}`, summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a project`, tags: ['projects'], params: ProjectRef, data: Project },
      (c, { params }) => {
        const project = projects.setStatus(principalOf(c).user.id, params.id, status);
        c.set('resource', project.id);
        return project;
      },
    );
  }
  return app;
}
