import { Health, VERSION } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { transportOf, type AppEnv } from '../env.ts';
import { router, defineRoute } from '../route.ts';
import { seesEveryone } from '../scope.ts';

export function healthRoutes(deps: AppDeps) {
  const app = router();
  defineRoute(
    app,
    { method: 'get', path: '/health', summary: 'Daemon health', tags: ['system'], data: Health, scope: 'public' },
    async (c) => {
      const dbOk = deps.database.ping();
      const transport = transportOf(c.env);
      // Where the daemon keeps its files, its pid and the engine's address are the host's business: the
      // socket (the owner) and admins learn them; anyone else, anonymous or another user, that it is alive.
      const p = c.get('principal');
      const trusted = transport === 'unix' || (p !== undefined && seesEveryone(p));
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
