import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import type { Transport } from '../contracts/index.ts';
import type { Principal } from '../auth/index.ts';

/** What each listener passes to the app: the transport decides the auth rules. */
export interface AppBindings {
  transport?: Transport;
  incoming?: IncomingMessage;
}

export interface AppVariables {
  requestId: string;
  principal: Principal | undefined;
  /** Set by a handler to name the resource it created or touched, for the audit log. */
  resource: string | undefined;
}

export interface AppEnv {
  Bindings: AppBindings;
  Variables: AppVariables;
}

export function transportOf(env: AppBindings | undefined): Transport {
  // Anything not told otherwise is treated as TCP: the stricter rules apply.
  return env?.transport === 'unix' ? 'unix' : 'tcp';
}

/**
 * Who a limiter counts a caller as: its remote address, with an IPv4-mapped
 * IPv6 address as plain IPv4 and an IPv6 address by its /64 (one host or
 * network usually holds a whole /64, so rotating inside it buys nothing).
 */
export function callerAddress(env: AppBindings | undefined): string {
  const a = env?.incoming?.socket?.remoteAddress;
  if (!a) return '?';
  if (isIPv4(a)) return a;
  if (a.toLowerCase().startsWith('::ffff:') && isIPv4(a.slice(7))) return a.slice(7);
  if (!isIPv6(a.split('%')[0] ?? '')) return a;
  return `${ipv6Prefix64(a.split('%')[0] ?? '')}::/64`;
}

/** The first four groups of an IPv6 address the kernel reported (already valid), expanded and without leading zeros. */
function ipv6Prefix64(a: string): string {
  const [head = '', tail] = a.split('::');
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  // A trailing dotted IPv4 stands for two groups; it is in the low 64 bits, so counting it as one only pads the middle.
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':');
}
