/**
 * Spending caps, checked before a call reaches any provider.
 *
 * The rule: a call is refused when what was spent this calendar month (UTC)
 * is already at or above the cap (spent ≥ cap). A call that starts under the
 * cap is let through whole, so a month can end at most one call's cost above
 * it; a cap of 0 refuses every call. Two caps apply: the global one
 * (budgets.global_monthly_usd in the LLM config) over every call, and a
 * project's own (settings.monthly_budget_usd) over that project's calls.
 * A turn limit (LlmRequest.turnCostLimitUsd) is checked the same way against
 * what the turn spent so far.
 */
import { ZeblitError, type BudgetState } from '../contracts/index.ts';
import { monthKey, monthStart, nextMonthStart, type CallLog } from './calls.ts';
import type { LlmRequest } from './types.ts';

/** What the budget needs of a project; the daemon passes the Projects domain, whose findById fits. */
export interface ProjectLookup {
  findById(id: string): { id: string; name: string; settings: { monthly_budget_usd: number | null } } | undefined;
}

export const usd = (v: number) => `$${v.toFixed(2)}`;

export class Budgets {
  constructor(
    private readonly calls: CallLog,
    private readonly globalCap: () => number | null,
    private readonly projects: ProjectLookup | null,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws BUDGET_EXCEEDED when the call must not be made. */
  check(req: Pick<LlmRequest, 'meta' | 'turnCostLimitUsd' | 'turnCostSoFarUsd'>): void {
    const now = this.now();
    const month = monthKey(now);
    const wait = new Date(nextMonthStart(now)).toISOString().slice(0, 10);
    const limit = req.turnCostLimitUsd;
    if (limit !== undefined && (req.turnCostSoFarUsd ?? 0) >= limit)
      throw new ZeblitError('BUDGET_EXCEEDED', `This turn reached its cost limit (${usd(limit)}): ${usd(req.turnCostSoFarUsd ?? 0)} spent`, {
        suggestion: 'Continue in a new message, or raise the per-turn limit.',
      });
    const projectId = req.meta.project_id;
    const project = projectId ? this.projects?.findById(projectId) : undefined;
    const projectCap = project?.settings.monthly_budget_usd ?? null;
    if (project && projectCap !== null) {
      const spent = this.calls.spent(monthStart(now), project.id);
      if (spent >= projectCap)
        throw new ZeblitError('BUDGET_EXCEEDED', `The monthly budget of project ${project.name} (${usd(projectCap)}) is spent: ${usd(spent)} used in ${month}`, {
          details: { scope: 'project', project_id: project.id, month, limit_usd: projectCap, spent_usd: spent },
          suggestion: `Raise it with \`zeblit config set budget.project <usd> --project ${project.name}\` (or remove it with \`none\`), or wait until ${wait} (UTC).`,
        });
    }
    const globalCap = this.globalCap();
    if (globalCap !== null) {
      const spent = this.calls.spent(monthStart(now));
      if (spent >= globalCap)
        throw new ZeblitError('BUDGET_EXCEEDED', `The global monthly budget (${usd(globalCap)}) is spent: ${usd(spent)} used in ${month}`, {
          details: { scope: 'global', project_id: null, month, limit_usd: globalCap, spent_usd: spent },
          suggestion: `Raise it with \`zeblit config set budget.global <usd>\` (or remove it with \`none\`), or wait until ${wait} (UTC).`,
        });
    }
  }

  /** The global state, and the project's when one is given. */
  states(projectId?: string | null): BudgetState[] {
    const now = this.now();
    const since = monthStart(now);
    const month = monthKey(now);
    const state = (scope: 'global' | 'project', id: string | null, limit: number | null, spent: number): BudgetState => ({
      scope,
      project_id: id,
      month,
      limit_usd: limit,
      spent_usd: spent,
      remaining_usd: limit === null ? null : Math.max(0, Math.round((limit - spent) * 1e9) / 1e9),
    });
    const out = [state('global', null, this.globalCap(), this.calls.spent(since))];
    if (projectId) {
      const cap = this.projects?.findById(projectId)?.settings.monthly_budget_usd ?? null;
      out.push(state('project', projectId, cap, this.calls.spent(since, projectId)));
    }
    return out;
  }
}
