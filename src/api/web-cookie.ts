import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { SESSION_COOKIE_PREFIX } from '../contracts/index.ts';
import { transportOf, type AppEnv } from './env.ts';
import { parseHost, sentHost } from './host.ts';

/**
 * The web client's session cookie: HttpOnly (no script reads it),
 * SameSite=Strict (no other site's page makes the browser send it), Path=/.
 * Cookies do not tell ports apart, so the daemon's port is in the name: two
 * daemons on one machine (or Jupyter beside it) never overwrite each other's.
 * Only the TCP listener has cookies; the socket's caller is the owner.
 */
export function sessionCookieName(c: Context<AppEnv>): string | null {
  if (transportOf(c.env) !== 'tcp') return null;
  const host = parseHost(sentHost(c.env?.incoming, c.req.header('host')));
  if (!host) return null;
  return `${SESSION_COOKIE_PREFIX}${host.port ?? 80}`;
}

export function readSessionCookie(c: Context<AppEnv>): string | undefined {
  const name = sessionCookieName(c);
  return name ? getCookie(c, name) : undefined;
}

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: number, now: number): void {
  const name = sessionCookieName(c);
  if (!name) return;
  setCookie(c, name, token, { httpOnly: true, sameSite: 'Strict', path: '/', maxAge: Math.max(0, Math.floor((expiresAt - now) / 1000)) });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  const name = sessionCookieName(c);
  if (name) deleteCookie(c, name, { httpOnly: true, sameSite: 'Strict', path: '/' });
}
