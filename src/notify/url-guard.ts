/**
 * Where a webhook may go: http or https only, and never to the daemon's own
 * listeners (a task must not be able to call the API it lives in). URLs are
 * parsed by WHATWG URL, which already folds the odd spellings of an address
 * (127.1, 0x7f000001, 2130706433) into one; names are checked again after
 * DNS, on the address the connection actually uses.
 */
import { BlockList, isIP } from 'node:net';
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

/** Whether a connection to address:port would reach one of `own`. node's BlockList compares addresses, IPv4-mapped IPv6 included. */
export function isOwnAddress(address: string, port: number, own: OwnListener[]): boolean {
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  for (const l of own) {
    if (l.port !== port) continue;
    const bind = bareHost(l.host);
    const reaches = localOnly();
    if (isIP(bind)) reaches.addAddress(bind, isIP(bind) === 6 ? 'ipv6' : 'ipv4');
    // A daemon bound to every interface answers on each of this machine's addresses.
    if (bind === '0.0.0.0' || bind === '::') for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) reaches.addAddress(i.address, i.family === 'IPv6' ? 'ipv6' : 'ipv4');
    if (reaches.check(address, family)) return true;
  }
  return false;
}

/** Loopback and the unspecified addresses: whatever the bind, they reach this machine. */
function localOnly(): BlockList {
  const b = new BlockList();
  b.addSubnet('127.0.0.0', 8, 'ipv4');
  b.addAddress('0.0.0.0', 'ipv4');
  b.addAddress('::1', 'ipv6');
  b.addAddress('::', 'ipv6');
  return b;
}
