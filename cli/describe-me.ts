import type { Me } from '../src/contracts/index.ts';

/** `alice (admin) with key key_… [cli]` or `alice (admin) as the socket owner`. */
export function describeMe(me: Me): string {
  const who = `${me.user.name} (${me.user.role})`;
  if (me.auth === 'socket') return `${who} as the socket owner`;
  const client = me.client_type ? ` [${me.client_type}]` : '';
  return `${who} with ${me.auth === 'jwt' ? 'a token of key' : 'key'} ${me.key_id ?? '?'}${client}`;
}
