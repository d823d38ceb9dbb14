import { z } from 'zod';
import { Scope } from './auth.ts';
import { User } from './users.ts';

/**
 * The web client's session routes (/api/v1/web/…). Names shared by the
 * daemon and the page live here so that neither spells them twice.
 */

export { CSRF_HEADER, CSRF_PROTOCOL_PREFIX, SESSION_COOKIE_PREFIX } from './web-names.ts';

export const LoginCode = z.object({
  code: z.string().describe('Works once, within 5 minutes'),
  expires_at: z.number().int(),
  path: z.string().describe('Where the browser goes: /login#code=… (a fragment, so the code never reaches a server log)'),
  url: z.string().nullable().describe("The full sign-in URL on this daemon's TCP listener; null when it has none"),
});
export type LoginCode = z.infer<typeof LoginCode>;

export const SessionExchangeRequest = z.strictObject({
  code: z.string().min(1).max(200),
});

export const WebSession = z.object({
  user: User,
  scopes: z.array(Scope),
  csrf_token: z.string().describe('Send it as the X-Zeblit-CSRF header on every request; the cookie alone is refused'),
  token_expires_at: z.number().int().describe('Renew before this (POST /web/session/renew)'),
  session_expires_at: z.number().int().describe('The session ends then, renewed or not'),
});
export type WebSession = z.infer<typeof WebSession>;
