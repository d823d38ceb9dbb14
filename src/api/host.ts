import type { IncomingMessage } from 'node:http';

/**
 * The Host header, parsed once for everyone who reads it: the transport
 * guard (DNS rebinding) and the listeners, whose HTTP adapter builds the
 * request URL from it.
 */

/** A Host header is an authority and nothing else: a name or bracketed IPv6 address, then an optional port. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/;

export interface ParsedHost {
  /** As the WHATWG URL parser normalises it: lower case, IDNA, IPv4 in dotted form, IPv6 in brackets. */
  hostname: string;
  port: number | null;
}

/**
 * Parses a Host header, or returns null when it is not a valid authority
 * (bad characters, a port that is not a number in 1..65535, a name the URL
 * parser refuses such as `xn--a`). The grammar is checked first so that
 * nothing the URL parser would silently accept around an authority (user
 * info, a path, a query) slips through; the URL parser then does the
 * validation and normalisation it is maintained for.
 */
export function parseHost(raw: string | undefined): ParsedHost | null {
  if (raw === undefined || !AUTHORITY.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(`http://${raw}/`);
  } catch {
    return null;
  }
  const portText = /:(\d+)$/.exec(raw)?.[1];
  const port = portText === undefined ? null : Number(portText);
  if (port !== null && (port < 1 || port > 65_535)) return null;
  return { hostname: url.hostname, port };
}

/** The Host given to the HTTP adapter in place of one it cannot build a URL from (a reserved name that is never allowed). */
export const UNUSABLE_HOST = 'unusable-host.invalid';
const unusable = new WeakMap<IncomingMessage, string>();

/**
 * Called by a listener before the HTTP adapter sees a request or an upgrade:
 * a Host the adapter cannot build a URL from would make it answer 400 with
 * no body (or a bare 400 to an upgrade) before the app runs. Such a Host is
 * swapped for UNUSABLE_HOST and remembered, so the request reaches the app
 * and the transport guard refuses it with a proper envelope.
 */
export function setAsideUnusableHost(req: IncomingMessage): void {
  const raw = req.headers.host;
  if (parseHost(raw) !== null) return;
  unusable.set(req, raw ?? '');
  req.headers.host = UNUSABLE_HOST;
}

/** The Host header the client sent: what a listener set aside, else the header. */
export function sentHost(incoming: IncomingMessage | undefined, header: string | undefined): string | undefined {
  return (incoming && unusable.get(incoming)) ?? header;
}
