/**
 * Users of one daemon see nothing of each other: every route that lists or
 * sums activity across projects (agent status, image pulls, usage and
 * budgets, health details, WebSocket stats) shows a non-admin only their own
 * projects, and an admin (with a credential carrying the admin scope)
 * everything. Routes about one project answer 404 for someone else's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../containers/testing.ts';
import { Containers } from '../../containers/index.ts';
import type { AgentStatus, ChatResponse, Health, ImageStatus, Project, UsageReport } from '../../contracts/index.ts';
import { FakeLlm } from '../../llm/testing/fake-llm.ts';
import { createApp } from '../app.ts';
import { Hub } from '../ws/hub.ts';
import type { SocketLike } from '../ws/connection.ts';
import { addKey, addUser, dataOf, errorOf, makeTestApp, ownerWithKey, type TestApp, type TestUser } from '../testing.ts';

/** Enough of a socket for the hub to count a connection. */
const socket = (): SocketLike => ({ bufferedAmount: 0, readyState: 1, send: () => undefined, close: () => undefined });

interface People {
  owner: TestUser;
  bob: TestUser;
  /** An admin with an admin key, and the same admin with a read/write key. */
  ada: TestUser;
  adaPlain: string;
}

function people(t: TestApp): People {
  const ada = addUser(t, 'ada', { role: 'admin', scopes: ['read', 'write', 'admin'] });
  return { owner: ownerWithKey(t), bob: addUser(t, 'bob'), ada, adaPlain: addKey(t, ada.user.id, { scopes: ['read', 'write'] }).key };
}

describe('isolation between the users of one daemon', () => {
  let t: TestApp;
  let u: People;
  let fake: FakeLlm;
  let hub: Hub;
  let app: ReturnType<typeof createApp>;
  let secret: Project;
  let bobs: Project;
  const get = async <T>(path: string, token: string): Promise<T> =>
    dataOf<T>(await app.request(`http://127.0.0.1:7823/api/v1${path}`, { headers: { host: '127.0.0.1:7823', authorization: `Bearer ${token}` } }, { transport: 'tcp' }));

  before(async () => {
    fake = await FakeLlm.start();
    t = makeTestApp();
    u = people(t);
    hub = new Hub(t.deps.bus, { heartbeatMs: 0 });
    app = createApp({ ...t.deps, hub });
    secret = t.deps.projects.create(u.owner.user.id, { name: 'secret-plans' });
    bobs = t.deps.projects.create(u.bob.user.id, { name: 'bobs' });
    t.deps.llm.update({ max_retries: 0, providers: { anthropic: { api_key: 'sk-test', base_url: fake.anthropicBaseUrl, model: 'claude-haiku-4-5' } } });
  });
  after(async () => {
    hub.close();
    t.close();
    await fake.close();
  });

  it("GET /agents/status: a turn in the owner's project, and its calls, are not shown to another user; admins see them", async () => {
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    fake.script([() => held.then(() => ({ text: 'done' }))]);
    const turn = t.request(`/api/v1/projects/${secret.id}/chat`, { method: 'POST', token: u.owner.key, json: { message: 'plan the launch' } });
    await fake.waitForRequests(1);
    try {
      const busy = (rows: AgentStatus[]) => rows.filter((s) => s.status !== 'idle');
      const forOwner = busy(await get<AgentStatus[]>('/agents/status', u.owner.key));
      assert.equal(forOwner.length, 1);
      assert.equal(forOwner[0]?.project_id, secret.id);
      assert.deepEqual(busy(await get<AgentStatus[]>('/agents/status', u.ada.key)), forOwner, 'an admin sees every project');
      for (const token of [u.bob.key, u.adaPlain]) {
        const rows = await get<AgentStatus[]>('/agents/status', token);
        assert.equal(rows.length, 7);
        assert.deepEqual(busy(rows), [], 'nothing is shown as working');
        assert.ok(rows.every((s) => s.project_id === null && s.conversation_id === null));
      }
    } finally {
      release();
    }
    const done = await dataOf<ChatResponse>(await turn);
    assert.equal(done.status, 'completed');
    // Bob's own turn: his calls are his to see; the owner's are not.
    await dataOf<ChatResponse>(await t.request(`/api/v1/projects/${bobs.id}/chat`, { method: 'POST', token: u.bob.key, json: { message: 'hi' } }));
    const calls = async (token: string) => (await get<AgentStatus[]>('/agents/status', token)).reduce((n, s) => n + s.calls_today, 0);
    assert.equal(await calls(u.bob.key), 1);
    assert.equal(await calls(u.owner.key), 2);
    assert.equal(await calls(u.ada.key), 2);
    assert.equal(await calls(u.adaPlain), 0, "an admin's key without the admin scope sees what any user sees");
  });

  it('GET /usage: the global budget (everyone’s spending) shows to a non-admin only when it has a cap', async () => {
    const globals = async (token: string) => (await get<UsageReport>('/usage', token)).budgets.filter((b) => b.scope === 'global');
    assert.equal((await globals(u.owner.key)).length, 1);
    assert.deepEqual(await globals(u.bob.key), []);
    const bobsUsage = await get<UsageReport>('/usage?group_by=project', u.bob.key);
    assert.deepEqual(bobsUsage.groups.map((g) => g.key), [bobs.id]);
    t.deps.llm.update({ budgets: { global_monthly_usd: 100 } });
    const capped = await globals(u.bob.key);
    assert.deepEqual(capped.map((b) => b.limit_usd), [100], 'a cap that can refuse his calls is his to know');
  });

  it('GET /health: pid, home and the engine address only for the socket and admins', async () => {
    const his = await get<Health>('/health', u.bob.key);
    assert.deepEqual([his.pid, his.home, his.engine.endpoint], [undefined, undefined, undefined]);
    for (const token of [u.owner.key, u.ada.key]) {
      const full = await get<Health>('/health', token);
      assert.equal(full.home, t.deps.paths.home);
      assert.equal(full.pid, process.pid);
    }
  });

  it("GET /ws/stats: a non-admin counts only their own connections; an admin everyone's", async () => {
    hub.connect('ws_owner1', 'cli', u.owner.user.id, socket());
    hub.connect('ws_owner2', 'editor', u.owner.user.id, socket());
    hub.connect('ws_bob', 'cli', u.bob.user.id, socket());
    await hub.subscribe('ws_owner1', secret.id, ['files']);
    const mine = await get<{ connections: number; by_client_type: Record<string, number>; subscriptions: number }>('/ws/stats', u.bob.key);
    assert.deepEqual([mine.connections, mine.by_client_type, mine.subscriptions], [1, { cli: 1 }, 0]);
    const all = await get<{ connections: number; subscriptions: number }>('/ws/stats', u.ada.key);
    assert.deepEqual([all.connections, all.subscriptions], [3, 1]);
  });

  it("routes about one project answer 404 for someone else's", async () => {
    for (const path of ['', '/runs', '/console/history', '/console/errors', '/chat/history', '/chat/approvals', '/files', '/files/tree', '/container/status'])
      await errorOf(await t.request(`/api/v1/projects/${secret.id}${path}`, { token: u.bob.key }), 404, 'NOT_FOUND');
    await errorOf(await t.request(`/api/v1/usage?project=${secret.id}`, { token: u.bob.key }), 404, 'NOT_FOUND');
  });
});

const reason = await dockerUnavailableReason();

describe('GET /containers/images: who pulled, and why it failed, is the pulling project owner’s (real engine)', dockerSuite(reason), () => {
  let t: TestApp;
  let u: People;
  let app: ReturnType<typeof createApp>;
  let secret: Project;
  const get = async (token: string) =>
    dataOf<ImageStatus[]>(await app.request('http://127.0.0.1:7823/api/v1/containers/images', { headers: { host: '127.0.0.1:7823', authorization: `Bearer ${token}` } }, { transport: 'tcp' }));

  before(async () => {
    requireDocker(reason);
    t = makeTestApp();
    u = people(t);
    // An image nobody can pull (nothing listens on port 1): the pull fails at once, the local image is used instead.
    const containers = new Containers(t.deps.database.db, t.deps.paths, { images: { blank: '127.0.0.1:1/zeblit-nowhere:1' } });
    app = createApp({ ...t.deps, containers });
    secret = t.deps.projects.create(u.owner.user.id, { name: 'secret-plans' });
    await containers.images.resolve(await containers.gate.get(), 'blank', secret.id);
  });
  after(async () => {
    await removeTestResources([secret.id]);
    t.close();
  });

  it("the owner and an admin see the failed pull of the owner's project; another user sees the image, not the pull", async () => {
    for (const token of [u.owner.key, u.ada.key]) {
      const blank = (await get(token)).find((s) => s.template === 'blank');
      assert.equal(blank?.last?.project_id, secret.id);
      assert.match(blank?.last?.message ?? '', /cannot be pulled/);
    }
    for (const token of [u.bob.key, u.adaPlain]) {
      const rows = await get(token);
      const blank = rows.find((s) => s.template === 'blank');
      assert.equal(blank?.state, 'local', 'which image is used is everyone’s to know');
      assert.equal(blank?.last, null);
      assert.ok(!JSON.stringify(rows).includes(secret.id));
    }
  });
});
