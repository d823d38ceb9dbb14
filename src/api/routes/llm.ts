import { LlmConfigUpdate, LlmConfigView, ProviderCheckReport, UsageQuery, UsageReport } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { router, defineRoute, principalOf } from '../route.ts';
import { visibleProjectIds } from '../scope.ts';

/** The LLM configuration (keys go in, never out) and what the calls cost. */
export function llmRoutes(deps: AppDeps) {
  const app = router();
  const { llm, projects } = deps;

  defineRoute(
    app,
    {
      method: 'get',
      path: '/config/llm',
      summary: 'The LLM configuration: providers, order, models, prices, budgets (a key shows only as set, its source and last four characters)',
      tags: ['llm'],
      data: LlmConfigView,
    },
    () => llm.view(),
  );

  defineRoute(
    app,
    {
      method: 'put',
      path: '/config/llm',
      summary: 'Change the LLM configuration (admin); only the fields given change, null resets one',
      description: 'Provider keys are sealed (AES-256-GCM) before they are stored and are never returned. The audit log records the request, not its body.',
      tags: ['llm'],
      body: LlmConfigUpdate,
      data: LlmConfigView,
      scope: 'admin',
      role: 'admin',
    },
    (c, { body }) => {
      c.set('resource', 'config/llm');
      return llm.update(body);
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/config/llm/check',
      summary: 'Ask each enabled provider for a one-token answer: do its key, base URL and model work? (admin; each call is recorded and costs a few tokens)',
      tags: ['llm'],
      data: ProviderCheckReport,
      scope: 'admin',
      role: 'admin',
    },
    (c) => {
      c.set('resource', 'config/llm');
      return llm.checkProviders();
    },
  );

  defineRoute(
    app,
    {
      method: 'get',
      path: '/usage',
      summary: 'LLM usage and cost, grouped, with the budgets; default: this month (UTC)',
      description: 'An admin sees every call; anyone else the calls of their own projects, and the global budget only when it has a cap. With `project`, that project only, and its budget.',
      tags: ['llm'],
      query: UsageQuery,
      data: UsageReport,
    },
    (c, { query }) => {
      const me = principalOf(c);
      const base = { group_by: query.group_by, since: query.since, until: query.until };
      const visible = visibleProjectIds(deps, me);
      const report = query.project ? llm.usage({ ...base, project_id: projects.get(me.user.id, query.project).id }) : llm.usage({ ...base, project_ids: visible });
      if (!visible) return report;
      // The global budget's spending is everyone's: shown to a non-admin only when a cap makes it theirs to know (it can refuse their calls).
      return { ...report, budgets: report.budgets.filter((b) => b.scope !== 'global' || b.limit_usd !== null) };
    },
  );
  return app;
}
