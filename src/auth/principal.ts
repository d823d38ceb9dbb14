import type { ClientType, Scope, ServiceName, Transport, User } from '../contracts/index.ts';

/** Who is calling: resolved once per request by the auth middleware. */
export interface Principal {
  user: User;
  transport: Transport;
  /** `web`: a browser session of the web client (its cookie together with its CSRF token). */
  auth: 'socket' | 'api_key' | 'jwt' | 'web';
  keyId: string | null;
  /** A label the key's creator chose: it grants nothing. */
  clientType: ClientType | null;
  scopes: Scope[];
  /** A daemon-minted service credential (no scopes; accepted only on its service's route). */
  service: ServiceName | null;
  /** The key's default project (an id, possibly of a project deleted since); null: none, or the socket owner. */
  projectId: string | null;
  /** When this credential stops working (a JWT's exp, capped by its key's expiry); null: never. What it creates may not outlive it. */
  expiresAt: number | null;
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes(scope) || p.scopes.includes('admin');
}
