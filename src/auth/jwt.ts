import { SignJWT, jwtVerify, errors } from 'jose';
import { unauthorized, type ClientType, type Scope } from '../contracts/index.ts';

const ISSUER = 'zeblitd';
const AUDIENCE = 'zeblit-api';

export interface TokenClaims {
  userId: string;
  keyId: string;
  clientType: ClientType;
  scopes: Scope[];
}

export interface VerifiedToken extends TokenClaims {
  /** The token's exp, in milliseconds. */
  expiresAt: number;
}

export class Jwt {
  constructor(
    private readonly key: Uint8Array,
    private readonly now: () => number = Date.now,
  ) {}

  /** A JWT looks like three base64url parts; an API key never does. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token);
  }

  /** `notAfter` (ms): the token expires no later (its key's own expiry), so the expiry it reports is the true one. */
  async sign(claims: TokenClaims, ttlSeconds: number, notAfter: number | null = null): Promise<{ token: string; expiresAt: number }> {
    const iat = Math.floor(this.now() / 1000);
    const exp = notAfter === null ? iat + ttlSeconds : Math.min(iat + ttlSeconds, Math.floor(notAfter / 1000));
    const token = await new SignJWT({ kid: claims.keyId, scp: claims.scopes, cli: claims.clientType })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(this.key);
    return { token, expiresAt: exp * 1000 };
  }

  async verify(token: string): Promise<VerifiedToken> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: ISSUER,
        audience: AUDIENCE,
        algorithms: ['HS256'],
        currentDate: new Date(this.now()),
      });
      if (typeof payload.sub !== 'string' || typeof payload.kid !== 'string' || typeof payload.exp !== 'number') throw unauthorized('Invalid token');
      return {
        expiresAt: payload.exp * 1000,
        userId: payload.sub,
        keyId: payload.kid,
        scopes: (Array.isArray(payload.scp) ? payload.scp : []) as Scope[],
        clientType: (typeof payload.cli === 'string' ? payload.cli : 'other') as ClientType,
      };
    } catch (e) {
      if (e instanceof errors.JWTExpired) throw unauthorized('Token expired', 'Exchange your API key for a new token: POST /api/v1/auth/token.');
      if (e instanceof errors.JOSEError) throw unauthorized('Invalid token');
      throw e;
    }
  }
}
