import { z } from 'zod';
import { KillQuery, Page, Run, RunListQuery, RunSummary } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { defineRoute, principalOf, router } from '../route.ts';

const ProjectRef = z.object({ id: z.string().min(1).max(100).describe('Project id (prj_…) or name') });
const RunRef = ProjectRef.extend({ run_id: z.string().min(1).max(64).describe('Run id (run_…)') });

/** Every command run in a project container, detached or not. */
export function runRoutes(deps: AppDeps) {
  const app = router();
  const { projects, containers } = deps;

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/runs', summary: 'Runs of the project, newest first', tags: ['containers'], params: ProjectRef, query: RunListQuery, data: Page(RunSummary) },
    (c, { params, query }) => containers.listRuns(projects.get(principalOf(c).user.id, params.id), query),
  );

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/runs/{run_id}', summary: 'A run: status, exit code, output so far (or its tails once finished)', tags: ['containers'], params: RunRef, data: Run },
    (c, { params }) => containers.getRun(projects.get(principalOf(c).user.id, params.id), params.run_id),
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/projects/{id}/runs/{run_id}/kill',
      summary: "Kill a run's whole process tree (TERM, then KILL after a grace period)",
      tags: ['containers'],
      params: RunRef,
      query: KillQuery,
      data: Run,
    },
    (c, { params, query }) => {
      const project = projects.get(principalOf(c).user.id, params.id);
      c.set('resource', params.run_id);
      return containers.killRun(project, params.run_id, query.signal);
    },
  );
  return app;
}
