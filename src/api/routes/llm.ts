import { LlmConfigUpdate, LlmConfigView, ProviderCheckReport, UsageQuery, UsageReport } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { router, defineRoute, principalOf } from '../route.ts';

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
      description: 'An admin sees every call; anyone else the calls of their own projects. With `project`, that project only, and its budget.',
      tags: ['llm'],
      query: UsageQuery,
      data: UsageReport,
    },
    (c, { query }) => {
      const me = principalOf(c);
      const base = { group_by: query.group_by, since: query.since, until: query.until };
      if (query.project) return llm.usage({ ...base, project_id: projects.get(me.user.id, query.project).id });
      if (me.user.role === 'admin') return llm.usage(base);
      return llm.usage({ ...base, project_ids: ownProjectIds(deps, me.user.id) });
    },
  );
  return app;
}

function ownProjectIds(deps: AppDeps, userId: string): string[] {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = deps.projects.list(userId, { status: 'all', limit: 500, offset });
    ids.push(...page.items.map((p) => p.id));
    if (offset + page.items.length >= page.total || page.items.length === 0) return ids;
  }
}
