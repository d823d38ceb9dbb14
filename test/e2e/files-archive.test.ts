/**
 * The built daemon in archive mode (ZEBLIT_WORKSPACE_MODE=archive, as a
 * remote DOCKER_HOST would choose): the project's container has no bind
 * mount, and the files API works both ways through archive copies, wired by
 * daemon/boot.ts (sync after each run, pushes after API changes, the whole
 * workspace after a restart).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dockerInspect, dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { ContainerStatus, ExecuteResult, FileContent, FileVersionList, Project } from '../../src/contracts/index.ts';
import { cleanup, dataOf, request, sock, startDaemon, stopDaemon, tempHome, waitFor, type DaemonProc } from './helpers.ts';

const reason = await dockerUnavailableReason();

describe('archive mode through the built daemon (real engine)', dockerSuite(reason), () => {
  const made: string[] = [];
  let d: DaemonProc;
  let p: Project;
  before(async () => {
    requireDocker(reason);
    d = await startDaemon(tempHome('archive'), { env: { ZEBLIT_WORKSPACE_MODE: 'archive' } });
    p = dataOf<Project>(await request(sock(d), { method: 'POST', path: '/api/v1/projects', json: { name: 'remote-like', template: 'blank' } }));
    made.push(p.id);
  });
  after(async () => {
    if (d) await stopDaemon(d);
    await cleanup();
    await removeTestResources(made);
  });

  const exec = async (command: string) =>
    dataOf<ExecuteResult>(await request(sock(d), { method: 'POST', path: `/api/v1/projects/${p.id}/container/execute`, json: { command }, timeoutMs: 60_000 }));
  const file = (path: string) => request<FileContent>(sock(d), { path: `/api/v1/projects/${p.id}/files/${encodeURIComponent(path)}` });

  it('an API write reaches the container, a change made there comes back with a version, deletes go both ways, a restart keeps it all', async () => {
    dataOf(await request(sock(d), { method: 'POST', path: `/api/v1/projects/${p.id}/files`, json: { path: 'src/hello.txt', content: 'from the API\n' } }));
    const first = await exec('cat /workspace/src/hello.txt');
    assert.equal(first.stdout, 'from the API\n');
    const s = dataOf<ContainerStatus>(await request(sock(d), { path: `/api/v1/projects/${p.id}/container/status` }));
    const mounts = (await dockerInspect(s.container_id ?? '')).Mounts;
    assert.equal(mounts.find((m) => m.Destination === '/workspace')?.Type, 'volume');
    assert.equal(mounts.some((m) => m.Type === 'bind'), false);

    assert.equal((await exec('echo made in the container > /workspace/made.txt')).exit_code, 0);
    // The sync after the run is deferred past the run's answer: wait for it.
    const back = await waitFor('the file made in the container', async () => {
      const r = await file('made.txt');
      return r.status === 200 ? r : undefined;
    }, 15_000, 100);
    assert.equal(dataOf<FileContent>(back).content, 'made in the container\n');
    const versions = dataOf<FileVersionList>(await request(sock(d), { path: `/api/v1/projects/${p.id}/files/made.txt/versions` }));
    assert.equal(versions.items[0]?.author, 'container');

    dataOf(await request(sock(d), { method: 'DELETE', path: `/api/v1/projects/${p.id}/files/src%2Fhello.txt` }));
    await waitFor('the delete in the container', async () => (await exec('[ -e /workspace/src/hello.txt ] && echo present || echo gone')).stdout === 'gone\n', 15_000, 100);
    assert.equal((await exec('rm /workspace/made.txt')).exit_code, 0);
    await waitFor('the delete made in the container', async () => (await file('made.txt')).status === 404, 15_000, 100);

    dataOf(await request(sock(d), { method: 'PUT', path: `/api/v1/projects/${p.id}/files/kept.txt`, json: { content: 'kept\n' } }));
    dataOf(await request(sock(d), { method: 'POST', path: `/api/v1/projects/${p.id}/container/restart`, timeoutMs: 60_000 }));
    assert.equal((await exec('cat /workspace/kept.txt')).stdout, 'kept\n');
  });
});
