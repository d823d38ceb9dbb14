import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import type { AppBindings } from '../src/api/index.ts';
import type { Transport } from '../src/contracts/index.ts';

type FetchApp = { fetch: (req: Request, env: AppBindings) => Response | Promise<Response> };

export interface Listener {
  transport: Transport;
  server: Server;
  wss: WebSocketServer;
  address: string;
}

const MAX_WS_MESSAGE = 1 << 20;

/**
 * Browsers offer their JWT as a subprotocol `bearer.<jwt>` next to
 * `zeblit.v1`. `ws` would select the first one offered, which may be the
 * token, and echo it in the response: select zeblit.v1 (or any other offer),
 * never a token.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has('zeblit.v1')) return 'zeblit.v1';
  for (const p of protocols) if (!p.startsWith('bearer.')) return p;
  return false;
}

/** One server per listener over the SAME app; the transport is stamped on each request's env. */
function serverFor(app: FetchApp, transport: Transport): { server: Server; wss: WebSocketServer } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE, handleProtocols: selectProtocol });
  const server = createAdaptorServer({
    // The env object must be mutated, not copied: the WebSocket upgrade keeps symbols on it.
    fetch: (req, env) => {
      (env as AppBindings).transport = transport;
      return app.fetch(req, env as AppBindings);
    },
    websocket: { server: wss },
  }) as Server;
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 30_000;
  server.requestTimeout = 0; // long streams (exec, downloads) must not be cut
  return { server, wss };
}

function listen(server: Server, ...args: [string] | [number, string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...(args as [number, string]), () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The Unix socket: stale file removed (we hold the lock), mode 0600 from the first moment. */
export async function listenSocket(app: FetchApp, socketPath: string): Promise<Listener> {
  if (existsSync(socketPath)) unlinkSync(socketPath);
  const { server, wss } = serverFor(app, 'unix');
  const previous = process.umask(0o177);
  try {
    await listen(server, socketPath);
  } finally {
    process.umask(previous);
  }
  chmodSync(socketPath, 0o600);
  return { transport: 'unix', server, wss, address: socketPath };
}

export async function listenTcp(app: FetchApp, port: number, bind: string): Promise<Listener> {
  const { server, wss } = serverFor(app, 'tcp');
  await listen(server, port, bind);
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return { transport: 'tcp', server, wss, address: `http://${host}:${addr.port}` };
}

export function tcpPort(l: Listener): number {
  return (l.server.address() as AddressInfo).port;
}

/** Stops accepting, lets in-flight requests finish until the deadline, then cuts what is left. */
export function closeListener(l: Listener, deadlineMs: number): Promise<void> {
  return new Promise((resolve) => {
    for (const ws of l.wss.clients) ws.close(1001, 'zeblitd is shutting down');
    const timer = setTimeout(() => {
      l.server.closeAllConnections();
      for (const ws of l.wss.clients) ws.terminate();
    }, deadlineMs);
    l.server.close(() => {
      clearTimeout(timer);
      if (l.transport === 'unix' && existsSync(l.address)) unlinkSync(l.address);
      resolve();
    });
    l.server.closeIdleConnections();
  });
}
