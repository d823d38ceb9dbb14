import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { Server as HttpServer, type IncomingMessage, type RequestListener, type Server, type ServerOptions, type createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { WebSocketServer } from 'ws';
import { setAsideUnusableHost, type AppBindings } from '../src/api/index.ts';
import { CSRF_PROTOCOL_PREFIX, type Transport } from '../src/contracts/index.ts';

type FetchApp = { fetch: (req: Request, env: AppBindings) => Response | Promise<Response> };

export interface Listener {
  transport: Transport;
  server: Server;
  wss: WebSocketServer;
  address: string;
}

const MAX_WS_MESSAGE = 1 << 20;

/**
 * Browsers offer their JWT as a subprotocol `bearer.<jwt>` (the web client
 * its CSRF token as `csrf.<token>`) next to `zeblit.v1`. `ws` would select the first one offered, which may be the
 * token, and echo it in the response: select zeblit.v1 (or any other offer),
 * never a token.
 */
export function selectProtocol(protocols: Set<string>): string | false {
  if (protocols.has('zeblit.v1')) return 'zeblit.v1';
  for (const p of protocols) if (!p.startsWith('bearer.') && !p.startsWith(CSRF_PROTOCOL_PREFIX)) return p;
  return false;
}

/**
 * An HTTP server that shows every request and upgrade to setAsideUnusableHost
 * before any listener (the HTTP adapter, the WebSocket upgrade) reads it: the
 * adapter cannot build a URL from a Host like `localhost:abc` and would answer
 * a bare 400 before the app could answer in its envelope.
 */
class HostCheckedServer extends HttpServer {
  override emit(event: string, ...args: unknown[]): boolean {
    if (event === 'request' || event === 'upgrade') setAsideUnusableHost(args[0] as IncomingMessage);
    return super.emit(event, ...args);
  }
}
// The adapter calls createServer(options, listener); node:http's overloads do not describe that one shape.
const hostCheckedServer = ((options: ServerOptions, listener: RequestListener) => new HostCheckedServer(options, listener)) as unknown as typeof createServer;

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
    createServer: hostCheckedServer,
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

/** Where a browser on this machine reaches the TCP listener: a wildcard bind is reached on loopback. */
export function webOriginFor(bind: string, port: number): string {
  const host = bind === '0.0.0.0' || bind === '' ? '127.0.0.1' : bind === '::' ? '[::1]' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${port}`;
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
