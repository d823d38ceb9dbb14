import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { requireAccess } from '../route.ts';

/**
 * GET /api/v1/ws/echo: proves WebSocket upgrades on both listeners, behind the
 * same Host/Origin/auth checks as every request (they run before the handshake).
 */
export function wsRoutes() {
  const app = new Hono<AppEnv>();
  app.get(
    '/ws/echo',
    requireAccess('read'),
    upgradeWebSocket((c) => {
      const who = c.get('principal')?.user.name ?? 'unknown';
      return {
        onOpen(_e, ws) {
          ws.send(JSON.stringify({ type: 'hello', user: who }));
        },
        onMessage(e, ws) {
          ws.send(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer));
        },
      };
    }),
  );
  return app;
}
