import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { AuditEntry, BulkResult, PageOf, Project, ScheduleValidation, ScheduledTask, ScheduledTaskDetail, TaskRun, TaskRunSummary, TaskStats } from '../../contracts/index.ts';
import { FakeClock, FakeContainers, settle } from '../../scheduler/testing.ts';
import { addKey, addUser, dataOf, errorOf, makeTestApp } from '../testing.ts';

const unix = { transport: 'unix' as const };
const START = Date.UTC(2030, 0, 1, 8, 0, 0); // a Tuesday

describe('/scheduled-tasks', () => {
  const clock = new FakeClock(START);
  const containers = new FakeContainers(clock, { exit_code: 0, stdout: 'done\n' });
  const t = makeTestApp({}, clock.now, { scheduler: { clock, containers } });
  after(() => t.close());
  t.deps.scheduler.start();
  const amy = addUser(t, 'amy');
  const bo = addUser(t, 'bo');
  const project = (key: string, name: string) => t.request('/api/v1/projects', { method: 'POST', token: key, json: { name, template: 'blank' } }).then((r) => dataOf<Project>(r, 201));
  const post = (key: string, path: string, json?: unknown) => t.request(`/api/v1/scheduled-tasks${path}`, { method: 'POST', token: key, ...(json === undefined ? {} : { json }) });
  const get = (key: string, path: string) => t.request(`/api/v1/scheduled-tasks${path}`, { token: key });
  let web: Project;
  let api: Project;
  let backup: ScheduledTask;

  test('POST creates a command task: 201, defaults, next run, English description, audited', async () => {
    web = await project(amy.key, 'web');
    api = await project(amy.key, 'api');
    backup = await dataOf<ScheduledTask>(await post(amy.key, '', { project_id: 'web', name: 'backup', command: 'tar czf /tmp/b.tgz .', schedule: '0 9 * * 1-5', timezone: 'Europe/Berlin' }), 201);
    assert.match(backup.id, /^tsk_[0-9a-z]{26}$/);
    assert.equal(backup.project_id, web.id);
    assert.equal(backup.kind, 'command');
    assert.equal(backup.schedule_description, 'At 09:00, Monday through Friday');
    assert.equal(backup.next_run_at, Date.UTC(2030, 0, 1, 8, 0, 0) + 86_400_000, 'Wednesday 09:00 Berlin (Tuesday 09:00 is now)');
    assert.deepEqual(
      [backup.timeout_seconds, backup.max_retries, backup.concurrency, backup.catch_up, backup.notify_on, backup.enabled, backup.working_directory, backup.created_by],
      [300, 0, 'skip', 'once', 'failure', true, '/workspace', amy.user.id],
    );
    const audit = (await dataOf<PageOf<AuditEntry>>(await t.request('/api/v1/audit?limit=500', unix))).items;
    assert.ok(audit.some((e) => e.action === 'POST /api/v1/scheduled-tasks' && e.resource === backup.id && e.user_id === amy.user.id));
  });

  test('an agent task; the time zone defaults to the daemon’s', async () => {
    const task = await dataOf<ScheduledTask>(await post(amy.key, '', { project_id: web.id, name: 'deps', agent: 'engineer', prompt: 'Update the dependencies and run the tests', schedule: '@daily' }), 201);
    assert.equal(task.kind, 'agent');
    assert.equal(task.agent, 'engineer');
    assert.equal(task.command, null);
    assert.equal(task.timezone, 'UTC');
  });

  test('bad input: 400 with the field, where in the schedule, and a suggestion; nothing created', async () => {
    const before = (await dataOf<PageOf<ScheduledTask>>(await get(amy.key, ''))).total;
    const bad = async (json: Record<string, unknown>, field: RegExp) => {
      const e = await errorOf(await post(amy.key, '', { project_id: 'web', name: 'x', command: 'true', schedule: '* * * * *', ...json }), 400, 'VALIDATION_FAILED');
      assert.match(JSON.stringify(e.details), field, JSON.stringify(e));
      return e;
    };
    const hour = await bad({ schedule: '0 24 * * *' }, /"field":"schedule".*"part":"hour","position":1/);
    assert.match(hour.suggestion ?? '', /zeblit schedule validate/);
    await bad({ schedule: '0 0 30 2 *' }, /never fires/);
    await bad({ schedule: '0 0 9 * * * 2031' }, /has 7/);
    await bad({ schedule: '' }, /schedule/);
    await bad({ timezone: 'Nowhere/Town' }, /"field":"timezone"/);
    await bad({ timeout_seconds: 86_401 }, /timeout_seconds/);
    await bad({ max_retries: 11 }, /max_retries/);
    await bad({ concurrency: 'sometimes' }, /concurrency/);
    await bad({ command: undefined }, /a command task needs a command/);
    await bad({ agent: 'engineer', prompt: 'hi' }, /an agent task has no command/);
    await bad({ kind: 'command', prompt: 'hi' }, /a command task has no agent or prompt/);
    await bad({ name: 'stats' }, /reserved/);
    await bad({ name: 'tsk_abc' }, /tsk_/);
    await bad({ working_directory: '/etc' }, /working_directory/);
    const scheme = await bad({ webhook_url: 'ftp://example.com/hook' }, /"field":"webhook_url".*must be http or https/);
    assert.match(scheme.suggestion ?? '', /http:\/\/ or https:\/\//);
    for (const self of ['http://127.0.0.1:7823/api/v1/projects', 'http://localhost:7823/x', 'http://[::1]:7823/', 'http://0.0.0.0:7823/', 'http://127.1:7823/', 'http://2130706433:7823/', 'http://[::ffff:127.0.0.1]:7823/'])
      await bad({ webhook_url: self }, /points at zeblitd itself/);
    await bad({ webhook_url: 'not a url' }, /not a URL/);
    assert.equal((await dataOf<PageOf<ScheduledTask>>(await get(amy.key, ''))).total, before);
    // Another port on loopback is someone else's service: fine.
    await dataOf<ScheduledTask>(await post(amy.key, '', { project_id: 'web', name: 'hooked', command: 'true', schedule: '@hourly', webhook_url: 'http://127.0.0.1:9/hook' }), 201);
  });

  test('names are unique per project; other users’ projects are not found', async () => {
    const e = await errorOf(await post(amy.key, '', { project_id: 'web', name: 'backup', command: 'true', schedule: '@hourly' }), 409, 'CONFLICT');
    assert.match(e.message, /already has a task named "backup"/);
    await dataOf<ScheduledTask>(await post(amy.key, '', { project_id: 'api', name: 'backup', command: 'true', schedule: '@hourly' }), 201);
    await errorOf(await post(bo.key, '', { project_id: web.id, name: 'steal', command: 'true', schedule: '@hourly' }), 404, 'NOT_FOUND');
    await errorOf(await get(bo.key, `/${backup.id}`), 404, 'NOT_FOUND');
    await errorOf(await post(bo.key, `/${backup.id}/execute`), 404, 'NOT_FOUND');
    assert.equal((await dataOf<PageOf<ScheduledTask>>(await get(bo.key, ''))).total, 0);
  });

  test('POST /quick turns a preset into a schedule', async () => {
    const q = await dataOf<ScheduledTask>(await post(amy.key, '/quick', { project_id: 'api', name: 'standup', preset: 'weekdays', time: '08:30', command: ['echo', 'hi'] }), 201);
    assert.equal(q.schedule, '30 8 * * 1-5');
    assert.equal(q.schedule_description, 'At 08:30, Monday through Friday');
    const d = await dataOf<ScheduledTask>(await post(amy.key, '/quick', { project_id: 'api', name: 'nightly', preset: 'daily', command: 'true' }), 201);
    assert.equal(d.schedule, '0 9 * * *');
    await errorOf(await post(amy.key, '/quick', { project_id: 'api', name: 'nope', preset: 'custom', command: 'true' }), 400, 'VALIDATION_FAILED');
  });

  test('GET by id or name; a name in two projects needs ?project=', async () => {
    const byName = await dataOf<ScheduledTaskDetail>(await get(amy.key, '/standup'));
    assert.equal(byName.name, 'standup');
    assert.deepEqual(byName.recent_runs, []);
    const e = await errorOf(await get(amy.key, '/backup'), 400, 'BAD_REQUEST');
    assert.match(e.suggestion ?? '', /project/);
    const inWeb = await dataOf<ScheduledTaskDetail>(await get(amy.key, '/backup?project=web'));
    assert.equal(inWeb.id, backup.id);
    await errorOf(await get(amy.key, '/nonesuch'), 404, 'NOT_FOUND');
  });

  test('GET lists with filters and paging', async () => {
    const all = await dataOf<PageOf<ScheduledTask>>(await get(amy.key, ''));
    assert.equal(all.total, 6);
    const inApi = await dataOf<PageOf<ScheduledTask>>(await get(amy.key, '?project=api'));
    assert.deepEqual(inApi.items.map((x) => x.name), ['backup', 'standup', 'nightly']);
    const page = await dataOf<PageOf<ScheduledTask>>(await get(amy.key, '?limit=2&offset=2'));
    assert.equal(page.items.length, 2);
    await t.request(`/api/v1/scheduled-tasks/nightly/disable`, { method: 'POST', token: amy.key });
    const enabled = await dataOf<PageOf<ScheduledTask>>(await get(amy.key, '?project=api&enabled_only=true'));
    assert.deepEqual(enabled.items.map((x) => x.name), ['backup', 'standup']);
  });

  test('PUT changes apply at once; kind-specific fields are checked', async () => {
    const u = await dataOf<ScheduledTask>(await t.request(`/api/v1/scheduled-tasks/${backup.id}`, { method: 'PUT', token: amy.key, json: { schedule: '*/15 * * * *', timezone: 'UTC', max_retries: 2 } }));
    assert.equal(u.next_run_at, START + 15 * 60_000);
    assert.equal(u.max_retries, 2);
    assert.equal(clock.nextAt, START + 15 * 60_000, 'the timer moved');
    await errorOf(await t.request(`/api/v1/scheduled-tasks/${backup.id}`, { method: 'PUT', token: amy.key, json: { prompt: 'hi' } }), 400, 'VALIDATION_FAILED');
    await errorOf(await t.request(`/api/v1/scheduled-tasks/${backup.id}`, { method: 'PUT', token: amy.key, json: {} }), 400, 'VALIDATION_FAILED');
    await errorOf(await t.request(`/api/v1/scheduled-tasks/${backup.id}`, { method: 'PUT', token: amy.key, json: { schedule: '99 * * * *' } }), 400, 'VALIDATION_FAILED');
  });

  test('enable and disable', async () => {
    const off = await dataOf<ScheduledTask>(await post(amy.key, `/${backup.id}/disable`));
    assert.equal(off.enabled, false);
    assert.equal(off.next_run_at, null);
    const on = await dataOf<ScheduledTask>(await post(amy.key, `/${backup.id}/enable`));
    assert.equal(on.enabled, true);
    assert.equal(on.next_run_at, START + 15 * 60_000);
  });

  test('execute: 202 with the run; its record with output; the runs of the task', async () => {
    const run = await dataOf<TaskRunSummary>(await post(amy.key, `/${backup.id}/execute`), 202);
    assert.match(run.id, /^trn_/);
    assert.equal(run.trigger, 'manual');
    await settle();
    const full = await dataOf<TaskRun>(await get(amy.key, `/runs/${run.id}`));
    assert.equal(full.status, 'success');
    assert.equal(full.stdout, 'done\n');
    assert.equal(full.run_id, containers.started.at(-1)?.id);
    const runs = await dataOf<PageOf<TaskRunSummary>>(await get(amy.key, `/${backup.id}/runs`));
    assert.deepEqual(runs.items.map((r) => r.id), [run.id]);
    const detail = await dataOf<ScheduledTaskDetail>(await get(amy.key, `/${backup.id}?run_limit=5`));
    assert.equal(detail.recent_runs[0]?.id, run.id);
    assert.equal(detail.run_count, 1);
    await errorOf(await get(bo.key, `/runs/${run.id}`), 404, 'NOT_FOUND');
  });

  test('execute with the skip policy while running: 409 unless force', async () => {
    containers.autoFinish = null;
    const first = await dataOf<TaskRunSummary>(await post(amy.key, `/${backup.id}/execute`), 202);
    const e = await errorOf(await post(amy.key, `/${backup.id}/execute`), 409, 'CONFLICT');
    assert.match(e.suggestion ?? '', /force/);
    const forced = await dataOf<TaskRunSummary>(await post(amy.key, `/${backup.id}/execute?force=true`), 202);
    assert.notEqual(forced.id, first.id);
    containers.finishAll();
    containers.autoFinish = { exit_code: 0 };
    await settle();
  });

  test('POST /validate-schedule', async () => {
    const v = await dataOf<ScheduleValidation>(await post(amy.key, '/validate-schedule', { schedule: '0 9 * * 1-5', timezone: 'America/New_York', count: 2 }));
    assert.equal(v.is_valid, true);
    assert.deepEqual(v.next_runs.map((r) => r.local), ['2030-01-01T09:00:00-05:00', '2030-01-02T09:00:00-05:00']);
    const bad = await dataOf<ScheduleValidation>(await post(amy.key, '/validate-schedule', { schedule: '*/5 * * 13 *' }));
    assert.equal(bad.is_valid, false);
    assert.equal(bad.error?.field, 'month');
    assert.equal(bad.error?.position, 3);
    // A read-only key may validate.
    const ro = addKey(t, amy.user.id, { scopes: ['read'] });
    await dataOf<ScheduleValidation>(await post(ro.key, '/validate-schedule', { schedule: '@daily' }));
    await errorOf(await post(ro.key, '', { project_id: 'web', name: 'ro', command: 'true', schedule: '@daily' }), 403, 'FORBIDDEN');
  });

  test('POST /bulk-operations: one result per id, valid and invalid mixed', async () => {
    const list = (await dataOf<PageOf<ScheduledTask>>(await get(amy.key, '?project=api'))).items;
    const ids = [list[0]?.id as string, 'tsk_00000000000000000000000000', backup.id, 'not-an-id', list[1]?.id as string];
    const off = await dataOf<BulkResult>(await post(amy.key, '/bulk-operations', { operation: 'disable', task_ids: ids }));
    assert.equal(off.succeeded, 3);
    assert.equal(off.failed, 2);
    assert.deepEqual(off.results.map((r) => [r.id, r.success, r.error?.code ?? null]), [
      [ids[0], true, null],
      [ids[1], false, 'NOT_FOUND'],
      [ids[2], true, null],
      [ids[3], false, 'NOT_FOUND'],
      [ids[4], true, null],
    ]);
    assert.equal(off.results[0]?.task?.enabled, false);
    // Bo's ids are not his to touch.
    const bos = await dataOf<BulkResult>(await post(bo.key, '/bulk-operations', { operation: 'delete', task_ids: [backup.id] }));
    assert.deepEqual([bos.succeeded, bos.results[0]?.error?.code], [0, 'NOT_FOUND']);
    const run = await dataOf<BulkResult>(await post(amy.key, '/bulk-operations', { operation: 'execute', task_ids: [backup.id] }));
    assert.equal(run.results[0]?.run?.trigger, 'manual');
    await settle();
    await errorOf(await post(amy.key, '/bulk-operations', { operation: 'delete', task_ids: Array.from({ length: 101 }, (_, i) => `tsk_${i}`) }), 400, 'VALIDATION_FAILED');
    await errorOf(await post(amy.key, '/bulk-operations', { operation: 'explode', task_ids: [backup.id] }), 400, 'VALIDATION_FAILED');
    await errorOf(await post(amy.key, '/bulk-operations', { operation: 'delete', task_ids: [] }), 400, 'VALIDATION_FAILED');
  });

  test('GET /stats/overview', async () => {
    const s = await dataOf<TaskStats>(await get(amy.key, '/stats/overview'));
    assert.equal(s.total, 6);
    assert.ok(s.runs_24h.success >= 3, JSON.stringify(s.runs_24h));
    assert.equal(s.success_rate_24h, 1);
    assert.ok(s.next_runs.every((n, i, a) => i === 0 || (a[i - 1]?.next_run_at ?? 0) <= n.next_run_at));
    const api = await dataOf<TaskStats>(await get(amy.key, '/stats/overview?project=api'));
    assert.equal(api.total, 3);
    const bos = await dataOf<TaskStats>(await get(bo.key, '/stats/overview'));
    assert.equal(bos.total, 0);
  });

  test('DELETE removes the task and its runs', async () => {
    const gone = await dataOf<ScheduledTask>(await t.request(`/api/v1/scheduled-tasks/${backup.id}`, { method: 'DELETE', token: amy.key }));
    assert.equal(gone.id, backup.id);
    await errorOf(await get(amy.key, `/${backup.id}`), 404, 'NOT_FOUND');
    await errorOf(await t.request(`/api/v1/scheduled-tasks/${backup.id}`, { method: 'DELETE', token: amy.key }), 404, 'NOT_FOUND');
  });

  test('every route is in the OpenAPI document', async () => {
    const doc = (await (await t.request('/api/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const expected: [string, string][] = [
      ['/scheduled-tasks', 'post'],
      ['/scheduled-tasks', 'get'],
      ['/scheduled-tasks/quick', 'post'],
      ['/scheduled-tasks/{id}', 'get'],
      ['/scheduled-tasks/{id}', 'put'],
      ['/scheduled-tasks/{id}', 'delete'],
      ['/scheduled-tasks/{id}/execute', 'post'],
      ['/scheduled-tasks/{id}/enable', 'post'],
      ['/scheduled-tasks/{id}/disable', 'post'],
      ['/scheduled-tasks/validate-schedule', 'post'],
      ['/scheduled-tasks/bulk-operations', 'post'],
      ['/scheduled-tasks/stats/overview', 'get'],
      ['/scheduled-tasks/{id}/runs', 'get'],
      ['/scheduled-tasks/runs/{run_id}', 'get'],
    ];
    for (const [path, method] of expected) assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path} documented`);
  });
});
