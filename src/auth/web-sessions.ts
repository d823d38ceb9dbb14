/**
 * Browser sessions of the web client, signed in the way Jupyter does it.
 *
 * 1. A trusted caller (the socket owner, or an admin) asks for a one-time
 *    login code. Codes live only in this process, stored as an HMAC (never
 *    the code itself), expire after CODE_TTL_MS and work once.
 * 2. The page trades the code for a session: an API key row of the caller
 *    (client type `web`, its secret thrown away: nobody can present it) that
 *    expires after SESSION_MAX_MS at most, and a short-lived session token
 *    (a JWT signed with its own key and audience, so it is never accepted as
 *    a bearer token) that the API puts in an HttpOnly cookie.
 * 3. Every request the cookie authenticates must also carry the session's
 *    CSRF token, an HMAC of the session id that the page keeps in memory:
 *    the cookie alone is refused. Renewing mints a fresh session token while
 *    the session key lives; logging out revokes the key, which kills every
 *    token of that session on the next request.
 *
 * Invariant: a session never holds more than the credential that asked for
 * its code (its scopes, and no life beyond its expiry).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import { unauthorized, type Scope, type User } from '../contracts/index.ts';
import { earliest, type ApiKeys, type VerifiedKey } from './keys.ts';
import type { Principal } from './principal.ts';
import type { Users } from './users.ts';

export const CODE_TTL_MS = 5 * 60_000;
/** The session token's life; the page renews it well before (every third of it) while a tab is open. */
export const SESSION_TOKEN_TTL_MS = 10 * 60_000;
/** A session's whole life, however often it is renewed. */
export const SESSION_MAX_MS = 24 * 3_600_000;
/** Codes waiting to be used, at most (the oldest go first): a flood of requests for codes cannot grow memory. */
const MAX_PENDING_CODES = 100;

const ISSUER = 'zeblitd';
const AUDIENCE = 'zeblit-web';

export interface LoginCode {
  code: string;
  expires_at: number;
}

interface PendingCode {
  userId: string;
  scopes: Scope[];
  /** The asking credential's default project: the session gets the same. */
  projectId: string | null;
  notAfter: number | null;
  expiresAt: number;
}

/** What the page gets from an exchange or a renewal; the token goes into the cookie, the rest to the page. */
export interface IssuedSession {
  token: string;
  /** When this token expires (ms); renew before. */
  tokenExpiresAt: number;
  /** When the session ends whatever happens (ms). */
  sessionExpiresAt: number;
  csrfToken: string;
  sessionId: string;
  user: User;
  scopes: Scope[];
}

export interface WebSessionKeys {
  codeHash: Buffer;
  token: Buffer;
  csrf: Buffer;
}

export interface WebSessionOptions {
  codeTtlMs?: number;
  tokenTtlMs?: number;
  sessionMaxMs?: number;
}

export class WebSessions {
  private readonly codes = new Map<string, PendingCode>();
  private readonly codeTtlMs: number;
  private readonly tokenTtlMs: number;
  private readonly sessionMaxMs: number;

  constructor(
    private readonly keys: ApiKeys,
    private readonly users: Users,
    private readonly secrets: WebSessionKeys,
    private readonly now: () => number = Date.now,
    opts: WebSessionOptions = {},
  ) {
    this.codeTtlMs = opts.codeTtlMs ?? CODE_TTL_MS;
    this.tokenTtlMs = opts.tokenTtlMs ?? SESSION_TOKEN_TTL_MS;
    this.sessionMaxMs = opts.sessionMaxMs ?? SESSION_MAX_MS;
  }

  private hashCode(code: string): string {
    return createHmac('sha256', this.secrets.codeHash).update(code).digest('base64url');
  }

  /** A one-time code for `principal`'s user, holding no more than the principal (scopes, expiry). */
  createCode(principal: Principal): LoginCode {
    const now = this.now();
    for (const [hash, pending] of this.codes) if (pending.expiresAt <= now) this.codes.delete(hash);
    while (this.codes.size >= MAX_PENDING_CODES) this.codes.delete(this.codes.keys().next().value as string);
    const code = randomBytes(32).toString('base64url');
    const expiresAt = now + this.codeTtlMs;
    this.codes.set(this.hashCode(code), { userId: principal.user.id, scopes: [...principal.scopes], projectId: principal.projectId, notAfter: principal.expiresAt, expiresAt });
    return { code, expires_at: expiresAt };
  }

  /** Trades a code for a session. The code is spent by the first attempt that names it, whether it then succeeds or not. */
  async exchange(code: string): Promise<IssuedSession> {
    const hash = this.hashCode(code);
    const pending = this.codes.get(hash);
    this.codes.delete(hash);
    const suggestion = 'Run `zeblit web` for a new sign-in link; each link works once, for 5 minutes.';
    const now = this.now();
    if (!pending) throw unauthorized('This sign-in link is unknown or was already used', suggestion);
    if (pending.expiresAt <= now) throw unauthorized('This sign-in link has expired', suggestion);
    if (pending.notAfter !== null && pending.notAfter <= now) throw unauthorized('The credential that made this sign-in link has expired', suggestion);
    const user = this.users.find(pending.userId);
    if (!user) throw unauthorized('The user of this sign-in link no longer exists');
    const key = this.keys.createSession(user.id, pending.scopes, earliest(now + this.sessionMaxMs, pending.notAfter), pending.projectId);
    return this.issue(user, { keyId: key.id, scopes: key.scopes, expiresAt: key.expires_at });
  }

  /** A fresh token for a live session (the page calls this while a tab is open). */
  async renew(principal: Principal): Promise<IssuedSession> {
    if (principal.auth !== 'web' || !principal.keyId) throw unauthorized('Only a web session can be renewed');
    const key = this.keys.assertActive(principal.keyId);
    return this.issue(principal.user, { keyId: key.keyId, scopes: key.scopes, expiresAt: key.expiresAt });
  }

  /** Ends the session: every token of it fails from the next request on. */
  logout(principal: Principal): void {
    if (principal.auth !== 'web' || !principal.keyId) throw unauthorized('Only a web session can be logged out');
    this.keys.revoke(principal.user.id, principal.keyId);
  }

  /**
   * The caller behind a session cookie, given the CSRF token the request
   * carried. Both are required; a token that does not belong to the session
   * is refused like a missing one.
   */
  async authenticate(token: string, csrf: string | undefined): Promise<Principal> {
    const { sessionId } = await this.verifyToken(token);
    if (!csrf || !this.csrfMatches(sessionId, csrf))
      throw unauthorized('The session cookie needs its CSRF token', 'The web client sends it as the X-Zeblit-CSRF header; reload the page, or sign in again with `zeblit web`.');
    const key: VerifiedKey = this.keys.assertActive(sessionId);
    const user = this.users.find(key.userId);
    if (!user) throw unauthorized('The user of this session no longer exists');
    // The token's own expiry is short by design (it is renewed while a tab is open): what the session creates is bounded by the session.
    return { user, transport: 'tcp', auth: 'web', keyId: key.keyId, clientType: 'web', scopes: key.scopes, service: null, expiresAt: key.expiresAt, projectId: key.projectId };
  }

  csrfFor(sessionId: string): string {
    return createHmac('sha256', this.secrets.csrf).update(sessionId).digest('base64url');
  }

  private csrfMatches(sessionId: string, csrf: string): boolean {
    const expected = Buffer.from(this.csrfFor(sessionId));
    const actual = Buffer.from(csrf);
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }

  private async issue(user: User, key: { keyId: string; scopes: Scope[]; expiresAt: number | null }): Promise<IssuedSession> {
    const now = this.now();
    const iat = Math.floor(now / 1000);
    const exp = Math.floor(earliest(now + this.tokenTtlMs, key.expiresAt)! / 1000);
    const token = await new SignJWT({ sid: key.keyId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.secrets.token);
    return {
      token,
      tokenExpiresAt: exp * 1000,
      sessionExpiresAt: key.expiresAt ?? exp * 1000,
      csrfToken: this.csrfFor(key.keyId),
      sessionId: key.keyId,
      user,
      scopes: key.scopes,
    };
  }

  private async verifyToken(token: string): Promise<{ sessionId: string }> {
    try {
      const { payload } = await jwtVerify(token, this.secrets.token, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], currentDate: new Date(this.now()) });
      if (typeof payload.sid !== 'string' || typeof payload.exp !== 'number') throw unauthorized('Invalid session');
      return { sessionId: payload.sid };
    } catch (e) {
      const suggestion = 'Sign in again: run `zeblit web`.';
      if (e instanceof errors.JWTExpired) throw unauthorized('The web session has expired', suggestion);
      if (e instanceof errors.JOSEError) throw unauthorized('Invalid web session', suggestion);
      throw e;
    }
  }
}
