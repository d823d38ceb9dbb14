/**
 * The setup of suites that work in one project of the built daemon on the
 * real engine: a daemon in a fresh home with the project, removed with its
 * containers, network and volumes after the suite; for the CLI's suites the
 * project is the CLI's current one, for the agents' suites the fake LLM is
 * the daemon's Anthropic provider. Beside helpers.ts rather than in it: the
 * engine's test helpers load the domains, which every other e2e file and the
 * benchmarks that import helpers.ts do not need.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { Project } from '../../src/contracts/index.ts';
import { FakeLlm } from '../../src/llm/testing/fake-llm.ts';
import { cleanup, dataOf, request, runCli, sock, startDaemon, stopDaemon, tempHome, type CliResult, type DaemonProc } from './helpers.ts';

/** The suite's daemon and project: set by the `before` hook that useCliProject() or useAgentProject() registers. */
export class ProjectDaemon {
  home!: string;
  daemon!: DaemonProc;
  project!: Project;
  /** The built CLI in the suite's home (2 minutes at most). */
  readonly zeblit = (...args: string[]): Promise<CliResult> => runCli(this.home, args, { timeoutMs: 120_000 });
}

/** With the fake LLM the daemon's Anthropic provider. */
export class AgentProjectDaemon extends ProjectDaemon {
  fake!: FakeLlm;
  /** The environment of the daemon, and of a CLI that may start one: the fake as the one provider. */
  readonly env = () => ({ ANTHROPIC_API_KEY: 'sk-e2e-fake', ANTHROPIC_BASE_URL: this.fake.anthropicBaseUrl, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
}

/**
 * Registers in the calling describe a `before` that starts a daemon in a
 * fresh home (`tag`), creates the project `name` (template blank) and makes
 * it the CLI's current project, and an `after` that stops the daemon and
 * removes the home and the project's engine resources. The fields are set
 * once `before` ran: read them inside a test.
 */
export function useCliProject(dockerReason: string | null, tag: string, name: string): ProjectDaemon {
  const s = new ProjectDaemon();
  before(async () => {
    requireDocker(dockerReason);
    await start(s, tag, name, 'blank');
    assert.equal((await s.zeblit('use', name)).code, 0);
  });
  after(() => stop(s));
  return s;
}

/**
 * As useCliProject(), for the agents: the fake LLM (started first, closed
 * last) is the daemon's provider, with no retries; the project `name` is
 * made from `template` and is not made current.
 */
export function useAgentProject(dockerReason: string | null, tag: string, name: string, template: Project['template']): AgentProjectDaemon {
  const s = new AgentProjectDaemon();
  before(async () => {
    requireDocker(dockerReason);
    s.fake = await FakeLlm.start();
    await start(s, tag, name, template, s.env());
  });
  after(async () => {
    await stop(s);
    await s.fake?.close();
  });
  return s;
}

async function start(s: ProjectDaemon, tag: string, name: string, template: Project['template'], env?: Record<string, string>): Promise<void> {
  s.home = tempHome(tag);
  s.daemon = await startDaemon(s.home, { env });
  if (env) dataOf(await request(sock(s.daemon), { method: 'PUT', path: '/api/v1/config/llm', json: { max_retries: 0, providers: { anthropic: { model: 'claude-haiku-4-5' } } } }));
  s.project = dataOf<Project>(await request(sock(s.daemon), { method: 'POST', path: '/api/v1/projects', json: { name, template } }));
}

async function stop(s: ProjectDaemon): Promise<void> {
  if (s.daemon) await stopDaemon(s.daemon);
  await cleanup();
  if (s.project) await removeTestResources([s.project.id]);
}
