/**
 * The container's own output (its main process: what PID 1 writes) reaches
 * the console with source "container", next to the runs' output.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dockerSuite, dockerUnavailableReason, requireDocker } from '../../src/containers/testing.ts';
import type { ConsoleHistory, Project } from '../../src/contracts/index.ts';
import { cleanup, dataOf, request, sock, startDaemon, tempHome, waitFor, type DaemonProc } from './helpers.ts';
import { DAEMON_SCRIPT, createProject, deleteProjects, execIn } from './realtime-kit.ts';

const reason = await dockerUnavailableReason(['zeblit/blank:local']);

describe('console: the container main process output (built daemon, real engine)', dockerSuite(reason), () => {
  let d: DaemonProc | undefined;
  const projects: Project[] = [];

  before(async () => {
    requireDocker(reason);
    d = await startDaemon(tempHome('main-out'), { script: DAEMON_SCRIPT });
  });
  after(async () => {
    await deleteProjects(d, projects);
    await cleanup();
  });

  it('stores what PID 1 prints as console lines with source "container", stdout and stderr apart', async () => {
    const daemon = d as DaemonProc;
    const p = await createProject(daemon, 'main-out', 'blank');
    projects.push(p);
    // Write through PID 1's own descriptors: that is the container's log stream, not the run's.
    const r = await execIn(daemon, p, 'echo main-says-hello > /proc/1/fd/1; echo main-complains > /proc/1/fd/2; echo from-the-run');
    assert.equal(r.exit_code, 0);
    assert.equal(r.stdout, 'from-the-run\n');
    const lines = await waitFor('the main process lines in the history', async () => {
      const h = dataOf(await request<ConsoleHistory>(sock(daemon), { path: `/api/v1/projects/${p.id}/console/history?source=container` }));
      return h.items.length >= 2 ? h.items : undefined;
    });
    // Two streams: their relative order is Docker's to decide, so compare as a set.
    assert.deepEqual(
      lines.map((l) => [l.source, l.stream, l.text, l.run_id]).sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
      [
        ['container', 'stderr', 'main-complains', null],
        ['container', 'stdout', 'main-says-hello', null],
      ],
    );
  });
});
