import type { MiddlewareHandler } from 'hono';
import { ZeblitError } from '../../contracts/index.ts';
import { transportOf, type AppEnv } from '../env.ts';

export interface TransportGuardOptions {
  /** Extra Host names accepted on TCP (for a daemon bound beyond loopback on purpose). */
  allowedHosts?: string[];
  /** Browser origins allowed to call the API. Never `*`. */
  allowedOrigins?: string[];
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const TOKEN_PARAMS = ['token', 'api_key', 'apikey', 'key', 'access_token', 'auth', 'authorization', 'jwt'];

function hostName(host: string): string {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(host.trim().toLowerCase());
  return m?.[1] ?? '';
}

/**
 * Guards the TCP listener against the web: DNS rebinding (Host must be
 * loopback), cross-site requests (Origin must be allow-listed) and tokens in
 * URLs (which end up in logs and browser history). The Unix socket is reached
 * only by local processes with file access, so only the query rule applies there.
 */
export function transportGuard(opts: TransportGuardOptions = {}): MiddlewareHandler<AppEnv> {
  const hosts = new Set([...LOOPBACK_HOSTS, ...(opts.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  const origins = new Set(opts.allowedOrigins ?? []);
  return async function transportGuard(c, next) {
    const url = new URL(c.req.url);
    for (const name of url.searchParams.keys()) {
      if (TOKEN_PARAMS.includes(name.toLowerCase()))
        throw new ZeblitError('UNAUTHORIZED', `Credentials in the query string are refused ("${name}")`, {
          suggestion: 'Send the key in the Authorization: Bearer header instead; then revoke the key you put in the URL.',
        });
    }
    if (transportOf(c.env) === 'tcp') {
      const host = c.req.header('host') ?? '';
      if (!hosts.has(hostName(host)))
        throw new ZeblitError('FORBIDDEN', `Host "${host}" is not allowed`, {
          suggestion: 'Reach zeblitd as localhost or 127.0.0.1. (This check blocks DNS rebinding.)',
        });
      const origin = c.req.header('origin');
      if (origin !== undefined) {
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
