/**
 * What one user of a shared daemon may see of the others. Invariant: a
 * route that lists or sums activity across projects (usage, agent status,
 * image pulls, hub stats, the audit log) shows a non-admin only what
 * belongs to their own projects; another user's project is never named.
 * An admin sees everything, but only with a credential that carries the
 * admin scope (the socket, an admin key): an admin's read-only key sees
 * what any user sees.
 */
import { hasScope, type Principal } from '../auth/index.ts';
import type { AppDeps } from './deps.ts';

export function seesEveryone(p: Principal): boolean {
  return p.user.role === 'admin' && hasScope(p, 'admin');
}

/** Ids of every project the user owns (archived ones too). */
export function ownProjectIds(deps: Pick<AppDeps, 'projects'>, userId: string): string[] {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = deps.projects.list(userId, { status: 'all', limit: 500, offset });
    ids.push(...page.items.map((p) => p.id));
    if (offset + page.items.length >= page.total || page.items.length === 0) return ids;
  }
}

/** The projects whose activity `p` may see: undefined for everything (an admin), else their own. */
export function visibleProjectIds(deps: Pick<AppDeps, 'projects'>, p: Principal): string[] | undefined {
  return seesEveryone(p) ? undefined : ownProjectIds(deps, p.user.id);
}
