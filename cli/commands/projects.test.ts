import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Project } from '../../src/contracts/index.ts';
import { formatTime } from '../format.ts';
import { runCli, startFakeDaemon, type FakeDaemon, type FakeRequest } from '../testing.ts';

function project(name: string, id: string, status: Project['status'] = 'active'): Project {
  return {
    id,
    name,
    description: name === 'demo' ? 'first one' : '',
    template: 'python',
    settings: { cpus: 2, memory_mb: 2048, pids: 512, idle_timeout_minutes: 30, network: 'bridge', ports: [], env: {}, approval: 'auto', auto_fix: false, auto_fix_attempts: 3, monthly_budget_usd: null, git_commit: false, git_author: null },
    path: null,
    status,
    owner_id: 'usr_1',
    created_at: Date.UTC(2025, 0, 2, 3, 4),
    updated_at: Date.UTC(2025, 0, 2, 3, 4),
  };
}

describe('project commands against a stand-in daemon on the home socket', () => {
  const home = mkdtempSync(join(tmpdir(), 'zeblit-cli-projects-'));
  const env = { ZEBLIT_HOME: home };
  const projects = new Map<string, Project>([
    ['prj_a', project('demo', 'prj_a')],
    ['prj_b', project('web', 'prj_b', 'archived')],
  ]);
  const find = (ref: string) => [...projects.values()].find((p) => p.id === ref || p.name === ref);
  const byRef = (req: FakeRequest) => {
    const p = find(decodeURIComponent(req.path.split('/')[2] ?? ''));
    return p ? { data: p } : { status: 404, error: { code: 'NOT_FOUND', message: 'Project not found', suggestion: 'List your projects with `zeblit list`.' } };
  };
  let daemon: FakeDaemon;

  before(async () => {
    daemon = await startFakeDaemon(
      {
        'GET /projects': (req) => {
          const all = [...projects.values()].filter((p) => req.query.get('status') === 'all' || p.status === 'active');
          return { data: { items: all, total: all.length, limit: 500, offset: 0 } };
        },
        'POST /projects': (req) => {
          const body = req.body as { name: string; template?: Project['template']; description?: string };
          const p = { ...project(body.name, 'prj_c'), template: body.template ?? 'python', description: body.description ?? '' };
          projects.set(p.id, p);
          return { status: 201, data: p };
        },
        'GET /projects/demo': byRef,
        'GET /projects/prj_a': byRef,
        'GET /projects/nope': byRef,
        'DELETE /projects/prj_a': (req) => {
          const r = byRef(req);
          projects.delete('prj_a');
          return r;
        },
        'POST /projects/web/unarchive': () => ({ data: { ...project('web', 'prj_b'), status: 'active' } }),
      },
      { socketPath: join(home, 'zeblitd.sock') },
    );
    writeFileSync(join(home, 'config.json'), JSON.stringify({ port: 7999, log_level: 'warn' }));
  });
  after(async () => {
    await daemon.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('lists active projects as a table, and all of them with --all', async () => {
    const r = await runCli(['list'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').slice(0, 2), [
      'NAME  ID     TEMPLATE  STATUS  CREATED           DESCRIPTION',
      `demo  prj_a  python    active  ${formatTime(Date.UTC(2025, 0, 2, 3, 4))}  first one`,
    ]);
    const all = await runCli(['list', '--all'], env);
    assert.match(all.stdout, /web +prj_b +python +archived/);
    assert.equal(daemon.requests.at(-1)?.query.get('status'), 'all');
  });

  it('prints the API data with --json', async () => {
    const r = await runCli(['list', '--json'], env);
    const page = JSON.parse(r.stdout) as { items: Project[]; total: number };
    assert.equal(page.total, 1);
    assert.equal(page.items[0]?.id, 'prj_a');
    assert.equal(r.stderr, '');
  });

  it('remembers the current project by id, keeps the daemon keys, and shows it by default', async () => {
    const use = await runCli(['use', 'demo'], env);
    assert.equal(use.code, 0, use.stderr);
    assert.match(use.stdout, /Now using project demo \(prj_a\)/);
    assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')), { port: 7999, log_level: 'warn', current_project: 'prj_a' });
    const info = await runCli(['info'], env);
    assert.match(info.stdout, /^Name +demo \(current\)$/m);
    assert.match(info.stdout, /^Memory +2048 MB$/m);
    assert.match((await runCli(['list'], env)).stdout, /^demo \* +prj_a/m);
  });

  it('says so when a project does not exist, with the suggestion', async () => {
    const r = await runCli(['use', 'nope'], env);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, 'Error [NOT_FOUND]: Project not found\nHint: List your projects with `zeblit list`.\n');
  });

  it('creates with a template and a description', async () => {
    const r = await runCli(['create', 'api', '--template', 'node', '--description', 'The API'], env);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(daemon.requests.at(-1)?.body, { name: 'api', template: 'node', description: 'The API' });
    assert.match(r.stdout, /Created project api \(prj_c\) from the node template/);
    const bad = await runCli(['create', 'x', '--template', 'cobol'], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid value for --template/);
  });

  it('unarchives', async () => {
    const r = await runCli(['unarchive', 'web'], env);
    assert.match(r.stdout, /Unarchived project web \(prj_b\); status: active/);
  });

  it('refuses to delete without --force when stdin is not a terminal, and asks on one', async () => {
    const refused = await runCli(['delete', 'demo'], env);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^Usage Error: Refusing to delete demo without --force/);
    assert.ok(projects.has('prj_a'));

    const declined = await runCli(['delete', 'demo'], env, { tty: true, stdin: 'n\n' });
    assert.equal(declined.code, 1);
    assert.match(declined.stderr, /Delete project demo \(prj_a\) and its workspace\? This cannot be undone\. \[y\/N\] /);
    assert.ok(projects.has('prj_a'));

    const confirmed = await runCli(['delete', 'demo'], env, { tty: true, stdin: 'y\n' });
    assert.equal(confirmed.code, 0, confirmed.stderr);
    assert.match(confirmed.stdout, /Deleted project demo \(prj_a\)/);
    assert.equal(projects.has('prj_a'), false);
    // It was the current project: forgotten, and the daemon's keys are still there.
    assert.deepEqual(JSON.parse(readFileSync(join(home, 'config.json'), 'utf8')), { port: 7999, log_level: 'warn' });
  });

  it('asks for a project when none is given or selected', async () => {
    const r = await runCli(['info'], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /No project given, no project holds this folder, and none selected/);
  });
});
