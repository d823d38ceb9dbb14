import { z } from 'zod';
import { Analysis, AnalyzeRequest, type AnalysisGroup, ClearResult, ConsoleHistory, ConsoleHistoryQuery, DetectedErrorInfo, ErrorsQuery } from '../../contracts/index.ts';
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
      description: "Rule-based grouping with causes and suggestions. With ai=true the Engineer agent adds an explanation (one LLM call, recorded with its cost; LLM_NOT_CONFIGURED without a provider, BUDGET_EXCEEDED over a budget).",
      tags: ['console'],
      params: ProjectRef,
      body: AnalyzeRequest,
      data: Analysis,
    },
    async (c, { params, body }) => {
      const project = projects.get(principalOf(c).user.id, params.id);
      con.flush();
      const errors = con.store.errors(project.id, { since: body.since, run_id: body.run_id, limit: 1000 });
      const analysis = con.analyze(errors, { template: project.template, memory_mb: project.settings.memory_mb });
      if (!body.ai || analysis.groups.length === 0) return { ...analysis, ai_explanation: null, ai_usage: null };
      const ai = await deps.agents.explainErrors(project, describeGroups(analysis.groups));
      return { ...analysis, ai_explanation: ai.text, ai_usage: ai.usage };
    },
  );
  return app;
}

/** The groups as the Engineer reads them: most important first, raw output trimmed. */
function describeGroups(groups: AnalysisGroup[]): string {
  return groups
    .slice(0, 20)
    .map((g, i) =>
      [
        `${i + 1}. [${g.severity}] ${g.type} (${g.language}): ${g.message}${g.file ? ` at ${g.file}${g.line ? `:${g.line}` : ''}` : ''}, seen ${g.occurrences}×`,
        `   rule-based cause: ${g.probable_cause}`,
        `   output:\n${g.raw.slice(0, 2000).replace(/^/gm, '     ')}`,
      ].join('\n'),
    )
    .join('\n\n');
}
