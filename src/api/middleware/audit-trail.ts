import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import type { Audit } from '../../audit/index.ts';
import { transportOf, type AppEnv } from '../env.ts';

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Records every mutating request, whatever its outcome, after the response is known. */
export function auditTrail(audit: Audit, logger: Logger): MiddlewareHandler<AppEnv> {
  return async function auditTrail(c, next) {
    await next();
    if (!MUTATING.has(c.req.method)) return;
    const p = c.get('principal');
    const pattern = c.req.routePath && c.req.routePath !== '/*' && !c.req.routePath.endsWith('*') ? c.req.routePath : c.req.path;
    try {
      audit.record({
        userId: p?.user.id ?? null,
        keyId: p?.keyId ?? null,
        clientType: p?.clientType ?? null,
        transport: transportOf(c.env),
        action: `${c.req.method} ${pattern}`,
        method: c.req.method,
        path: c.req.path,
        resource: c.get('resource') ?? c.req.param('id') ?? null,
        status: c.res.status,
        requestId: c.get('requestId'),
      });
    } catch (e) {
      // The audit trail must never turn a done request into a failure.
      logger.error({ err: e, request_id: c.get('requestId') }, 'audit write failed');
    }
  };
}
