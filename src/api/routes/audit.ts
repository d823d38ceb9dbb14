import { AuditEntry, AuditQuery, Page } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { router, defineRoute, principalOf } from '../route.ts';

export function auditRoutes(deps: AppDeps) {
  const app = router();
  defineRoute(
    app,
    { method: 'get', path: '/audit', summary: 'The audit log: admins see everyone, others themselves', tags: ['audit'], query: AuditQuery, data: Page(AuditEntry) },
    (c, { query }) => {
      const p = principalOf(c);
      const admin = p.user.role === 'admin' && p.scopes.includes('admin');
      return deps.audit.list(query, admin ? undefined : p.user.id);
    },
  );
  return app;
}
