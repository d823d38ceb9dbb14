import type { Context, MiddlewareHandler } from 'hono';
import { CSRF_HEADER, CSRF_PROTOCOL_PREFIX, ZeblitError } from '../../contracts/index.ts';
import { looksLikeCredential, type Auth } from '../../auth/index.ts';
import { transportOf, type AppEnv } from '../env.ts';
import { readSessionCookie } from '../web-cookie.ts';

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
 * token, or the web client's session cookie together with its CSRF token
 * (never the cookie alone, never the CSRF token alone), is required except on
 * public routes, which see no principal. A bearer header decides over a cookie.
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
    } else if (await webSession(c, auth, isPublic(c.req.method, c.req.path))) {
      // the cookie and its CSRF token named the caller
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
 * The web client's session: the HttpOnly cookie and the CSRF token the page
 * sends as a header (a WebSocket, which cannot carry headers from a page,
 * offers it as the subprotocol `csrf.<token>`). On a public route a cookie
 * that comes without its token, or fails, is ignored: the route needs no
 * caller, and a stale cookie must not block signing in again.
 */
async function webSession(c: Context<AppEnv>, auth: Auth, isPublic: boolean): Promise<boolean> {
  const cookie = readSessionCookie(c);
  const csrf = c.req.header(CSRF_HEADER) ?? protocolCsrf(c.req.header('upgrade'), c.req.header('sec-websocket-protocol'));
  if (cookie === undefined) {
    if (csrf !== undefined && !isPublic)
      throw new ZeblitError('UNAUTHORIZED', 'A CSRF token without a session cookie', { suggestion: 'Sign in to the web client with `zeblit web`; other clients send Authorization: Bearer <api key>.' });
    return false;
  }
  if (isPublic) {
    if (csrf === undefined) return false;
    try {
      c.set('principal', await auth.web.authenticate(cookie, csrf));
    } catch {
      return false;
    }
    return true;
  }
  c.set('principal', await auth.web.authenticate(cookie, csrf));
  return true;
}

function protocolCsrf(upgrade: string | undefined, protocols: string | undefined): string | undefined {
  if (upgrade?.toLowerCase() !== 'websocket' || !protocols) return undefined;
  const entry = protocols
    .split(',')
    .map((s) => s.trim())
    .find((s) => s.startsWith(CSRF_PROTOCOL_PREFIX));
  return entry?.slice(CSRF_PROTOCOL_PREFIX.length);
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
