/**
 * Which daemon the CLI talks to, and with which key:
 * ZEBLIT_HOST (+ ZEBLIT_API_KEY) > config.json `host` (+ the stored key) > the
 * local socket of ZEBLIT_HOME (with ZEBLIT_API_KEY or a key stored for it, else
 * as the owner). A stored key is only ever sent to the host it was saved for.
 */
import { zeblitPaths } from '../src/contracts/paths.ts';
import { parseHost, type ClientTransport } from '../src/client/index.ts';
import { CliError } from './cli-error.ts';
import type { CliConfig } from './config.ts';
import type { Credentials } from './credentials.ts';

export type Env = Record<string, string | undefined>;

export interface Connection {
  transport: ClientTransport;
  /** Where the choice came from. */
  source: 'env' | 'config' | 'default';
  /** The daemon of this ZEBLIT_HOME, which the CLI may start itself. */
  local: boolean;
}

/** The canonical name of a host, used to tie a stored key to it. */
export function hostKey(t: ClientTransport): string {
  return t.kind === 'unix' ? `unix://${t.socketPath}` : t.baseUrl;
}

export function parseHostOrFail(host: string, where: string): ClientTransport {
  try {
    return parseHost(host);
  } catch (e) {
    throw new CliError('INVALID_HOST', `${where}: ${(e as Error).message}`, { suggestion: 'Write it as http://127.0.0.1:7823 (or unix:///path/to/zeblitd.sock).' });
  }
}

export function resolveConnection(env: Env, config: CliConfig, creds: Credentials | null): Connection {
  const socket = zeblitPaths(env).socket;
  const envKey = env.ZEBLIT_API_KEY?.trim() || undefined;
  const storedFor = (t: ClientTransport | null) => {
    if (!creds) return undefined;
    return (t === null ? creds.host === null : creds.host === hostKey(t)) ? creds.api_key : undefined;
  };
  const build = (base: ClientTransport, token: string | undefined, source: Connection['source']): Connection => ({
    transport: token ? { ...base, token } : base,
    source,
    local: base.kind === 'unix' && base.socketPath === socket,
  });

  const envHost = env.ZEBLIT_HOST?.trim();
  if (envHost) {
    const t = parseHostOrFail(envHost, 'ZEBLIT_HOST');
    return build(t, envKey ?? storedFor(t), 'env');
  }
  if (config.host) {
    const t = parseHostOrFail(config.host, 'config.json "host"');
    return build(t, envKey ?? storedFor(t), 'config');
  }
  return build({ kind: 'unix', socketPath: socket }, envKey ?? storedFor(null), 'default');
}

/** One line for humans: `unix socket /h/zeblitd.sock` or `tcp http://127.0.0.1:7823`. */
export function describeConnection(c: Connection): string {
  const where = c.transport.kind === 'unix' ? `unix socket ${c.transport.socketPath}` : `tcp ${c.transport.baseUrl}`;
  const from = c.source === 'env' ? ' (from ZEBLIT_HOST)' : c.source === 'config' ? ' (from config.json)' : '';
  return `${where}${from}`;
}
