import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ZeblitError } from '../contracts/index.ts';
import type { Endpoint } from './engine.ts';

export const DOCKER_SUGGESTION = 'Start OrbStack or Docker, or set DOCKER_HOST';

export interface DiscoveryDeps {
  env: NodeJS.ProcessEnv;
  home: string;
  exists: (path: string) => boolean;
  readFile: (path: string) => Buffer;
}

const defaults = (): DiscoveryDeps => ({ env: process.env, home: homedir(), exists: existsSync, readFile: (p) => readFileSync(p) });

/** The sockets tried in order when DOCKER_HOST is not set: Docker Engine, OrbStack, Docker Desktop, Colima. */
export function candidateSockets(home: string): string[] {
  return [
    '/var/run/docker.sock',
    join(home, '.orbstack', 'run', 'docker.sock'),
    join(home, '.docker', 'run', 'docker.sock'),
    join(home, '.colima', 'default', 'docker.sock'),
  ];
}

/**
 * Where the engine is: DOCKER_HOST (unix://, tcp:// with DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH, ssh://), else the first of the usual sockets that exists,
 * else /var/run/docker.sock (which then fails as "unavailable", with advice).
 */
export function discoverEndpoint(partial: Partial<DiscoveryDeps> = {}): Endpoint {
  const deps = { ...defaults(), ...partial };
  const host = deps.env.DOCKER_HOST?.trim();
  if (host) return parseDockerHost(host, deps);
  const found = candidateSockets(deps.home).find((p) => deps.exists(p));
  return { kind: 'unix', socketPath: found ?? '/var/run/docker.sock' };
}

export function parseDockerHost(host: string, deps: Pick<DiscoveryDeps, 'env' | 'home' | 'readFile'>): Endpoint {
  if (host.startsWith('unix://')) return { kind: 'unix', socketPath: host.slice('unix://'.length) };
  if (host.startsWith('ssh://')) return { kind: 'ssh', url: host };
  const m = /^(tcp|https?):\/\/(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(host);
  if (!m) {
    throw new ZeblitError('DOCKER_UNAVAILABLE', `DOCKER_HOST="${host}" is not an address Zeblit understands`, {
      suggestion: 'Use unix:///path/to/docker.sock or tcp://host:port, or unset DOCKER_HOST',
    });
  }
  const tlsVerify = deps.env.DOCKER_TLS_VERIFY !== undefined && deps.env.DOCKER_TLS_VERIFY !== '' && deps.env.DOCKER_TLS_VERIFY !== '0';
  const useTls = tlsVerify || m[1] === 'https';
  const port = m[3] ? Number(m[3]) : useTls ? 2376 : 2375;
  const hostname = (m[2] ?? '').replace(/^\[|\]$/g, '');
  if (!useTls) return { kind: 'tcp', host: hostname, port, tls: null };
  const certDir = deps.env.DOCKER_CERT_PATH || join(deps.home, '.docker');
  const read = (f: string) => {
    try {
      return deps.readFile(join(certDir, f));
    } catch {
      return undefined;
    }
  };
  return { kind: 'tcp', host: hostname, port, tls: { ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') } };
}

export function describeEndpoint(e: Endpoint): string {
  if (e.kind === 'unix') return `unix://${e.socketPath}`;
  if (e.kind === 'ssh') return e.url;
  const host = e.host.includes(':') ? `[${e.host}]` : e.host;
  return `${e.tls ? 'https' : 'tcp'}://${host}:${e.port}`;
}

/** The one error every container operation throws while the engine does not answer. */
export function dockerUnavailable(endpoint: string, cause?: unknown): ZeblitError {
  const why = cause instanceof Error ? `: ${cause.message}` : '';
  return new ZeblitError('DOCKER_UNAVAILABLE', `The container engine at ${endpoint} does not answer${why}`, {
    suggestion: DOCKER_SUGGESTION,
    cause,
  });
}
