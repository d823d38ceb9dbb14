import type { MiddlewareHandler } from 'hono';
import { ZeblitError } from '../../contracts/index.ts';
import { looksLikeCredential, type Auth } from '../../auth/index.ts';
import { transportOf, type AppEnv } from '../env.ts';

export interface AuthenticateOptions {
  /**
   * Paths where, on the Unix socket, a bearer token that is not shaped like a
   * Zeblit credential at all is ignored and the caller is the owner: the
   * OpenAI SDKs insist on sending some key, and a placeholder ("unused") must
   * not lock the owner out of their own socket. A Zeblit key or JWT there is
   * still checked and decides.
   */
  placeholderTokenOnSocket?: (path: string) => boolean;
}

/**
 * Resolves the caller. Unix socket: the owner (the socket's 0600 mode is the
 * gate, as with Docker) unless a bearer token says otherwise. TCP: a bearer
 * token is required, except on public routes, which see no principal.
 */
export function authenticate(auth: Auth, isPublic: (method: string, path: string) => boolean, opts: AuthenticateOptions = {}): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const transport = transportOf(c.env);
    const header = c.req.header('authorization') ?? protocolToken(c.req.header('upgrade'), c.req.header('sec-websocket-protocol'));
    const token = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (header !== undefined && transport === 'unix' && token && !looksLikeCredential(token) && opts.placeholderTokenOnSocket?.(c.req.path)) {
      c.set('principal', auth.socketOwner());
    } else if (header !== undefined) {
      if (!token)
        throw new ZeblitError('UNAUTHORIZED', 'Malformed Authorization header', { suggestion: 'Use Authorization: Bearer <api key or token>.' });
      c.set('principal', await auth.authenticate(token, transport));
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
