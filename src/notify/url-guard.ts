/**
 * Where a webhook may go: http or https only, and never to the daemon's own
 * listeners (a task must not be able to call the API it lives in). URLs are
 * parsed by WHATWG URL, which already folds the odd spellings of an address
 * (127.1, 0x7f000001, 2130706433) into one; names are checked again after
 * DNS, on the address the connection actually uses.
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { ZeblitError } from '../contracts/index.ts';

/** A TCP listener of the daemon: its bind address and port. */
export interface OwnListener {
  host: string;
  port: number;
}

const SUGGESTION = 'Give an http:// or https:// URL of a service outside zeblitd, e.g. https://hooks.example.com/zeblit.';

/** A 400 shaped like every other field error (VALIDATION_FAILED, details per field). */
const invalid = (message: string) =>
  new ZeblitError('VALIDATION_FAILED', `Invalid request: webhook_url: ${message}`, { suggestion: SUGGESTION, details: [{ field: 'webhook_url', message, code: 'custom' }] });

/** Parses and checks a webhook URL; throws VALIDATION_FAILED (with a suggestion) when it cannot be used. */
export function checkWebhookUrl(raw: string, own: OwnListener[] = []): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid(`"${raw}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalid(`must be http or https, not ${url.protocol.replace(/:$/, '')}`);
  const host = bareHost(url.hostname);
  if (host === '') throw invalid('has no host');
  const literal = isIP(host) ? host : host.toLowerCase() === 'localhost' || host.toLowerCase().endsWith('.localhost') ? '127.0.0.1' : null;
  if (literal && isOwnAddress(literal, portOf(url), own))
    throw invalid(`points at zeblitd itself (${url.host})`);
  return url;
}

export const portOf = (url: URL): number => (url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80);

/** [::1] → ::1 */
export const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/** Whether a connection to address:port would reach one of `own`. */
export function isOwnAddress(address: string, port: number, own: OwnListener[]): boolean {
  const addr = normalise(address);
  for (const l of own) {
    if (l.port !== port) continue;
    const bind = normalise(bareHost(l.host));
    if (isLoopback(addr) || isUnspecified(addr) || addr === bind) return true;
    // A daemon bound to every interface answers on each of this machine's addresses.
    if (isUnspecified(bind) && localAddresses().has(addr)) return true;
  }
  return false;
}

/** IPv4-mapped IPv6 (::ffff:127.0.0.1) as the IPv4 address it is. */
function normalise(address: string): string {
  const a = address.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  return mapped?.[1] ?? a;
}

const isLoopback = (a: string) => /^127\./.test(a) || a === '::1' || a === '0:0:0:0:0:0:0:1';
const isUnspecified = (a: string) => a === '0.0.0.0' || a === '::' || a === '0:0:0:0:0:0:0:0';

function localAddresses(): Set<string> {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) out.add(normalise(i.address));
  return out;
}
