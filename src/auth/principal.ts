import type { ClientType, Scope, Transport, User } from '../contracts/index.ts';

/** Who is calling: resolved once per request by the auth middleware. */
export interface Principal {
  user: User;
  transport: Transport;
  auth: 'socket' | 'api_key' | 'jwt';
  keyId: string | null;
  clientType: ClientType | null;
  scopes: Scope[];
}

export function hasScope(p: Principal, scope: Scope): boolean {
  return p.scopes.includes(scope) || p.scopes.includes('admin');
}
