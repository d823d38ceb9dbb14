import { AuditEntry, AuditQuery, Page } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { router, defineRoute, principalOf } from '../route.ts';
import { seesEveryone } from '../scope.ts';

export function auditRoutes(deps: AppDeps) {
  const app = router();
  defineRoute(
    app,
    { method: 'get', path: '/audit', summary: 'The audit log: admins see everyone, others themselves', tags: ['audit'], query: AuditQuery, data: Page(AuditEntry) },
    (c, { query }) => {
      const p = principalOf(c);
      return deps.audit.list(query, seesEveryone(p) ? undefined : p.user.id);
    },
  );
  return app;
}
