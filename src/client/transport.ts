import { isAbsolute } from 'node:path';

/**
 * How the client reaches a daemon. The Unix socket needs no credentials (the
 * caller is the owner) unless a token is given, which then decides who the
 * caller is; TCP always needs one.
 */
export type ClientTransport =
  | { kind: 'unix'; socketPath: string; token?: string }
  | { kind: 'tcp'; baseUrl: string; token?: string };

export const DEFAULT_TCP_URL = 'http://127.0.0.1:7823';

/** Human name of the target, for messages: the socket path or the origin. */
export function describeTransport(t: ClientTransport): string {
  return t.kind === 'unix' ? t.socketPath : new URL(t.baseUrl).origin;
}

/**
 * Reads a host the way users write it: `http://127.0.0.1:7823`, `127.0.0.1:7823`,
 * `localhost`, `https://host/prefix`, or `unix:///abs/path.sock` (as DOCKER_HOST does).
 * Throws a TypeError on anything else.
 */
export function parseHost(input: string, token?: string): ClientTransport {
  const raw = input.trim();
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!isAbsolute(socketPath)) throw new TypeError(`A unix host needs an absolute socket path: unix:///path/to/zeblitd.sock (got "${input}")`);
    return withToken({ kind: 'unix', socketPath }, token);
  }
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new TypeError(`Not a valid host URL: "${input}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`Unsupported scheme "${url.protocol}" in "${input}": use http://, https:// or unix://`);
  if (url.search || url.hash || url.username || url.password) throw new TypeError(`The host URL must not carry credentials, a query or a fragment: "${input}"`);
  if (!url.port && url.protocol === 'http:' && !/:\d+/.test(raw.replace(/^[a-z]+:\/\//i, ''))) url.port = new URL(DEFAULT_TCP_URL).port;
  const baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return withToken({ kind: 'tcp', baseUrl }, token);
}

function withToken(t: ClientTransport, token: string | undefined): ClientTransport {
  return token ? { ...t, token } : t;
}
