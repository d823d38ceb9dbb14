import { z } from 'zod';
import { Analysis, AnalyzeRequest, ClearResult, ConsoleHistory, ConsoleHistoryQuery, DetectedErrorInfo, ErrorsQuery } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { defineRoute, principalOf, router } from '../route.ts';

const ProjectRef = z.object({ id: z.string().min(1).max(100).describe('Project id (prj_…) or name') });

export function consoleRoutes(deps: AppDeps) {
  const app = router();
  const { projects, console: con } = deps;

  defineRoute(
    app,
    {
      method: 'get',
      path: '/projects/{id}/console/history',
      summary: 'Console lines: the newest page, or forward from since_seq; filter by run, stream, source, level, text',
      tags: ['console'],
      params: ProjectRef,
      query: ConsoleHistoryQuery,
      data: ConsoleHistory,
    },
    (c, { params, query }) => {
      const project = projects.get(principalOf(c).user.id, params.id);
      con.capture.flush();
      // last_seq is the project's event seq, not its last line's: a follower resumes there and sees nothing twice.
      return { ...con.store.history(project.id, query), last_seq: deps.bus.lastSeq(project.id) };
    },
  );

  defineRoute(
    app,
    { method: 'delete', path: '/projects/{id}/console/clear', summary: 'Delete the stored console lines and detected errors', tags: ['console'], params: ProjectRef, data: ClearResult },
    (c, { params }) => {
      const project = projects.get(principalOf(c).user.id, params.id);
      c.set('resource', project.id);
      con.capture.flush();
      return con.store.clear(project.id);
    },
  );

  defineRoute(
    app,
    { method: 'get', path: '/projects/{id}/console/errors', summary: 'Errors recognised in the console, newest first, repeats counted', tags: ['console'], params: ProjectRef, query: ErrorsQuery, data: z.array(DetectedErrorInfo) },
    (c, { params, query }) => {
      const project = projects.get(principalOf(c).user.id, params.id);
      con.flush();
      return con.store.errors(project.id, query);
    },
  );
  defineRoute(
    app,
    {
      method: 'post',
      path: '/projects/{id}/console/analyze',
      summary: 'Group the detected errors with probable causes and suggestions',
      description: 'Rule-based. With ai=true an AI explanation is added once an LLM provider is configured; until then ai_explanation is null.',
      tags: ['console'],
      params: ProjectRef,
      body: AnalyzeRequest,
      data: Analysis,
    },
    (c, { params, body }) => {
      const project = projects.get(principalOf(c).user.id, params.id);
      con.flush();
      const errors = con.store.errors(project.id, { since: body.since, run_id: body.run_id, limit: 1000 });
      return { ...con.analyze(errors, { template: project.template, memory_mb: project.settings.memory_mb }), ai_explanation: null };
    },
  );
  return app;
}
