import type { Context } from 'hono';
import { z } from 'zod';
import { LoginCode, SessionExchangeRequest, WebSession, ZeblitError } from '../../contracts/index.ts';
import type { IssuedSession } from '../../auth/index.ts';
import type { AppDeps } from '../deps.ts';
import type { AppEnv } from '../env.ts';
import { defineRoute, principalOf, router } from '../route.ts';
import { clearSessionCookie, setSessionCookie } from '../web-cookie.ts';

/**
 * /web/…: signing the web client in and out (see src/auth/web-sessions.ts
 * and docs/security.md, "The web client"). The session token travels only in
 * the HttpOnly cookie; the page gets the CSRF token it must send with it.
 */
export function webSessionRoutes(deps: AppDeps) {
  const app = router();
  const { auth } = deps;

  const answer = (c: Context<AppEnv>, s: IssuedSession): WebSession => {
    setSessionCookie(c, s.token, s.tokenExpiresAt, deps.now());
    c.header('Cache-Control', 'no-store');
    return { user: s.user, scopes: s.scopes, csrf_token: s.csrfToken, token_expires_at: s.tokenExpiresAt, session_expires_at: s.sessionExpiresAt };
  };

  defineRoute(
    app,
    {
      method: 'post',
      path: '/web/login-codes',
      summary: 'A one-time sign-in code for the web client (`zeblit web`)',
      description:
        'The socket owner or an admin asks; the code works once, for 5 minutes, and the session it opens holds no more than the credential that asked (its scopes, and no life beyond its expiry). Open `url` (or the daemon origin + `path`) in a browser.',
      tags: ['web'],
      data: LoginCode,
      status: 201,
      scope: 'admin',
      role: 'admin',
    },
    (c) => {
      const { code, expires_at } = auth.web.createCode(principalOf(c));
      const path = `/login#code=${code}`;
      const origin = deps.webOrigin?.() ?? null;
      c.header('Cache-Control', 'no-store');
      return { code, expires_at, path, url: origin ? `${origin}${path}` : null };
    },
  );

  defineRoute(
    app,
    {
      method: 'post',
      path: '/web/session',
      summary: 'Trade a sign-in code for a web session (sets the HttpOnly session cookie)',
      description: 'A code works once: a second attempt, or one after 5 minutes, is 401. The answer holds the CSRF token the page must send as X-Zeblit-CSRF with the cookie.',
      tags: ['web'],
      body: SessionExchangeRequest,
      data: WebSession,
      scope: 'public',
    },
    async (c, { body }) => answer(c, await auth.web.exchange(body.code)),
  );

  defineRoute(
    app,
    { method: 'post', path: '/web/session/renew', summary: 'A fresh session cookie while a tab is open (web sessions only)', tags: ['web'], data: WebSession, scope: 'read' },
    async (c) => {
      const p = principalOf(c);
      if (p.auth !== 'web') throw new ZeblitError('FORBIDDEN', 'Only a web session can be renewed', { suggestion: 'API keys and tokens are renewed with POST /auth/token.' });
      return answer(c, await auth.web.renew(p));
    },
  );

  defineRoute(
    app,
    { method: 'delete', path: '/web/session', summary: 'Sign out: the session ends for every tab, and the cookie is cleared', tags: ['web'], data: z.object({ signed_out: z.literal(true) }), scope: 'read' },
    (c) => {
      const p = principalOf(c);
      if (p.auth !== 'web') throw new ZeblitError('FORBIDDEN', 'Only a web session can sign out', { suggestion: 'Revoke an API key with DELETE /auth/keys/{key_id}.' });
      auth.web.logout(p);
      clearSessionCookie(c);
      c.set('resource', p.keyId ?? undefined);
      return { signed_out: true as const };
    },
  );
  return app;
}
