import { Health, VERSION } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { transportOf, type AppEnv } from '../env.ts';
import { router, defineRoute } from '../route.ts';

export function healthRoutes(deps: AppDeps) {
  const app = router();
  defineRoute(
    app,
    { method: 'get', path: '/health', summary: 'Daemon health', tags: ['system'], data: Health, scope: 'public' },
    async (c) => {
      const dbOk = deps.database.ping();
      const transport = transportOf(c.env);
      // Anonymous TCP callers learn only that the daemon is alive, never where its files are.
      // A service credential is not a user: it learns no more than an anonymous caller.
      const p = c.get('principal');
      const trusted = transport === 'unix' || (p !== undefined && p.service === null);
      const { reachable, version, endpoint, error } = await deps.containers.engineStatus();
      return {
        status: dbOk ? ('ok' as const) : ('degraded' as const),
        version: VERSION,
        uptime_seconds: Math.round((deps.now() - deps.startedAt) / 100) / 10,
        database: { ok: dbOk },
        transport,
        engine: trusted ? { reachable, version, endpoint, ...(error ? { error } : {}) } : { reachable, version },
        ...(trusted ? { pid: process.pid, home: deps.paths.home } : {}),
        ...(trusted && deps.processStats ? { process: deps.processStats() } : {}),
      };
    },
  );
  return app;
}
