import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_SETTINGS, type PageOf, type Project, type Template } from '../../contracts/index.ts';
import { addKey, addUser, dataOf, errorOf, makeTestApp, manualClock } from '../testing.ts';

const unix = { transport: 'unix' as const };

describe('projects: create, read, list', () => {
  const clock = manualClock();
  const t = makeTestApp({}, clock.now);
  after(() => t.close());
  const amy = addUser(t, 'amy');
  const bo = addUser(t, 'bo');
  const create = (key: string, json: unknown) => t.request('/api/v1/projects', { method: 'POST', token: key, json });

  test('GET /projects/templates lists python, node and blank', async () => {
    const templates = await dataOf<Template[]>(await t.request('/api/v1/projects/templates', { token: amy.key }));
    assert.deepEqual(templates.map((x) => x.name), ['python', 'node', 'blank']);
    assert.ok(templates.every((x) => x.workdir === '/workspace' && x.image.length > 0));
  });

  test('POST /projects: 201 with defaults, owner, timestamps, and a workspace folder on disk', async () => {
    const p = await dataOf<Project>(await create(amy.key, { name: 'web', description: 'the site' }), 201);
    assert.match(p.id, /^prj_[0-9a-z]{26}$/);
    assert.equal(p.name, 'web');
    assert.equal(p.description, 'the site');
    assert.equal(p.template, 'python');
    assert.equal(p.status, 'active');
    assert.equal(p.owner_id, amy.user.id);
    assert.equal(p.created_at, clock.now());
    assert.equal(p.updated_at, clock.now());
    assert.deepEqual(p.settings, DEFAULT_SETTINGS);
    const ws = join(t.deps.paths.projects, p.id, 'workspace');
    assert.ok(statSync(ws).isDirectory());
  });

  test('POST /projects with a template and partial settings', async () => {
    const p = await dataOf<Project>(await create(amy.key, { name: 'api', template: 'node', settings: { cpus: 1.5, env: { PORT: '8080' } } }), 201);
    assert.equal(p.template, 'node');
    assert.deepEqual(p.settings, { ...DEFAULT_SETTINGS, cpus: 1.5, env: { PORT: '8080' } });
  });

  test('names are unique per user, not across users', async () => {
    const err = await errorOf(await create(amy.key, { name: 'web' }), 409, 'CONFLICT');
    assert.match(err.message, /"web"/);
    const bos = await dataOf<Project>(await create(bo.key, { name: 'web' }), 201);
    assert.equal(bos.owner_id, bo.user.id);
  });

  test('invalid input: per-field details, unknown fields, wrong types, huge strings; nothing created', async () => {
    const before = t.deps.projects.list(amy.user.id).total;
    const err = await errorOf(
      await create(amy.key, { name: 'bad name!', template: 'cobol', description: 7, settings: { cpus: 0, memory_mb: 'lots', bogus: 1 }, owner_id: 'usr_x' }),
      400,
      'VALIDATION_FAILED',
    );
    const fields = (err.details as { field: string }[]).map((d) => d.field).sort();
    assert.deepEqual(fields, ['body', 'body.description', 'body.name', 'body.settings', 'body.settings.cpus', 'body.settings.memory_mb', 'body.template']);
    assert.match(err.message, /and 6 more/);
    await errorOf(await create(amy.key, { name: 'x'.repeat(200_000) }), 400, 'VALIDATION_FAILED');
    await errorOf(await create(amy.key, { name: 'ok', description: 'd'.repeat(2001) }), 400, 'VALIDATION_FAILED');
    await errorOf(await create(amy.key, { name: 'ok', settings: { env: { 'BAD-NAME': 'x' } } }), 400, 'VALIDATION_FAILED');
    await errorOf(await create(amy.key, { name: 'prj_sneaky' }), 400, 'VALIDATION_FAILED');
    await errorOf(await create(amy.key, {}), 400, 'VALIDATION_FAILED');
    assert.equal(t.deps.projects.list(amy.user.id).total, before);
  });

  test('GET /projects/{id} by id and by name', async () => {
    const web = t.deps.projects.get(amy.user.id, 'web');
    const byId = await dataOf<Project>(await t.request(`/api/v1/projects/${web.id}`, { token: amy.key }));
    const byName = await dataOf<Project>(await t.request('/api/v1/projects/web', { token: amy.key }));
    assert.deepEqual(byId, web);
    assert.deepEqual(byName, web);
    await errorOf(await t.request('/api/v1/projects/nothing-here', { token: amy.key }), 404, 'NOT_FOUND');
    await errorOf(await t.request(`/api/v1/projects/${'p'.repeat(101)}`, { token: amy.key }), 400, 'VALIDATION_FAILED');
  });

  test("user isolation: B gets 404 for A's project by id and by name, on every verb", async () => {
    const web = t.deps.projects.get(amy.user.id, 'web');
    const api = t.deps.projects.get(amy.user.id, 'api');
    for (const [method, path, json] of [
      ['GET', `/api/v1/projects/${api.id}`, undefined],
      ['GET', '/api/v1/projects/api', undefined],
      ['PUT', `/api/v1/projects/${api.id}`, { description: 'pwned' }],
      ['DELETE', `/api/v1/projects/${api.id}`, undefined],
      ['POST', `/api/v1/projects/${api.id}/archive`, undefined],
      ['POST', `/api/v1/projects/${api.id}/unarchive`, undefined],
    ] as const) {
      await errorOf(await t.request(path, { method, token: bo.key, json }), 404, 'NOT_FOUND');
    }
    assert.deepEqual(t.deps.projects.get(amy.user.id, api.id), api);
    assert.ok(existsSync(t.deps.projects.workspace(api)));
    // B's own "web" is B's, not A's.
    const bosWeb = await dataOf<Project>(await t.request('/api/v1/projects/web', { token: bo.key }));
    assert.notEqual(bosWeb.id, web.id);
    const list = await dataOf<PageOf<Project>>(await t.request('/api/v1/projects', { token: bo.key }));
    assert.deepEqual(list.items.map((p) => p.id), [bosWeb.id]);
  });

  test('GET /projects: paging with total, limit and offset', async () => {
    const cy = addUser(t, 'cy');
    for (let i = 0; i < 5; i++) {
      clock.advance(1);
      t.deps.projects.create(cy.user.id, { name: `p${i}` });
    }
    const page = await dataOf<PageOf<Project>>(await t.request('/api/v1/projects?limit=2&offset=1', { token: cy.key }));
    assert.equal(page.total, 5);
    assert.equal(page.limit, 2);
    assert.equal(page.offset, 1);
    assert.deepEqual(page.items.map((p) => p.name), ['p1', 'p2']);
    const err = await errorOf(await t.request('/api/v1/projects?limit=0&offset=-1', { token: cy.key }), 400, 'VALIDATION_FAILED');
    assert.deepEqual((err.details as { field: string }[]).map((d) => d.field).sort(), ['query.limit', 'query.offset']);
  });

  test('GET /projects?q=: substring of name or description; % and _ are literal', async () => {
    const di = addUser(t, 'di');
    t.deps.projects.create(di.user.id, { name: 'half', description: '50% off' });
    t.deps.projects.create(di.user.id, { name: 'snake_case' });
    t.deps.projects.create(di.user.id, { name: 'snakeXcase', description: 'plain' });
    const search = async (q: string) =>
      (await dataOf<PageOf<Project>>(await t.request(`/api/v1/projects?q=${encodeURIComponent(q)}`, { token: di.key }))).items.map((p) => p.name).sort();
    assert.deepEqual(await search('%'), ['half']);
    assert.deepEqual(await search('_'), ['snake_case']);
    assert.deepEqual(await search('e_c'), ['snake_case']);
    assert.deepEqual(await search('snake'), ['snakeXcase', 'snake_case']);
    assert.deepEqual(await search('PLAIN'), ['snakeXcase']);
    assert.deepEqual(await search('nothing'), []);
  });
});

describe('projects: update, archive, delete', () => {
  const clock = manualClock();
  const t = makeTestApp({}, clock.now);
  after(() => t.close());
  const ed = addUser(t, 'ed');
  const ro = addKey(t, ed.user.id, { scopes: ['read'] });
  const project = t.deps.projects.create(ed.user.id, { name: 'app', settings: { memory_mb: 1024 } });
  const put = (ref: string, json: unknown, key = ed.key) => t.request(`/api/v1/projects/${ref}`, { method: 'PUT', token: key, json });

  test('PUT merges settings, renames, bumps updated_at', async () => {
    clock.advance(5000);
    const p = await dataOf<Project>(await put(project.id, { name: 'app2', description: 'new', settings: { cpus: 4 } }));
    assert.equal(p.name, 'app2');
    assert.equal(p.description, 'new');
    assert.deepEqual(p.settings, { ...DEFAULT_SETTINGS, memory_mb: 1024, cpus: 4 });
    assert.equal(p.created_at, project.created_at);
    assert.equal(p.updated_at, project.created_at + 5000);
    assert.deepEqual(await dataOf<Project>(await t.request('/api/v1/projects/app2', { token: ed.key })), p);
    await errorOf(await t.request('/api/v1/projects/app', { token: ed.key }), 404, 'NOT_FOUND');
  });

  test('PUT errors: empty body, bad settings, unknown fields, taken name, unknown project', async () => {
    t.deps.projects.create(ed.user.id, { name: 'other' });
    const empty = await errorOf(await put('app2', {}), 400, 'VALIDATION_FAILED');
    assert.match(empty.message, /nothing to update/);
    const bad = await errorOf(await put('app2', { settings: { network: 'host', ports: [70_000] } }), 400, 'VALIDATION_FAILED');
    assert.deepEqual((bad.details as { field: string }[]).map((d) => d.field).sort(), ['body.settings.network', 'body.settings.ports.0']);
    await errorOf(await put('app2', { status: 'archived' }), 400, 'VALIDATION_FAILED');
    await errorOf(await put('app2', { name: 'other' }), 409, 'CONFLICT');
    await errorOf(await put('ghost', { description: 'x' }), 404, 'NOT_FOUND');
    assert.equal(t.deps.projects.get(ed.user.id, 'app2').settings.network, 'bridge');
  });

  test('archive hides it from the default list; unarchive brings it back; both idempotent', async () => {
    const archived = await dataOf<Project>(await t.request('/api/v1/projects/app2/archive', { method: 'POST', token: ed.key }));
    assert.equal(archived.status, 'archived');
    const again = await dataOf<Project>(await t.request('/api/v1/projects/app2/archive', { method: 'POST', token: ed.key }));
    assert.equal(again.status, 'archived');
    const names = async (status: string) =>
      (await dataOf<PageOf<Project>>(await t.request(`/api/v1/projects?status=${status}`, { token: ed.key }))).items.map((p) => p.name).sort();
    assert.deepEqual(await names('active'), ['other']);
    assert.deepEqual(await names('archived'), ['app2']);
    assert.deepEqual(await names('all'), ['app2', 'other']);
    await errorOf(await t.request('/api/v1/projects?status=deleted', { token: ed.key }), 400, 'VALIDATION_FAILED');
    const back = await dataOf<Project>(await t.request(`/api/v1/projects/${project.id}/unarchive`, { method: 'POST', token: ed.key }));
    assert.equal(back.status, 'active');
    assert.deepEqual(await names('active'), ['app2', 'other']);
  });

  test('a read-only key gets 403 FORBIDDEN on every write, and can still read', async () => {
    for (const [method, path, json] of [
      ['POST', '/api/v1/projects', { name: 'ro' }],
      ['PUT', '/api/v1/projects/app2', { description: 'ro' }],
      ['DELETE', '/api/v1/projects/app2', undefined],
      ['POST', '/api/v1/projects/app2/archive', undefined],
      ['POST', '/api/v1/projects/app2/unarchive', undefined],
    ] as const) {
      const err = await errorOf(await t.request(path, { method, token: ro.key, json }), 403, 'FORBIDDEN');
      assert.match(err.message, /write/);
    }
    assert.equal((await dataOf<Project>(await t.request('/api/v1/projects/app2', { token: ro.key }))).description, 'new');
  });

  test('DELETE removes the row and the whole project folder', async () => {
    const ws = t.deps.projects.workspace(project);
    assert.ok(existsSync(ws));
    const gone = await dataOf<Project>(await t.request('/api/v1/projects/app2', { method: 'DELETE', token: ed.key }));
    assert.equal(gone.id, project.id);
    assert.ok(!existsSync(join(t.deps.paths.projects, project.id)));
    await errorOf(await t.request(`/api/v1/projects/${project.id}`, { token: ed.key }), 404, 'NOT_FOUND');
    await errorOf(await t.request(`/api/v1/projects/${project.id}`, { method: 'DELETE', token: ed.key }), 404, 'NOT_FOUND');
  });

  test('the socket owner works on their own projects only', async () => {
    const mine = await dataOf<Project>(await t.request('/api/v1/projects', { method: 'POST', ...unix, json: { name: 'owned' } }), 201);
    assert.equal(mine.owner_id, t.deps.auth.users.owner().id);
    await errorOf(await t.request('/api/v1/projects/other', unix), 404, 'NOT_FOUND');
  });
});

describe('projects: folder projects need the socket or an admin key', () => {
  const t = makeTestApp();
  const base = mkdtempSync(join(tmpdir(), 'zbl-api-folders-'));
  after(() => {
    t.close();
    rmSync(base, { recursive: true, force: true });
  });
  const folder = (name: string) => {
    const dir = join(base, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'keep.txt'), 'mine\n');
    return dir;
  };

  test('over TCP a user, and an admin without the admin scope, are refused (403); nothing is created', async () => {
    const user = addUser(t, 'ulla');
    const adminNoScope = addUser(t, 'ada', { role: 'admin', scopes: ['read', 'write'] });
    const dir = folder('a');
    for (const who of [user, adminNoScope]) {
      const err = await errorOf(await t.request('/api/v1/projects', { method: 'POST', token: who.key, json: { name: 'f', path: dir } }), 403, 'FORBIDDEN');
      assert.match(err.message, /socket\) or an admin key may make a project of a host folder/);
      const clone = await errorOf(await t.request('/api/v1/projects', { method: 'POST', token: who.key, json: { name: 'g', git: { url: `file://${dir}` } } }), 403, 'FORBIDDEN');
      assert.match(clone.message, /clone repositories on the host/);
    }
    const all = await dataOf<PageOf<Project>>(await t.request('/api/v1/projects', { token: user.key }));
    assert.equal(all.total, 0);
  });

  test('an admin key over TCP and the owner on the socket may; the folder is stored, its files untouched', async () => {
    const admin = addUser(t, 'root-ish', { role: 'admin', scopes: ['read', 'write', 'admin'] });
    const a = await dataOf<Project>(await t.request('/api/v1/projects', { method: 'POST', token: admin.key, json: { name: 'by-admin', path: folder('b') } }), 201);
    assert.equal(a.path, join(base, 'b'));
    const s = await dataOf<Project>(await t.request('/api/v1/projects', { method: 'POST', ...unix, json: { name: 'by-owner', path: folder('c') } }), 201);
    assert.equal(s.path, join(base, 'c'));
    assert.equal(readFileSync(join(base, 'c', 'keep.txt'), 'utf8'), 'mine\n');
  });

  test("refused folders are a 4xx with the reason, never a 500: /, Zeblit's home, a missing folder, one taken", async () => {
    const post = (json: unknown) => t.request('/api/v1/projects', { method: 'POST', ...unix, json });
    assert.match((await errorOf(await post({ name: 'r', path: '/' }), 400, 'INVALID_PATH')).message, /root folder/);
    assert.match((await errorOf(await post({ name: 'z', path: t.deps.paths.home }), 400, 'INVALID_PATH')).message, /Zeblit's own home/);
    assert.match((await errorOf(await post({ name: 'm', path: join(base, 'missing') }), 404, 'NOT_FOUND')).message, /does not exist/);
    assert.match((await errorOf(await post({ name: 'again', path: join(base, 'c') }), 409, 'CONFLICT')).message, /already the folder of another project/);
  });
});
