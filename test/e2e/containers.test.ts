/**
 * The built daemon with the real engine: a project container survives a
 * kill -9 of the daemon and is adopted by the next one (no duplicate, and
 * the dead daemon's runner is gone), and deleting the project removes it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dockerCli, dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { ContainerStatus, ExecuteResult, Project } from '../../src/contracts/index.ts';
import { cleanup, dataOf, request, sock, startDaemon, stopDaemon, tempHome, waitFor, type DaemonProc } from './helpers.ts';

const reason = await dockerUnavailableReason();
/** Runner processes in the container: `perl -e …` started by docker exec (parent outside the container's pid namespace). */
const COUNT_RUNNERS = `n=0; for d in /proc/[0-9]*; do c=$(tr '\\000' ' ' < $d/cmdline 2>/dev/null | head -c 7); pp=$(cut -d' ' -f4 $d/stat 2>/dev/null); [ "$c" = "perl -e" ] && [ "$pp" = 0 ] && n=$((n+1)); done; echo $n`;

describe('containers across a daemon kill -9 (built daemon, real engine)', dockerSuite(reason), () => {
  const made: string[] = [];
  before(() => requireDocker(reason));
  after(async () => {
    await cleanup();
    await removeTestResources(made);
  });

  const exec = async (d: DaemonProc, p: Project, command: string) =>
    dataOf<ExecuteResult>(await request(sock(d), { method: 'POST', path: `/api/v1/projects/${p.id}/container/execute`, json: { command }, timeoutMs: 60_000 }));
  const status = async (d: DaemonProc, p: Project) => dataOf<ContainerStatus>(await request(sock(d), { path: `/api/v1/projects/${p.id}/container/status`, timeoutMs: 30_000 }));

  it('adopts the running container after kill -9, creates no duplicate, and removes it with the project', async () => {
    const home = tempHome('ctr');
    const first = await startDaemon(home);
    const p = dataOf<Project>(await request(sock(first), { method: 'POST', path: '/api/v1/projects', json: { name: 'survivor', template: 'blank' } }));
    made.push(p.id);
    assert.equal((await exec(first, p, 'echo one > /workspace/mark; echo one')).stdout, 'one\n');
    const before = await status(first, p);
    assert.equal(before.state, 'running');
    assert.equal(before.channel, 'runner');

    await stopDaemon(first, 'SIGKILL');
    const second = await startDaemon(home);
    // Reconciliation runs in the background after readiness: the container is adopted, not recreated.
    const adopted = await waitFor('the adopted container', async () => {
      const s = await status(second, p);
      return s.state === 'running' && s.container_id === before.container_id ? s : undefined;
    }, 30_000, 200);
    assert.equal(adopted.container_id, before.container_id);
    const r = await exec(second, p, 'cat /workspace/mark; echo two');
    assert.equal(r.stdout, 'one\ntwo\n');
    const ids = (await dockerCli('ps', '-aq', '--no-trunc', '--filter', `label=zeblit.project=${p.id}`)).split('\n').filter(Boolean);
    assert.deepEqual(ids, [before.container_id], 'exactly one container for the project');
    // The dead daemon's runner went with its connection: one runner left, the new daemon's.
    await waitFor('one runner in the container', async () => (await exec(second, p, COUNT_RUNNERS)).stdout.trim() === '1', 15_000, 200);

    dataOf(await request(sock(second), { method: 'DELETE', path: `/api/v1/projects/${p.id}`, timeoutMs: 30_000 }));
    assert.deepEqual((await dockerCli('ps', '-aq', '--filter', `label=zeblit.project=${p.id}`)).trim(), '');
    await stopDaemon(second);
  });
});
