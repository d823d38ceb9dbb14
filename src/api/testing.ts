/** Builds the real app on a throwaway ZEBLIT_HOME for route tests: real SQLite, real auth, no sockets. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Audit } from '../audit/index.ts';
import { EventBus } from '../events/index.ts';
import { ConsoleService } from '../console/index.ts';
import { Containers } from '../containers/index.ts';
import { FileService } from '../files/index.ts';
import { Auth, loadOrCreateSecret } from '../auth/index.ts';
import { LlmService } from '../llm/index.ts';
import { AgentService } from '../agents/index.ts';
import { TelegramConfigStore } from '../telegram/index.ts';
import { Notifier, WebhookSender, hubSink, webhookSink } from '../notify/index.ts';
import { SchedulerService, type SchedulerOptions, type TaskContainers } from '../scheduler/index.ts';
import {
  ERROR_STATUS,
  VERSION,
  zeblitPaths,
  type ClientType,
  type CreatedKey,
  type EnvelopeOf,
  type ErrorBody,
  type ErrorCode,
  type Scope,
  type Transport,
  type User,
} from '../contracts/index.ts';
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

export interface TestAppOptions {
  /** The scheduler's clock and options; `containers` replaces the real containers for its runs. */
  scheduler?: SchedulerOptions & { containers?: TaskContainers };
}

export function makeTestApp(config: Partial<ApiConfig> = {}, now: () => number = Date.now, opts: TestAppOptions = {}): TestApp {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-test-'));
  const paths = zeblitPaths({ ZEBLIT_HOME: home });
  const database = openDatabase(paths.db);
  const secret = loadOrCreateSecret(paths.secret);
  const auth = new Auth({ db: database.db, secret, now });
  auth.users.ensureOwner('owner');
  const projects = new Projects(database.db, paths, now);
  const bus = new EventBus(database.db, { now });
  const consoleService = new ConsoleService(database.db, bus, { now });
  const containers = new Containers(database.db, paths, { now });
  const files = new FileService(database.db, bus, paths, { now, workspaceOf: (id) => projects.workspaceOf(id) }, { busy: (id) => containers.hasActiveRuns(id) });
  // No provider from the environment: a test configures one (deps.llm.update) against the fake LLM server.
  const llm = new LlmService({ db: database.db, secret, env: {}, projects, now });
  const agents = new AgentService({ db: database.db, bus, llm, files, containers, console: consoleService }, { now });
  const webhooks = new WebhookSender({ ownListeners: () => [{ host: '127.0.0.1', port: 7823 }] });
  const notifier = new Notifier();
  notifier.add(hubSink(bus));
  notifier.add(webhookSink(webhooks));
  // Not started: nothing fires on its own in a route test; a test that wants firing starts it with its own clock.
  const { containers: taskContainers, ...schedulerOptions } = opts.scheduler ?? {};
  const scheduler = new SchedulerService(
    { db: database.db, bus, projects, containers: taskContainers ?? containers, agents, notifier, checkWebhook: (url) => webhooks.check(url) },
    { defaultTimezone: 'UTC', clock: { now, setTimer: () => () => {} }, ...schedulerOptions },
  );
  const deps: AppDeps = {
    database,
    auth,
    projects,
    audit: new Audit(database.db, now),
    bus,
    console: consoleService,
    containers,
    files,
    llm,
    agents,
    scheduler,
    logger: pino({ level: 'silent' }),
    paths,
    // No bot runs in route tests: the configuration is real, the bot's state says so.
    telegram: { config: TelegramConfigStore.forDaemon(join(paths.telegram, 'settings.json'), secret, {}, now), bot: () => ({ state: 'not_configured', pid: null, restarts: 0, last_error: null, since: 0, username: null }) },
    config: {
      allowedOrigins: [],
      allowedHosts: [],
      rateLimit: { perSecond: 1000, burst: 1000 },
      // Route tests make many 401s from one (absent) address; the limiter's own tests set it low.
      authFailureLimit: { perSecond: 1000, burst: 1000 },
      maxBodyBytes: 1 << 20,
      // No web client unless a test gives one: what / answers must not depend on whether dist/web was built.
      webRoot: null,
      ...config,
    },
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
      deps.scheduler.close();
      void deps.agents.close();
      files.close();
      database.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

// ---- Helpers shared by the *.test.ts files. ----

/** A clock a test moves by hand: pass `clock.now` to makeTestApp or a domain class. */
export function manualClock(start = Date.UTC(2030, 0, 1)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms), set: (ms: number) => void (t = ms) };
}

/** Parses a response as the envelope and checks its shape, its metadata and that the status matches the error code. */
export async function envelopeOf<T = unknown>(res: Response): Promise<EnvelopeOf<T>> {
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `status ${res.status}: not JSON`);
  const body = (await res.json()) as EnvelopeOf<T>;
  assert.deepEqual(Object.keys(body).sort(), ['data', 'error', 'metadata', 'success']);
  assert.deepEqual(Object.keys(body.metadata).sort(), ['request_id', 'timestamp', 'version']);
  assert.equal(body.metadata.version, VERSION);
  assert.equal(new Date(body.metadata.timestamp).toISOString(), body.metadata.timestamp);
  assert.equal(body.metadata.request_id, res.headers.get('x-request-id'), 'request id in header and envelope agree');
  if (body.success) {
    assert.equal(body.error, null);
    assert.ok(res.status < 400, `success envelope with status ${res.status}`);
  } else {
    assert.equal(body.data, null);
    const error = body.error as ErrorBody;
    for (const k of Object.keys(error)) assert.ok(['code', 'message', 'details', 'suggestion'].includes(k), `unexpected error field ${k}`);
    assert.equal(typeof error.message, 'string');
    assert.equal(res.status, ERROR_STATUS[error.code], `status ${res.status} does not match ${error.code}`);
  }
  return body;
}

/** The data of a successful response with the expected status. */
export async function dataOf<T>(res: Response, status = 200): Promise<T> {
  const body = await envelopeOf<T>(res);
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${JSON.stringify(body.error)}`);
  assert.equal(body.success, true);
  return body.data as T;
}

/** The error of a failed response, after checking its status and code. */
export async function errorOf(res: Response, status: number, code: ErrorCode): Promise<ErrorBody> {
  const body = await envelopeOf(res);
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${JSON.stringify(body.error ?? body.data)}`);
  assert.equal(body.error?.code, code);
  return body.error as ErrorBody;
}

export interface TestUser {
  user: User;
  key: string;
  keyId: string;
}

/** A user (straight through the domain) with one API key of theirs. */
export function addUser(
  t: TestApp,
  name: string,
  opts: { role?: 'admin' | 'user'; scopes?: Scope[]; client_type?: ClientType } = {},
): TestUser {
  const user = t.deps.auth.users.create({ name, role: opts.role ?? 'user' });
  const k = addKey(t, user.id, { scopes: opts.scopes, client_type: opts.client_type });
  return { user, key: k.key, keyId: k.id };
}

/** Another key for an existing user. */
export function addKey(t: TestApp, userId: string, opts: { name?: string; scopes?: Scope[]; client_type?: ClientType; expires_in_days?: number } = {}): CreatedKey {
  return t.deps.auth.keys.create(userId, {
    name: opts.name ?? 'test key',
    scopes: opts.scopes ?? ['read', 'write'],
    client_type: opts.client_type ?? 'cli',
    expires_in_days: opts.expires_in_days,
  });
}

/** The owner with a key of theirs, for calls over TCP. */
export function ownerWithKey(t: TestApp, scopes: Scope[] = ['read', 'write', 'admin']): TestUser {
  const user = t.deps.auth.users.owner();
  const k = addKey(t, user.id, { name: 'owner key', scopes });
  return { user, key: k.key, keyId: k.id };
}
