/**
 * Test helpers for the agents: a throwaway home with a real database, bus,
 * files, console and containers, the real LlmService talking through the
 * vendor SDK to the fake LLM server on loopback, and an AgentService on top.
 */
import { loadOrCreateSecret } from '../auth/index.ts';
import { ConsoleService } from '../console/index.ts';
import { Containers, bridgeEvents, type ContainersOptions } from '../containers/index.ts';
import { removeTestResources } from '../containers/testing.ts';
import type { Project, ZeblitEvent, ZeblitPaths } from '../contracts/index.ts';
import type { OpenedDatabase } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import type { FileService } from '../files/index.ts';
import { filesFixture } from '../files/testing.ts';
import { LlmService } from '../llm/index.ts';
import { FakeLlm } from '../llm/testing/fake-llm.ts';
import type { Projects } from '../projects/index.ts';
import { AgentService, type AgentOptions } from './index.ts';

export interface AgentsFixture {
  home: string;
  paths: ZeblitPaths;
  database: OpenedDatabase;
  bus: EventBus;
  projects: Projects;
  ownerId: string;
  files: FileService;
  console: ConsoleService;
  containers: Containers;
  llm: LlmService;
  fake: FakeLlm;
  agents: AgentService;
  /** Every event published on the bus, in order. */
  events: ZeblitEvent[];
  project(name?: string, settings?: Partial<Project['settings']>, template?: Project['template']): Project;
  /** Another AgentService over the same everything (a restarted daemon, other options). */
  service(opts?: AgentOptions): AgentService;
  close(): Promise<void>;
}

export interface AgentsFixtureOptions {
  agents?: AgentOptions;
  containers?: ContainersOptions;
  /** false: no provider configured (LLM_NOT_CONFIGURED). */
  configured?: boolean;
  /** Which vendor's SDK and wire format the calls use (default anthropic). */
  vendor?: 'anthropic' | 'openai';
  /** The test starts real containers: close() removes them. */
  docker?: boolean;
}

export async function agentsFixture(opts: AgentsFixtureOptions = {}): Promise<AgentsFixture> {
  // The home, database, owner, projects, bus (every event kept) and files of the files domain's fixture.
  const base = filesFixture();
  const { home, paths, database, ownerId, projects, bus, events, files } = base;
  const consoleService = new ConsoleService(database.db, bus);
  const containers = new Containers(database.db, paths, { stopTimeoutSeconds: 1, ...opts.containers });
  // As boot wires them: run output into the console, exit codes judged, the workspace scanned after each run.
  const unbridge = bridgeEvents(containers.events, { bus, capture: consoleService.capture, log: { debug() {}, info() {}, warn() {}, error() {} } });
  const offExit = containers.events.on('run.finished', (r) => consoleService.errors.runExited(r.project_id, r.run_id, r.exit_code));
  const offSync = containers.events.on('run.finished', (r) => void files.afterRun(r.project_id, { author: 'container', runId: r.run_id }).catch(() => {}));
  const fake = await FakeLlm.start();
  const openai = opts.vendor === 'openai';
  const env =
    opts.configured === false ? {} : openai ? { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.openaiBaseUrl } : { ANTHROPIC_API_KEY: 'sk-test', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl };
  const llm = new LlmService({
    db: database.db,
    secret: loadOrCreateSecret(paths.secret),
    env,
    projects,
    backoff: { baseMs: 1, capMs: 5, retryAfterCapMs: 5 },
  });
  // No retries: a scripted error is seen once.
  if (opts.configured !== false)
    llm.update(openai ? { max_retries: 0, order: ['openai'], providers: { openai: { model: 'gpt-4.1-mini' } } } : { max_retries: 0, providers: { anthropic: { model: 'claude-haiku-4-5' } } });
  const service = (o: AgentOptions = {}) => new AgentService({ db: database.db, bus, llm, files, containers, console: consoleService }, { ...opts.agents, ...o });
  const made: string[] = [];
  let n = 0;
  return {
    home,
    paths,
    database,
    bus,
    projects,
    ownerId,
    files,
    console: consoleService,
    containers,
    llm,
    fake,
    agents: service(),
    events,
    service,
    project(name = `p${++n}`, settings = {}, template = 'blank') {
      const p = projects.create(ownerId, { name, template, settings });
      made.push(p.id);
      return p;
    },
    async close() {
      await fake.close();
      offSync();
      offExit();
      unbridge();
      await containers.close();
      consoleService.close();
      if (made.length && opts.docker) await removeTestResources(made).catch(() => {});
      base.close();
    },
  };
}
