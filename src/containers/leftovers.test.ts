/**
 * After a daemon died, what its runs left in a container is killed by tag:
 * with one `docker exec` per command (an image without perl) nothing else
 * would stop them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExecuteRequest, type Project } from '../contracts/index.ts';
import { NO_PERL_IMAGE, containerTestEnv, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from './testing.ts';

const reason = await dockerUnavailableReason([NO_PERL_IMAGE]);

describe('Containers.killLeftovers (docker exec channel)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  let p: Project;
  before(() => {
    requireDocker(reason);
    env = containerTestEnv({ images: { blank: NO_PERL_IMAGE }, killGraceMs: 500 });
    p = env.project('leftovers');
  });
  after(() => env?.close());

  const count = async (svc: ContainerTestEnv['containers'], pattern: string) => {
    const r = await svc.run({ userId: env.owner.id, keyId: null, clientType: null }, p, ExecuteRequest.parse({ command: `for d in /proc/[0-9]*; do tr '\\0' ' ' < $d/cmdline 2>/dev/null; echo; done | grep -c '${pattern}' || true` }));
    return Number((await r.finished).stdout.trim());
  };

  test('a run of a dead daemon is killed in the container by its run id; others are left alone', async () => {
    const doomed = await env.containers.run({ userId: env.owner.id, keyId: null, clientType: null }, p, ExecuteRequest.parse({ command: 'sleep 271', detach: true }));
    const bystander = await env.containers.run({ userId: env.owner.id, keyId: null, clientType: null }, p, ExecuteRequest.parse({ command: 'sleep 272', detach: true }));
    // The next daemon: a new service over the same database that adopts the running container.
    const next = env.service({ images: { blank: NO_PERL_IMAGE } });
    await next.reconcile();
    assert.equal(await count(next, '^sleep 27[1]'), 1, 'still running after its daemon went');
    assert.equal(await next.killLeftovers(p.id, [doomed.id]), 1);
    assert.equal(await count(next, '^sleep 27[1]'), 0);
    assert.equal(await count(next, '^sleep 27[2]'), 1, 'another run is not touched');
    await env.containers.killRun(p, bystander.id, 'KILL');
    assert.equal(await next.killLeftovers('prj_00000000000000000000000000', [doomed.id]), 0, 'no such project: nothing to do');
  });
});
