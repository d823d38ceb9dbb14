import type { MiddlewareHandler } from 'hono';
import type { Logger } from 'pino';
import { transportOf, type AppEnv } from '../env.ts';

/** One line per request: never headers or the query string, where secrets could hide. */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async function requestLog(c, next) {
    const start = performance.now();
    await next();
    const p = c.get('principal');
    const status = c.res.status;
    const line = {
      request_id: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status,
      duration_ms: Math.round((performance.now() - start) * 100) / 100,
      transport: transportOf(c.env),
      user_id: p?.user.id ?? null,
      key_id: p?.keyId ?? null,
      client_type: p?.clientType ?? null,
    };
    if (status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
  };
}
