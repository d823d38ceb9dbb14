import { unauthorized, type CreatedKey, type ServiceName, type Transport, type User } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { Jwt } from './jwt.ts';
import { ApiKeys, earliest } from './keys.ts';
import type { Principal } from './principal.ts';
import { deriveKey, loadOrCreateSecret } from './secret.ts';
import { TelegramLinks } from './telegram.ts';
import { Users } from './users.ts';
import { WebSessions, type WebSessionOptions } from './web-sessions.ts';

export { hasScope, type Principal } from './principal.ts';
export { loadOrCreateSecret, deriveKey } from './secret.ts';
export { Jwt } from './jwt.ts';
export { earliest } from './keys.ts';

/** Whether a bearer token is shaped like a Zeblit credential (an API key or a JWT) at all. */
export function looksLikeCredential(token: string): boolean {
  return token.startsWith('zbl_') || Jwt.looksLikeJwt(token);
}
export * as authTables from './auth.sql.ts';
export { WebSessions, CODE_TTL_MS, SESSION_TOKEN_TTL_MS, SESSION_MAX_MS, type IssuedSession, type LoginCode, type WebSessionOptions } from './web-sessions.ts';

export interface AuthOptions {
  db: Db;
  secret: Buffer;
  now?: () => number;
  /** Lifetimes of web sign-in codes and sessions (tests shorten them). */
  web?: WebSessionOptions;
}

/** The auth domain: users, API keys, JWTs and Telegram links, behind one object. */
export class Auth {
  readonly users: Users;
  readonly keys: ApiKeys;
  readonly jwt: Jwt;
  readonly telegram: TelegramLinks;
  readonly web: WebSessions;

  constructor({ db, secret, now = Date.now, web }: AuthOptions) {
    this.users = new Users(db, now);
    this.keys = new ApiKeys(db, deriveKey(secret, 'api-key-hash'), now);
    this.jwt = new Jwt(deriveKey(secret, 'jwt'), now);
    this.telegram = new TelegramLinks(db, this.keys, deriveKey(secret, 'link-token-hash'), now);
    this.web = new WebSessions(this.keys, this.users, { codeHash: deriveKey(secret, 'web-code-hash'), token: deriveKey(secret, 'web-session'), csrf: deriveKey(secret, 'web-csrf') }, now, web);
  }

  static fromSecretFile(db: Db, secretFile: string, now?: () => number): Auth {
    return new Auth({ db, secret: loadOrCreateSecret(secretFile), now });
  }

  /** Deletes a user; their keys, links and (by the caller, first) projects go with them. */
  deleteUser(id: string): User {
    const user = this.users.delete(id);
    this.keys.forgetUser(id);
    return user;
  }

  socketOwner(): Principal {
    return { user: this.users.owner(), transport: 'unix', auth: 'socket', keyId: null, clientType: null, scopes: ['read', 'write', 'admin'], service: null, expiresAt: null, projectId: null };
  }

  /**
   * Mints (or rotates) a service's credential: a key of the owner with no
   * scopes, accepted only on that service's route; the previous one is
   * revoked. `notAfter`: the expiry of the credential asking, which it may not outlive.
   */
  rotateServiceCredential(service: ServiceName, notAfter: number | null = null): CreatedKey {
    return this.keys.rotateService(service, this.users.owner().id, { notAfter });
  }

  /** Resolves a bearer token (API key or JWT) to the caller. Throws 401. */
  async authenticate(token: string, transport: Transport): Promise<Principal> {
    if (Jwt.looksLikeJwt(token)) {
      const claims = await this.jwt.verify(token);
      const key = this.keys.assertActive(claims.keyId);
      const user = this.userOrThrow(key.userId);
      // The token never carries more than its key has now.
      const scopes = claims.scopes.filter((s) => key.scopes.includes(s));
      return { user, transport, auth: 'jwt', keyId: key.keyId, clientType: key.clientType, scopes, service: key.service, expiresAt: earliest(claims.expiresAt, key.expiresAt), projectId: key.projectId };
    }
    const key = this.keys.verify(token);
    return {
      user: this.userOrThrow(key.userId),
      transport,
      auth: 'api_key',
      keyId: key.keyId,
      clientType: key.clientType,
      scopes: key.scopes,
      service: key.service,
      expiresAt: key.expiresAt,
      projectId: key.projectId,
    };
  }

  private userOrThrow(id: string): User {
    const user = this.users.find(id);
    if (!user) throw unauthorized('The user of this key no longer exists');
    return user;
  }
}
