/**
 * Reconciliation on the real engine, as after a daemon that died without
 * cleaning up: a new service over the same database adopts, removes and corrects.
 * (test/e2e/containers.test.ts does the same with kill -9 of the built daemon.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ExecuteRequest } from '../contracts/index.ts';
import { LABEL_HOME, ownLabels } from './profile.ts';
import { TEST_IMAGE, containerTestEnv, dockerCli, dockerSuite, dockerUnavailableReason, requireDocker, type ContainerTestEnv } from './testing.ts';

const reason = await dockerUnavailableReason();
const labelled = async (projectId: string) => (await dockerCli('ps', '-aq', '--filter', `label=zeblit.project=${projectId}`)).split('\n').filter(Boolean);

describe('reconciliation at start (real engine)', dockerSuite(reason), () => {
  let env: ContainerTestEnv;
  before(() => {
    requireDocker(reason);
    env = containerTestEnv();
  });
  after(() => env?.close());

  test('adopts running containers (no duplicate), removes those of deleted projects, corrects stale states, marks lost runs', async () => {
    const first = env.containers;
    const kept = env.project('kept');
    const gone = env.project('gone');
    const stale = env.project('stale');
    const keptStatus = await first.start(kept);
    const goneStatus = await first.start(gone);
    const staleStatus = await first.start(stale);
    const detached = await first.run({ userId: null, keyId: null, clientType: null }, kept, ExecuteRequest.parse({ command: 'sleep 313', detach: true }));
    // While "the daemon is down": a project row vanishes, a container is removed by hand, a stray duplicate appears.
    env.database.sqlite.prepare('DELETE FROM projects WHERE id = ?').run(gone.id);
    await dockerCli('rm', '-f', staleStatus.container_id ?? '');
    const home = ownLabels(env.paths.home)[LABEL_HOME] ?? '';
    const stray = (await dockerCli('create', '--label', 'zeblit.managed=true', '--label', `${LABEL_HOME}=${home}`, '--label', `zeblit.project=${kept.id}`, TEST_IMAGE, 'true')).trim();
    // Another home's container on the same engine is none of this home's business.
    const foreign = (await dockerCli('create', '--label', 'zeblit.managed=true', '--label', `${LABEL_HOME}=0000000000000000`, '--label', 'zeblit.project=prj_foreign', TEST_IMAGE, 'true')).trim();

    const second = env.service();
    const report = await second.reconcile();
    assert.deepEqual(report.adopted, [kept.id]);
    assert.deepEqual(report.removed, [gone.id]);
    assert.deepEqual(report.duplicates, [stray]);
    assert.ok(report.corrected.includes(stale.id));
    assert.equal(report.lost_runs, 1);
    assert.equal((await dockerCli('inspect', '-f', '{{.Id}}', foreign)).trim(), foreign, 'a foreign home\'s container is left alone');
    await dockerCli('rm', '-f', foreign);

    assert.deepEqual(await labelled(kept.id), [keptStatus.container_id?.slice(0, 12)]);
    assert.deepEqual(await labelled(gone.id), []);
    await assert.rejects(dockerCli('network', 'inspect', `zeblit-net-${gone.id}`));
    await assert.rejects(dockerCli('volume', 'inspect', `zeblit-home-${gone.id}`));
    assert.equal(goneStatus.state, 'running');

    const adopted = await second.status(kept);
    assert.equal(adopted.state, 'running');
    assert.equal(adopted.container_id, keptStatus.container_id);
    const r = await second.run({ userId: null, keyId: null, clientType: null }, kept, ExecuteRequest.parse({ command: 'echo adopted' }));
    assert.equal((await r.finished).stdout, 'adopted\n');
    assert.equal((await second.status(kept)).channel, 'runner');
    assert.deepEqual(await labelled(kept.id), [keptStatus.container_id?.slice(0, 12)], 'still one container');

    assert.equal((await second.status(stale)).state, 'absent');
    assert.equal(second.getRun(kept, detached.id).status, 'lost');
    await first.close();
  });
});
