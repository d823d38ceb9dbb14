import { upgradeWebSocket } from '@hono/node-server';
import { Hono } from 'hono';
import type { WSContext } from 'hono/ws';
import { z } from 'zod';
import { Topic, WsClientMessage, ZeblitError, newId, type WsServerMessage } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { defineRoute, errorResponses, principalOf, requireAccess, router } from '../route.ts';
import { seesEveryone } from '../scope.ts';
import type { Hub } from '../ws/hub.ts';
import type { SocketLike } from '../ws/connection.ts';

const MAX_CLIENT_MESSAGE = 64 * 1024;

const HubStatsSchema = z.object({
  connections: z.number().int(),
  by_client_type: z.record(z.string(), z.number().int()),
  subscriptions: z.number().int(),
  events_sent: z.number().int(),
  dropped_slow: z.number().int(),
  dropped_dead: z.number().int(),
});

function rawSocket(ws: WSContext): SocketLike {
  return ws.raw as SocketLike;
}

/** The client's correlation id of a message that failed validation, when it sent a usable one. */
function idOf(parsed: unknown): string | undefined {
  const id = typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown }).id : undefined;
  return typeof id === 'string' && id.length <= 100 ? id : undefined;
}

/**
 * WebSockets: /ws (multiplexed: subscribe, unsubscribe, ping), the seed's
 * /ws/projects/{id}/console, and /ws/echo. Host, Origin and credentials were
 * checked by the middleware BEFORE the handshake, like any request.
 */
export function wsRoutes(deps: AppDeps, hub: Hub) {
  const app = new Hono<AppEnv>();
  const { projects } = deps;

  const session = (fixed?: { projectRef: string; topics: Topic[]; sinceSeq?: number }) =>
    upgradeWebSocket(
      (c) => {
        const p = principalOf(c);
        const clientId = newId('event').replace('evt_', 'ws_');
        const clientType = p.clientType ?? (p.auth === 'socket' ? 'socket' : 'other');
        const reply = (msg: WsServerMessage) => hub.sendToClient(clientId, msg);
        const fail = (code: string, message: string, id?: string) => reply({ type: 'error', id, code, message });

        /**
         * The root of every handler: whatever a handler throws, now or later
         * (a promise), becomes an error message to this client and never
         * reaches the server, which would print it to stderr and leave the
         * client waiting. A user's mistake (ZeblitError) is answered with its
         * code; anything else is logged and answered INTERNAL.
         */
        const guarded = (what: string, id: string | undefined, fn: () => void | Promise<void>): void => {
          const report = (e: unknown) => {
            try {
              if (e instanceof ZeblitError) return void fail(e.code, e.message, id);
              deps.logger.error({ err: e, client_id: clientId, message_type: what }, 'WebSocket message failed');
              fail('INTERNAL', `The ${what} message could not be handled; the connection stays open`, id);
            } catch (err) {
              deps.logger.error({ err, client_id: clientId }, 'WebSocket error reply failed');
            }
          };
          try {
            const pending = fn();
            if (pending) pending.catch(report);
          } catch (e) {
            report(e);
          }
        };

        const subscribe = (ref: string, topics: Topic[], sinceSeq: number | undefined, id?: string): Promise<void> => {
          const projectId = projects.get(p.user.id, ref).id; // another user's project is simply not found
          return hub.subscribe(clientId, projectId, topics, sinceSeq, id);
        };

        const unsubscribe = (ref: string, id?: string): void => {
          let projectId: string;
          try {
            projectId = projects.get(p.user.id, ref).id;
          } catch (e) {
            // A project deleted since is no longer found, yet the subscription to it is the client's own to end.
            if (!(e instanceof ZeblitError && e.code === 'NOT_FOUND' && hub.isSubscribed(clientId, ref))) throw e;
            projectId = ref;
          }
          hub.unsubscribe(clientId, projectId);
          reply({ type: 'unsubscribed', id, project_id: projectId });
        };

        const handle = (text: string): void => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            return void fail('INVALID_JSON', 'Messages must be JSON');
          }
          const msg = WsClientMessage.safeParse(parsed);
          if (!msg.success) {
            const issue = msg.error.issues[0];
            return void fail('VALIDATION_FAILED', `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'} (types: subscribe, unsubscribe, ping)`, idOf(parsed));
          }
          const m = msg.data;
          if (m.type === 'ping') return void reply({ type: 'pong', id: m.id, time: Date.now() });
          if (fixed) return void fail('BAD_REQUEST', 'This endpoint streams one project; use /api/v1/ws to subscribe', m.id);
          if (m.type === 'unsubscribe') return guarded('unsubscribe', m.id, () => unsubscribe(m.project_id, m.id));
          guarded('subscribe', m.id, () => subscribe(m.project_id, m.topics, m.since_seq, m.id));
        };

        return {
          onOpen(_e, ws) {
            guarded('open', undefined, () => {
              const raw = rawSocket(ws) as SocketLike & { on?: (ev: 'pong', f: () => void) => void };
              hub.connect(clientId, clientType, p.user.id, raw);
              raw.on?.('pong', () => hub.markAlive(clientId));
              reply({ type: 'hello', client_id: clientId, user: p.user.name });
              if (fixed) guarded('subscribe', undefined, () => subscribe(fixed.projectRef, fixed.topics, fixed.sinceSeq));
            });
          },
          onMessage(e) {
            guarded('client', undefined, () => {
              hub.markAlive(clientId);
              const text = typeof e.data === 'string' ? e.data : '';
              if (!text || Buffer.byteLength(text) > MAX_CLIENT_MESSAGE) return void fail('BAD_REQUEST', 'Send JSON text messages of at most 64 KiB');
              handle(text);
            });
          },
          onClose() {
            guarded('close', undefined, () => hub.disconnect(clientId));
          },
        };
      },
      // What a handler still lets through goes to the log, not to stderr as a bare stack trace.
      { onError: (err: unknown) => deps.logger.error({ err }, 'WebSocket handler failed') },
    );

  app.get('/ws', requireAccess('read'), session());
  app.get('/ws/projects/:id/console', requireAccess('read'), async (c, next) => {
    const since = c.req.query('since_seq');
    const sinceSeq = since === undefined ? undefined : Number(since);
    if (sinceSeq !== undefined && (!Number.isInteger(sinceSeq) || sinceSeq < 0))
      throw new ZeblitError('VALIDATION_FAILED', 'since_seq must be a whole number ≥ 0');
    projects.get(principalOf(c).user.id, c.req.param('id')); // 404 before the handshake
    return session({ projectRef: c.req.param('id'), topics: ['console'], sinceSeq })(c, next);
  });
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

  const stats = router();
  // The upgrade routes are plain handlers (a handshake has no JSON body); they are listed here so the document covers them.
  const upgrade = { 101: { description: 'Switching Protocols: the WebSocket session starts' }, ...errorResponses };
  const security = [{ bearer: [] }];
  stats.openAPIRegistry.registerPath({ method: 'get', path: '/ws', summary: 'WebSocket: subscribe to project events (subscribe, unsubscribe, ping)', tags: ['events'], security, responses: upgrade });
  stats.openAPIRegistry.registerPath({
    method: 'get',
    path: '/ws/projects/{id}/console',
    summary: "WebSocket: one project's console stream",
    tags: ['events'],
    security,
    request: {
      params: z.object({ id: z.string().describe('Project id (prj_…) or name') }),
      query: z.object({ since_seq: z.number().int().min(0).optional().describe('Resume after this event sequence') }),
    },
    responses: upgrade,
  });
  stats.openAPIRegistry.registerPath({ method: 'get', path: '/ws/echo', summary: 'WebSocket: echo (proves upgrades work on this listener)', tags: ['events'], security, responses: upgrade });
  defineRoute(
    stats,
    { method: 'get', path: '/ws/stats', summary: "WebSocket connections by client type, and drops: an admin's cover everyone, anyone else's their own", tags: ['events'], data: HubStatsSchema },
    (c) => {
      const p = principalOf(c);
      return hub.stats(seesEveryone(p) ? undefined : p.user.id);
    },
  );
  return { sockets: app, stats };
}
