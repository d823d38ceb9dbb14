import type { MiddlewareHandler } from 'hono';
import { ZeblitError } from '../../contracts/index.ts';
import type { Auth } from '../../auth/index.ts';
import { transportOf, type AppEnv } from '../env.ts';

/**
 * Resolves the caller. Unix socket: the owner (the socket's 0600 mode is the
 * gate, as with Docker) unless a bearer token says otherwise. TCP: a bearer
 * token is required, except on public routes, which see no principal.
 */
export function authenticate(auth: Auth, isPublic: (method: string, path: string) => boolean): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const transport = transportOf(c.env);
    const header = c.req.header('authorization') ?? protocolToken(c.req.header('upgrade'), c.req.header('sec-websocket-protocol'));
    if (header !== undefined) {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!m?.[1])
        throw new ZeblitError('UNAUTHORIZED', 'Malformed Authorization header', { suggestion: 'Use Authorization: Bearer <api key or token>.' });
      c.set('principal', await auth.authenticate(m[1], transport));
    } else if (transport === 'unix') {
      c.set('principal', auth.socketOwner());
    } else if (!isPublic(c.req.method, c.req.path)) {
      throw new ZeblitError('UNAUTHORIZED', 'Authentication required', {
        suggestion: 'Send Authorization: Bearer <api key>. Create a key with `zeblit auth create-key <name>` on this machine.',
        headers: { 'WWW-Authenticate': 'Bearer realm="zeblit"' },
      });
    }
    await next();
  };
}

/**
 * Browsers cannot set headers on a WebSocket: they may offer the JWT as a
 * subprotocol `bearer.<jwt>` next to `zeblit.v1` (which the server selects,
 * so the token is never echoed). Never a token in the URL.
 */
function protocolToken(upgrade: string | undefined, protocols: string | undefined): string | undefined {
  if (upgrade?.toLowerCase() !== 'websocket' || !protocols) return undefined;
  const entry = protocols
    .split(',')
    .map((s) => s.trim())
    .find((s) => s.startsWith('bearer.'));
  return entry ? `Bearer ${entry.slice('bearer.'.length)}` : undefined;
}
