/** Builds the real app on a throwaway ZEBLIT_HOME for route tests: real SQLite, real auth, no sockets. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Audit } from '../audit/index.ts';
import { Auth } from '../auth/index.ts';
import { zeblitPaths, type Transport } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { Projects } from '../projects/index.ts';
import { createApp } from './app.ts';
import type { ApiConfig, AppDeps } from './deps.ts';

export interface TestApp {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  /** Sends a request as it would arrive on a listener. Default TCP with Host: 127.0.0.1:7823. */
  request(path: string, init?: RequestInit & { json?: unknown; transport?: Transport; token?: string }): Promise<Response>;
  close(): void;
}

export function makeTestApp(config: Partial<ApiConfig> = {}, now: () => number = Date.now): TestApp {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-test-'));
  const paths = zeblitPaths({ ZEBLIT_HOME: home });
  const database = openDatabase(paths.db);
  const auth = Auth.fromSecretFile(database.db, paths.secret, now);
  auth.users.ensureOwner('owner');
  const deps: AppDeps = {
    database,
    auth,
    projects: new Projects(database.db, paths, now),
    audit: new Audit(database.db, now),
    logger: pino({ level: 'silent' }),
    paths,
    config: { allowedOrigins: [], allowedHosts: [], rateLimit: { perSecond: 1000, burst: 1000 }, maxBodyBytes: 1 << 20, ...config },
    startedAt: now(),
    now,
  };
  const app = createApp(deps);
  return {
    deps,
    app,
    request(path, init = {}) {
      const { json, transport = 'tcp', token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has('host')) headers.set('host', '127.0.0.1:7823');
      if (token) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) {
        headers.set('content-type', 'application/json');
        rest.body = JSON.stringify(json);
      }
      const url = path.startsWith('http') ? path : `http://127.0.0.1:7823${path}`;
      return Promise.resolve(app.request(url, { ...rest, headers }, { transport }));
    },
    close() {
      database.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
