import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { ClientTimeoutError, DaemonUnreachableError, UNREACHABLE_CODES, errnoOf } from './errors.ts';
import { describeTransport, type ClientTransport } from './transport.ts';

export interface RawRequest {
  method: string;
  /** Absolute path on the server, with its query string: `/api/v1/projects?limit=5`. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * Node's http options for one request over the transport (no agent: nothing
 * keeps the process alive afterwards). On the socket the connection is made
 * here rather than by an Agent: an Agent works out a TLS server name with
 * net.isIP, whose first call compiles a large regular expression (8–20 ms of
 * every CLI command's start-up on this machine, see docs/cli.md "Speed").
 */
export function requestOptions(t: ClientTransport, method: string, path: string, headers: Record<string, string>): RequestOptions {
  if (t.kind === 'unix') {
    const socketPath = t.socketPath;
    return { socketPath, method, path, headers: { host: 'localhost', ...headers }, createConnection: () => createConnection(socketPath) };
  }
  const url = new URL(t.baseUrl);
  const prefix = url.pathname === '/' ? '' : url.pathname;
  return { protocol: url.protocol, hostname: url.hostname.replace(/^\[|\]$/g, ''), port: url.port || undefined, method, path: prefix + path, headers, agent: false };
}

const requireBuiltin = createRequire(import.meta.url);

/**
 * http.request, or https.request for an https:// daemon: https (and with it
 * TLS and crypto, some twenty modules of Node's own) is loaded only then, not
 * by every command on the local socket.
 */
export function requestFunction(t: ClientTransport, opts: RequestOptions): typeof httpRequest {
  if (t.kind === 'tcp' && opts.protocol === 'https:') return (requireBuiltin('node:https') as typeof import('node:https')).request;
  return httpRequest;
}

/**
 * One HTTP exchange, fully read. Connection failures that mean "nobody there"
 * become DaemonUnreachableError; the deadline covers the whole exchange.
 */
export function sendRaw(t: ClientTransport, req: RawRequest): Promise<RawResponse> {
  const target = describeTransport(t);
  const opts = requestOptions(t, req.method, req.path, req.headers);
  const send = requestFunction(t, opts);
  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    const finish = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const r = send(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', (err) => finish(() => reject(err)));
      res.on('end', () => finish(() => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') })));
    });
    const timer = setTimeout(() => {
      finish(() => reject(new ClientTimeoutError(target, req.timeoutMs)));
      r.destroy();
    }, req.timeoutMs);
    const onAbort = () => {
      finish(() => reject(req.signal?.reason ?? new Error('aborted')));
      r.destroy();
    };
    if (req.signal?.aborted) return onAbort();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    r.on('error', (err) => {
      const errno = errnoOf(err);
      finish(() => reject(errno && UNREACHABLE_CODES.has(errno) ? new DaemonUnreachableError(target, errno, err) : err));
    });
    r.end(req.body);
  });
}
