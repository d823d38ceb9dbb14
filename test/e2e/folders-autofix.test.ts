/**
 * An auto-fix attempt is a checkpoint like an agent turn, end to end: the
 * built daemon and CLI, a folder project with a real container, the fake LLM
 * as the Engineer. A command fails, auto-fix starts an Engineer turn that
 * changes one file and creates another, the command passes on verification;
 * the attempt is listed by GET …/checkpoints and `zeblit changes` as kind
 * 'autofix' with its files' versions before and after, `zeblit diff --turn`
 * shows it, and `zeblit undo --turn <id>` puts the folder back as it was.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { Checkpoint, CheckpointList, Project, RunSummary } from '../../src/contracts/index.ts';
import { FakeLlm } from '../../src/llm/testing/fake-llm.ts';
import { cleanup, type DaemonProc, dataOf, ok, request, runCli, sock, startDaemon, tempHome, waitFor } from './helpers.ts';

const dockerReason = await dockerUnavailableReason();
const OWNER = 4321;

describe('auto-fix attempts are checkpoints: listed, diffed, undone through the CLI', dockerSuite(dockerReason), () => {
  let home: string;
  let base: string;
  let dir: string;
  let daemon: DaemonProc;
  let fake: FakeLlm;
  let project: Project;
  let attempt: Checkpoint;
  const env = () => ({ ANTHROPIC_API_KEY: 'sk-e2e-fake', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, OPENAI_API_KEY: '', OPENAI_BASE_URL: '' });
  const cli = (args: string[]) => runCli(home, args, { env: env(), timeoutMs: 120_000, cwd: dir });
  const api = async <T>(path: string): Promise<T> => dataOf(await request<T>(sock(daemon), { path: `/api/v1${path}`, timeoutMs: 30_000 }));

  before(async () => {
    requireDocker(dockerReason);
    fake = await FakeLlm.start();
    home = tempHome('fixcp');
    base = mkdtempSync(join(tmpdir(), 'zbl-e2e-fixcp-'));
    chmodSync(base, 0o755);
    dir = join(base, 'app');
    mkdirSync(dir);
    writeFileSync(join(dir, 'app.cfg'), 'name=app\nmode=broken\n');
    execFileSync('chown', ['-R', `${OWNER}:${OWNER}`, dir]);
    daemon = await startDaemon(home, { env: env() });
    dataOf(await request(sock(daemon), { method: 'PUT', path: '/api/v1/config/llm', json: { max_retries: 0, providers: { anthropic: { model: 'claude-haiku-4-5' } } } }));
    project = JSON.parse(ok(await cli(['init', '--name', 'app', '--template', 'blank', '--json']), 'init').stdout) as Project;
    ok(await cli(['settings', 'set', 'auto_fix', 'on']), 'auto_fix on');
    ok(await cli(['settings', 'set', 'auto_fix_attempts', '1']), 'auto_fix_attempts 1');
    ok(await cli(['start']), 'start');
  });
  after(async () => {
    await cleanup();
    await fake.close();
    if (project) await removeTestResources([project.id]);
    rmSync(base, { recursive: true, force: true });
  });

  it('a failed command starts an auto-fix attempt; it is a checkpoint of kind autofix with its files before and after', async () => {
    fake.script([
      {
        text: 'The mode is wrong.',
        tool_calls: [
          { name: 'edit_file', input: { path: 'app.cfg', old_text: 'mode=broken', new_text: 'mode=fixed' } },
          { name: 'write_file', input: { path: 'FIXES.md', content: 'mode was broken\n' } },
        ],
      },
      { tool_calls: [{ name: 'finish', input: { summary: 'Set mode=fixed in app.cfg.' } }] },
    ]);
    const failed = await cli(['run', '--', 'grep', '-q', 'mode=fixed', 'app.cfg']);
    assert.equal(failed.code, 1, `the check fails first: ${failed.stderr}`);
    // The attempt ends with the command run again by auto-fix, passing now.
    await waitFor(
      'the verification run to pass',
      async () => (await api<{ items: RunSummary[] }>(`/projects/${project.id}/runs`)).items.some((r) => r.status === 'exited' && r.exit_code === 0),
      90_000,
      200,
    );
    assert.equal(readFileSync(join(dir, 'app.cfg'), 'utf8'), 'name=app\nmode=fixed\n');

    const list = await api<CheckpointList>(`/projects/${project.id}/checkpoints`);
    const first = list.items[0];
    assert.ok(first, `no checkpoint: ${JSON.stringify(list)}`);
    attempt = first;
    assert.equal(attempt.kind, 'autofix');
    assert.equal(attempt.agent, 'engineer');
    assert.equal(attempt.status, 'completed');
    assert.match(attempt.request, /^\[auto-fix\][\s\S]*grep -q mode=fixed app\.cfg[\s\S]*exit code 1/);
    assert.deepEqual(
      attempt.files.map((f) => ({ path: f.path, action: f.action, before: f.before_version, after: f.after_version, stored: f.before_stored })),
      [
        { path: 'FIXES.md', action: 'created', before: null, after: 1, stored: true },
        // app.cfg was only a baseline entry: its content before the attempt was stored as v1 when the Engineer first changed it.
        { path: 'app.cfg', action: 'modified', before: 1, after: 2, stored: true },
      ],
    );
    assert.deepEqual(await api<Checkpoint>(`/projects/${project.id}/checkpoints/${attempt.id}`), attempt);
  });

  it('zeblit changes lists it as an auto-fix; --turn shows its files; diff --turn shows what it changed', async () => {
    const table = ok(await cli(['changes']), 'changes').stdout;
    assert.match(table, new RegExp(`${attempt.id}\\s.*engineer \\(auto-fix\\)\\s+\\+1 ~1 -0\\s+completed`));
    const json = JSON.parse(ok(await cli(['changes', '--json']), 'changes --json').stdout) as CheckpointList;
    assert.deepEqual(json.items.map((c) => [c.id, c.kind]), [[attempt.id, 'autofix']]);
    const one = ok(await cli(['changes', '--turn', attempt.id]), 'changes --turn').stdout;
    assert.match(one, /Agent\s+engineer \(auto-fix attempt\)/);
    assert.match(one, /\+ FIXES\.md\s+created\s+-\s+v1/);
    assert.match(one, /~ app\.cfg\s+modified\s+v1\s+v2/);
    const diff = ok(await cli(['diff', '--turn', attempt.id]), 'diff --turn').stdout;
    assert.match(diff, /--- a\/app\.cfg\n\+\+\+ b\/app\.cfg\n@@ -1,2 \+1,2 @@\n name=app\n-mode=broken\n\+mode=fixed\n/);
    assert.match(diff, /--- \/dev\/null\n\+\+\+ b\/FIXES\.md/);
  });

  it('zeblit undo --turn <its id> restores the files as they were before the attempt', async () => {
    const r = ok(await cli(['undo', '--turn', attempt.id]), 'undo --turn');
    assert.match(r.stdout, new RegExp(`Undid turn ${attempt.id} \\(engineer\\): 2 files put back as before the turn`));
    assert.equal(readFileSync(join(dir, 'app.cfg'), 'utf8'), 'name=app\nmode=broken\n');
    assert.equal(existsSync(join(dir, 'FIXES.md')), false);
    const after = await api<Checkpoint>(`/projects/${project.id}/checkpoints/${attempt.id}`);
    assert.notEqual(after.undone_at, null);
    // The command fails again, as before the attempt (auto-fix is off now so nothing starts).
    ok(await cli(['settings', 'set', 'auto_fix', 'off']), 'auto_fix off');
    assert.equal((await cli(['run', '--', 'grep', '-q', 'mode=fixed', 'app.cfg'])).code, 1);
  });
});
