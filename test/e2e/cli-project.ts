/**
 * The setup of suites that drive the built CLI against the built daemon and
 * the real engine in one project (cli-containers, scheduler). Beside
 * helpers.ts rather than in it: the engine's test helpers load the domains,
 * which every other e2e file and the benchmarks that import helpers.ts do
 * not need.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { Project } from '../../src/contracts/index.ts';
import { cleanup, dataOf, request, runCli, sock, startDaemon, stopDaemon, tempHome, type CliResult, type DaemonProc } from './helpers.ts';

/** The suite's daemon and project: set by the `before` hook of useCliProject(). */
export class CliProject {
  home!: string;
  daemon!: DaemonProc;
  project!: Project;
  /** The built CLI in the suite's home (2 minutes at most). */
  readonly zeblit = (...args: string[]): Promise<CliResult> => runCli(this.home, args, { timeoutMs: 120_000 });
}

/**
 * Registers in the calling describe a `before` that starts a daemon in a
 * fresh home (`tag`), creates the project `name` (template blank) and makes
 * it the CLI's current project, and an `after` that stops the daemon and
 * removes the home and the project's containers, network and volumes. The
 * fields are set once `before` ran: read them inside a test.
 */
export function useCliProject(dockerReason: string | null, tag: string, name: string): CliProject {
  const s = new CliProject();
  before(async () => {
    requireDocker(dockerReason);
    s.home = tempHome(tag);
    s.daemon = await startDaemon(s.home);
    s.project = dataOf<Project>(await request(sock(s.daemon), { method: 'POST', path: '/api/v1/projects', json: { name, template: 'blank' } }));
    assert.equal((await s.zeblit('use', name)).code, 0);
  });
  after(async () => {
    if (s.daemon) await stopDaemon(s.daemon);
    await cleanup();
    if (s.project) await removeTestResources([s.project.id]);
  });
  return s;
}
