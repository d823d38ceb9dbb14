import type { MiddlewareHandler } from 'hono';
import { ZeblitError } from '../../contracts/index.ts';
import { transportOf, type AppEnv } from '../env.ts';
import { parseHost, sentHost } from '../host.ts';

export interface TransportGuardOptions {
  /** Extra Host names accepted on TCP (for a daemon bound beyond loopback on purpose). */
  allowedHosts?: string[];
  /** Browser origins allowed to call the API. Never `*`. */
  allowedOrigins?: string[];
}

const LOOPBACK_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const TOKEN_PARAMS = ['token', 'api_key', 'apikey', 'key', 'access_token', 'auth', 'authorization', 'jwt'];

/** The query string's parameter names, read without building a URL (which a bad Host would make throw). */
function queryNames(url: string): string[] {
  const q = url.indexOf('?');
  if (q === -1) return [];
  const hash = url.indexOf('#', q);
  return [...new URLSearchParams(url.slice(q + 1, hash === -1 ? undefined : hash)).keys()];
}

/**
 * Guards the TCP listener against the web: DNS rebinding (Host must be
 * loopback), cross-site requests (Origin must be allow-listed, or the
 * daemon's own origin: the web client it serves) and tokens in
 * URLs (which end up in logs and browser history). The Unix socket is reached
 * only by local processes with file access, so only the query rule applies there.
 */
export function transportGuard(opts: TransportGuardOptions = {}): MiddlewareHandler<AppEnv> {
  // Configured names are normalised as the header will be (case, IDNA); one that does not parse could never match.
  const hosts = new Set([...LOOPBACK_HOSTS, ...(opts.allowedHosts ?? []).map((h) => parseHost(h)?.hostname ?? h.toLowerCase())]);
  const origins = new Set(opts.allowedOrigins ?? []);
  return async function transportGuard(c, next) {
    for (const name of queryNames(c.req.url)) {
      if (TOKEN_PARAMS.includes(name.toLowerCase()))
        throw new ZeblitError('UNAUTHORIZED', `Credentials in the query string are refused ("${name}")`, {
          suggestion: 'Send the key in the Authorization: Bearer header instead; then revoke the key you put in the URL.',
        });
    }
    if (transportOf(c.env) === 'tcp') {
      const host = sentHost(c.env?.incoming, c.req.header('host'));
      const parsed = parseHost(host);
      if (!parsed)
        throw new ZeblitError('BAD_REQUEST', host ? `Host "${host.slice(0, 100)}" is not a valid host name and port` : 'The Host header is missing', {
          suggestion: 'Send Host: localhost:<port> or 127.0.0.1:<port> (what an HTTP client sends by itself).',
        });
      if (!hosts.has(parsed.hostname))
        throw new ZeblitError('FORBIDDEN', `Host "${host}" is not allowed`, {
          suggestion: 'Reach zeblitd as localhost or 127.0.0.1. (This check blocks DNS rebinding.)',
        });
      const origin = c.req.header('origin');
      // The daemon's own page (the web client) is same-origin: its Origin is the Host it was loaded from, which passed the check above.
      const own = origin !== undefined && host !== undefined && origin.toLowerCase() === `http://${host.toLowerCase()}`;
      if (origin !== undefined && !own) {
        if (!origins.has(origin))
          throw new ZeblitError('FORBIDDEN', `Origin "${origin}" is not allowed`, {
            suggestion: 'Add it to "allowed_origins" in $ZEBLIT_HOME/config.json if you trust it.',
          });
        c.header('Access-Control-Allow-Origin', origin);
        c.header('Vary', 'Origin');
        if (c.req.method === 'OPTIONS') {
          c.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE');
          c.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id, If-Match');
          c.header('Access-Control-Max-Age', '600');
          return c.body(null, 204);
        }
      }
    }
    await next();
  };
}
