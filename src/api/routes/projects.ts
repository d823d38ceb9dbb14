import { z } from 'zod';
import { CreateProjectRequest, Page, Project, ProjectListQuery, Template, UpdateProjectRequest } from '../../contracts/index.ts';
import { listTemplates } from '../../projects/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { router, defineRoute, principalOf } from '../route.ts';

const ProjectRef = z.object({ id: z.string().min(1).max(100).describe('Project id (prj_…) or name') });

export function projectRoutes(deps: AppDeps) {
  const app = router();
  const { projects } = deps;

  // Before /projects/{id}, so "templates" is never read as a project name.
  defineRoute(app, { method: 'get', path: '/projects/templates', summary: 'Project templates', tags: ['projects'], data: z.array(Template) }, () => listTemplates());

  defineRoute(
    app,
    { method: 'post', path: '/projects', summary: 'Create a project', tags: ['projects'], body: CreateProjectRequest, data: Project, status: 201 },
    (c, { body }) => {
      const project = projects.create(principalOf(c).user.id, body);
      c.set('resource', project.id);
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
    { method: 'delete', path: '/projects/{id}', summary: 'Delete a project with its workspace and container', tags: ['projects'], params: ProjectRef, data: Project },
    async (c, { params }) => {
      const project = await projects.delete(principalOf(c).user.id, params.id);
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
