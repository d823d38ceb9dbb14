import type { ClientRequest, IncomingMessage } from 'node:http';
import type WebSocket from 'ws';
import { ERROR_HEADERS } from '../contracts/constants.ts';
import { unwrapEnvelope } from './envelope.ts';
import { ClientTimeoutError, DaemonUnreachableError, UNREACHABLE_CODES, ZeblitApiError, errnoOf } from './errors.ts';
import { describeTransport, type ClientTransport } from './transport.ts';

/** The ws URL of an absolute server path: `ws+unix:///abs/zeblitd.sock:/api/v1/ws/echo` or `ws://host:port/api/v1/ws/echo`. */
export function websocketUrl(t: ClientTransport, absolutePath: string): string {
  if (t.kind === 'unix') return `ws+unix://${t.socketPath}:${absolutePath}`;
  const url = new URL(t.baseUrl);
  const prefix = url.pathname === '/' ? '' : url.pathname;
  return `${url.protocol === 'https:' ? 'wss:' : 'ws:'}//${url.host}${prefix}${absolutePath}`;
}

const STATUS_CODES: Record<number, string> = { 400: 'BAD_REQUEST', 401: 'UNAUTHORIZED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 429: 'RATE_LIMITED', 503: 'UNAVAILABLE' };

const header = (res: IncomingMessage, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};
const decoded = (v: string | undefined): string | undefined => {
  if (v === undefined) return undefined;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
};

/** A refused upgrade comes without its envelope (the server drops bodies on upgrade requests): the error is in headers, else the status says what it can. */
function refusedWithoutBody(status: number, res: IncomingMessage): ZeblitApiError {
  const code = header(res, ERROR_HEADERS.code);
  const message = decoded(header(res, ERROR_HEADERS.message));
  const suggestion = decoded(header(res, ERROR_HEADERS.suggestion));
  return new ZeblitApiError(code ?? STATUS_CODES[status] ?? 'UNEXPECTED_RESPONSE', message ?? `WebSocket upgrade refused (HTTP ${status})`, {
    status,
    requestId: header(res, 'x-request-id'),
    suggestion: suggestion ?? (status === 401 ? 'Send a bearer token: an API key, or a JWT from POST /api/v1/auth/token.' : undefined),
  });
}

export interface WebSocketOptions {
  headers?: Record<string, string>;
  protocols?: string | string[];
  /** Deadline for the opening handshake. */
  handshakeTimeoutMs?: number;
}

/**
 * A `ws` WebSocket over the transport; the bearer token goes in the
 * Authorization header, never the URL. `ws` is imported on first use: most CLI
 * commands never open a WebSocket and should not load it (docs/cli.md, "Speed").
 */
export async function createWebSocket(t: ClientTransport, absolutePath: string, options: WebSocketOptions = {}): Promise<WebSocket> {
  const headers: Record<string, string> = { ...options.headers };
  if (t.token) headers.authorization = `Bearer ${t.token}`;
  const { default: WebSocketClass } = await import('ws');
  return new WebSocketClass(websocketUrl(t, absolutePath), options.protocols, { headers, handshakeTimeout: options.handshakeTimeoutMs });
}

/**
 * Resolves once the socket is open; messages that arrive with the handshake
 * are held until listeners attached right after `await` can see them. A refused handshake is read like any API
 * answer (its envelope becomes a ZeblitApiError); nobody listening becomes
 * DaemonUnreachableError.
 */
export async function openWebSocket(t: ClientTransport, absolutePath: string, options: WebSocketOptions = {}): Promise<WebSocket> {
  const target = describeTransport(t);
  const timeoutMs = options.handshakeTimeoutMs ?? 10_000;
  const ws = await createWebSocket(t, absolutePath, { ...options, handshakeTimeoutMs: timeoutMs });
  return new Promise<WebSocket>((resolve, reject) => {
    const cleanup = () => {
      ws.off('open', onOpen);
      ws.off('error', onError);
      ws.off('unexpected-response', onUnexpected);
    };
    const onOpen = () => {
      cleanup();
      // A server may speak first (the echo route says hello at once): hold its
      // messages until the caller, resumed after this promise, has attached listeners.
      ws.pause();
      resolve(ws);
      setImmediate(() => ws.resume());
    };
    const onError = (err: Error) => {
      cleanup();
      const errno = errnoOf(err);
      if (errno && UNREACHABLE_CODES.has(errno)) return reject(new DaemonUnreachableError(target, errno, err));
      if (/timed out/i.test(err.message)) return reject(new ClientTimeoutError(target, timeoutMs));
      reject(err);
    };
    const onUnexpected = (req: ClientRequest, res: IncomingMessage) => {
      cleanup();
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        req.destroy();
        const status = res.statusCode ?? 0;
        const body = Buffer.concat(chunks).toString('utf8');
        if (body.trim() === '') return reject(refusedWithoutBody(status, res));
        try {
          unwrapEnvelope(status, res.headers, body);
          reject(new ZeblitApiError('UNEXPECTED_RESPONSE', `WebSocket upgrade refused (HTTP ${status})`, { status }));
        } catch (e) {
          reject(e);
        }
      });
    };
    ws.on('open', onOpen);
    ws.on('error', onError);
    ws.on('unexpected-response', onUnexpected);
  });
}
