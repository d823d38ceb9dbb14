/** The container routes over the real app (and, where it says so, the real engine). */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Containers, ownLabels, type ContainersOptions, type Endpoint } from '../../containers/index.ts';
import { dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../containers/testing.ts';
import { discoverEndpoint } from '../../containers/discovery.ts';
import type { ContainerStatus, EngineInfo, ImageStatus, ExecStreamRecord, ExecuteResult, Health, PageOf, Project, Run, RunStarted, RunSummary } from '../../contracts/index.ts';
import { createApp } from '../app.ts';
import { addUser, dataOf, errorOf, makeTestApp, ownerWithKey, type TestApp } from '../testing.ts';

const reason = await dockerUnavailableReason();

/** makeTestApp with a containers service of our choosing. */
function appWith(opts: ContainersOptions): TestApp & { containers: Containers; made: string[] } {
  const base = makeTestApp();
  const containers = new Containers(base.deps.database.db, base.deps.paths, { stopTimeoutSeconds: 1, killGraceMs: 300, ...opts });
  const deps = { ...base.deps, containers };
  const app = createApp(deps);
  const made: string[] = [];
  base.deps.projects.onDelete((p) => containers.onProjectDeleted(p));
  return {
    ...base,
    deps,
    app,
    containers,
    made,
    request(path, init = {}) {
      const { json, transport = 'tcp', token, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (!headers.has('host')) headers.set('host', '127.0.0.1:7823');
      if (token) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) {
        headers.set('content-type', 'application/json');
        rest.body = JSON.stringify(json);
      }
      return Promise.resolve(app.request(`http://127.0.0.1:7823${path}`, { ...rest, headers }, { transport }));
    },
    close() {
      void containers.close();
      base.close();
    },
  };
}

async function newProject(t: ReturnType<typeof appWith>, token: string, name: string, settings: Record<string, unknown> = {}): Promise<Project> {
  const p = await dataOf<Project>(await t.request('/api/v1/projects', { method: 'POST', token, json: { name, template: 'blank', settings } }), 201);
  t.made.push(p.id);
  return p;
}

describe('container routes: input checks and ownership (no engine needed)', () => {
  const t = appWith({ discover: () => ({ kind: 'unix', socketPath: '/nonexistent/docker.sock' }) });
  after(() => t.close());

  test("another user's project is 404 on every container route", async () => {
    const { key } = ownerWithKey(t);
    const mallory = addUser(t, 'mallory');
    const p = await newProject(t, key, 'private');
    const routes: [string, string, unknown?][] = [
      ['POST', `/api/v1/projects/${p.id}/container/start`],
      ['GET', `/api/v1/projects/${p.id}/container/status`],
      ['GET', `/api/v1/projects/${p.id}/container/logs`],
      ['POST', `/api/v1/projects/${p.id}/container/execute`, { command: 'id' }],
      ['GET', `/api/v1/projects/${p.id}/runs`],
      ['GET', `/api/v1/projects/${p.id}/runs/run_01m8eec9nw07gzczvg6zm4zs55`],
    ];
    for (const [method, path, json] of routes) await errorOf(await t.request(path, { method, token: mallory.key, json }), 404, 'NOT_FOUND');
  });

  test('cwd outside /workspace and a timeout above the maximum are 400', async () => {
    const { key } = ownerWithKey(t);
    const p = await newProject(t, key, 'inputs');
    const exec = (json: unknown) => t.request(`/api/v1/projects/${p.id}/container/execute`, { method: 'POST', token: key, json });
    for (const cwd of ['/etc', '../x', '/workspace/../etc', '/workspacex']) {
      const e = await errorOf(await exec({ command: 'pwd', cwd }), 400, 'VALIDATION_FAILED');
      assert.match(e.message, /cwd/);
    }
    const e = await errorOf(await exec({ command: 'true', timeout_seconds: 3601 }), 400, 'VALIDATION_FAILED');
    assert.match(e.message, /timeout_seconds/);
    await errorOf(await exec({ command: [] }), 400, 'VALIDATION_FAILED');
    await errorOf(await exec({ command: 'true', env: { 'BAD-NAME': 'x' } }), 400, 'VALIDATION_FAILED');
  });

  test('engine unavailable: 503 DOCKER_UNAVAILABLE with a suggestion; the rest of the API works; health says so', async () => {
    const { key } = ownerWithKey(t);
    const p = await newProject(t, key, 'no-engine');
    const e = await errorOf(await t.request(`/api/v1/projects/${p.id}/container/execute`, { method: 'POST', token: key, json: { command: 'true' } }), 503, 'DOCKER_UNAVAILABLE');
    assert.equal(e.suggestion, 'Start OrbStack or Docker, or set DOCKER_HOST');
    await errorOf(await t.request(`/api/v1/projects/${p.id}/container/status`, { token: key }), 503, 'DOCKER_UNAVAILABLE');
    await dataOf(await t.request('/api/v1/projects', { token: key }));
    const h = await dataOf<Health>(await t.request('/api/v1/health', { transport: 'unix' }));
    assert.equal(h.status, 'ok');
    assert.deepEqual({ reachable: h.engine.reachable, version: h.engine.version, endpoint: h.engine.endpoint }, { reachable: false, version: null, endpoint: 'unix:///nonexistent/docker.sock' });
    const anon = await dataOf<Health>(await t.request('/api/v1/health'));
    assert.equal(anon.engine.endpoint, undefined, 'anonymous TCP callers do not learn where the engine is');
    const info = await dataOf<EngineInfo>(await t.request('/api/v1/containers/engine', { token: key }));
    assert.deepEqual([info.reachable, info.limits, info.endpoint], [false, null, 'unix:///nonexistent/docker.sock']);
    assert.ok(info.error, 'says why');
    await errorOf(await t.request('/api/v1/containers/images?check=true', { token: key }), 503, 'DOCKER_UNAVAILABLE');
  });
});

describe('container routes on the real engine', dockerSuite(reason), () => {
  let endpoint: Endpoint = { kind: 'unix', socketPath: '/nonexistent/docker.sock' };
  let t: ReturnType<typeof appWith>;
  let key: string;
  let p: Project;
  before(async () => {
    requireDocker(reason);
    t = appWith({ discover: () => endpoint, engineRetryMs: 200 });
    key = ownerWithKey(t).key;
    p = await newProject(t, key, 'api');
  });
  after(async () => {
    await removeTestResources(t?.made ?? []);
    t?.close();
  });

  test('engine down then back: 503, then the same request works without a restart', async () => {
    const exec = () => t.request(`/api/v1/projects/${p.id}/container/execute`, { method: 'POST', token: key, json: { command: 'echo recovered' } });
    await errorOf(await exec(), 503, 'DOCKER_UNAVAILABLE');
    endpoint = discoverEndpoint();
    await new Promise((r) => setTimeout(r, 250));
    const r = await dataOf<ExecuteResult>(await exec());
    assert.equal(r.stdout, 'recovered\n');
    const h = await dataOf<Health>(await t.request('/api/v1/health', { token: key }));
    assert.equal(h.engine.reachable, true);
    assert.match(h.engine.version ?? '', /^\d+\.\d+/);
    assert.equal(h.engine.endpoint, `unix://${(endpoint as { socketPath: string }).socketPath}`);
    // What `zeblit doctor` reads: this engine enforces the limits Zeblit sets (see STACK-NOTES: cgroup limits work here).
    const info = await dataOf<EngineInfo>(await t.request('/api/v1/containers/engine', { token: key }));
    assert.equal(info.reachable, true);
    assert.deepEqual(info.limits, { memory: true, cpu: true, pids: true });
    assert.ok((info.cpus ?? 0) >= 1 && (info.memory_bytes ?? 0) > 0);
    assert.ok(Math.abs((info.system_time ?? 0) - Date.now()) < 60_000, "the engine's clock");
    // Templates not used yet are looked up (the local images are built on every test machine), nothing is pulled.
    const images = await dataOf<ImageStatus[]>(await t.request('/api/v1/containers/images?check=true', { token: key }));
    assert.equal(images.length, 3);
    for (const i of images) assert.ok(['present', 'local'].includes(i.state), JSON.stringify(i));
    await errorOf(await t.request('/api/v1/containers/images?check=maybe', { token: key }), 400, 'VALIDATION_FAILED');
  });

  test('start, status, stop, restart through the routes', async () => {
    const s = await dataOf<ContainerStatus>(await t.request(`/api/v1/projects/${p.id}/container/start`, { method: 'POST', token: key }));
    assert.equal(s.state, 'running');
    assert.equal((await dataOf<ContainerStatus>(await t.request(`/api/v1/projects/${p.name}/container/status`, { token: key }))).container_id, s.container_id);
    assert.equal((await dataOf<ContainerStatus>(await t.request(`/api/v1/projects/${p.id}/container/stop`, { method: 'POST', token: key }))).state, 'stopped');
    assert.equal((await dataOf<ContainerStatus>(await t.request(`/api/v1/projects/${p.id}/container/restart`, { method: 'POST', token: key }))).state, 'running');
    assert.ok(ownLabels(t.deps.paths.home)['zeblit.home']);
  });

  test('NDJSON streaming: start, output in order, then the exit record', async () => {
    const res = await t.request(`/api/v1/projects/${p.id}/container/execute`, {
      method: 'POST',
      token: key,
      headers: { accept: 'application/x-ndjson' },
      json: { command: 'echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three; exit 4' },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
    const records = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as ExecStreamRecord);
    assert.deepEqual(
      records.map((r) => (r.type === 'stdout' || r.type === 'stderr' ? `${r.type}:${r.data.trim()}` : r.type)),
      ['start', 'stdout:one', 'stderr:two', 'stdout:three', 'exit'],
    );
    const last = records.at(-1);
    assert.ok(last?.type === 'exit' && last.result.exit_code === 4);
    assert.equal(res.headers.get('x-run-id'), records[0]?.type === 'start' ? records[0].run_id : '');
  });

  test('SSE streaming', async () => {
    const res = await t.request(`/api/v1/projects/${p.id}/container/execute`, { method: 'POST', token: key, headers: { accept: 'text/event-stream' }, json: { command: 'echo sse' } });
    const text = await res.text();
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    assert.match(text, /^event: start\ndata: \{.*\}\n\nevent: stdout\ndata: \{"type":"stdout","data":"sse\\n"\}\n\nevent: exit\ndata: \{.*"exit_code":0/s);
  });

  test('detach (202), follow with GET /runs/{id}, list, kill', async () => {
    const started = await dataOf<RunStarted>(await t.request(`/api/v1/projects/${p.id}/container/execute`, { method: 'POST', token: key, json: { command: 'echo working; sleep 313', detach: true } }), 202);
    assert.equal(started.status, 'running');
    await new Promise((r) => setTimeout(r, 400));
    const running = await dataOf<Run>(await t.request(`/api/v1/projects/${p.id}/runs/${started.run_id}`, { token: key }));
    assert.equal(running.status, 'running');
    assert.equal(running.stdout, 'working\n');
    const killed = await dataOf<Run>(await t.request(`/api/v1/projects/${p.id}/runs/${started.run_id}/kill?signal=KILL`, { method: 'POST', token: key }));
    assert.equal(killed.status, 'killed');
    assert.equal(killed.exit_code, 137);
    const page = await dataOf<PageOf<RunSummary>>(await t.request(`/api/v1/projects/${p.id}/runs?limit=5`, { token: key }));
    assert.equal(page.items[0]?.id, started.run_id);
    assert.equal(page.items[0]?.client_type, 'cli');
    await errorOf(await t.request(`/api/v1/projects/${p.id}/runs/run_01m8eec9nw07gzczvg6zm4zs55`, { token: key }), 404, 'NOT_FOUND');
  });

  test('a cwd that does not exist is 400', async () => {
    const e = await errorOf(await t.request(`/api/v1/projects/${p.id}/container/execute`, { method: 'POST', token: key, json: { command: 'pwd', cwd: 'nope' } }), 400, 'BAD_REQUEST');
    assert.match(e.message, /\/workspace\/nope/);
  });

  test('logs of the container', async () => {
    const logs = await dataOf<{ lines: unknown[] }>(await t.request(`/api/v1/projects/${p.id}/container/logs?tail=10`, { token: key }));
    assert.ok(Array.isArray(logs.lines));
  });
});
