/**
 * Folder projects end to end, through the built CLI and daemon, a real
 * container, real git and the fake LLM: `zeblit init` in a folder with files
 * (nothing overwritten), the project found from the current directory,
 * `zeblit run` in a subfolder (its cwd, files owned by the folder's owner on
 * the host), an agent turn changing three files → `changes`, `diff --turn`,
 * `undo`; undo refused after a host edit; git auto-commit on and off; a clone
 * from a bare repository by file:// URL.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { Checkpoint, CheckpointList, Project } from '../../src/contracts/index.ts';
import { FakeLlm } from '../../src/llm/testing/fake-llm.ts';
import { cleanup, type DaemonProc, dataOf, git, ok, request, runCli, sock, startDaemon, tempHome } from './helpers.ts';

const dockerReason = await dockerUnavailableReason();
/** Not root's, not the image's 1000: whoever owns the folder is who the container runs as. */
const OWNER = 4321;


describe('folder projects through the CLI: init, run, changes, diff, undo, git commit, clone', dockerSuite(dockerReason), () => {
  let home: string;
  let base: string;
  let repo: string;
  let daemon: DaemonProc;
  let fake: FakeLlm;
  let project: Project;
  const env = () => ({ ANTHROPIC_API_KEY: 'sk-e2e-fake', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, OPENAI_API_KEY: '', OPENAI_BASE_URL: '', GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'safe.directory', GIT_CONFIG_VALUE_0: '*' });
  const cli = (args: string[], cwd = repo, timeoutMs = 120_000) => runCli(home, args, { env: env(), timeoutMs, cwd });
  const api = async <T>(method: string, path: string, json?: unknown): Promise<T> => dataOf(await request<T>(sock(daemon), { method, path: `/api/v1${path}`, json }));

  before(async () => {
    requireDocker(dockerReason);
    fake = await FakeLlm.start();
    home = tempHome('folders');
    base = mkdtempSync(join(tmpdir(), 'zbl-e2e-folders-'));
    chmodSync(base, 0o755); // the folder's owner must reach it (mkdtemp makes it root's only), as in any real home
    repo = join(base, 'repo');
    mkdirSync(join(repo, 'src'), { recursive: true });
    writeFileSync(join(repo, 'README.md'), '# mine\n');
    for (const n of ['a', 'b', 'c']) writeFileSync(join(repo, 'src', `${n}.py`), `print("${n}")\n`);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'initial');
    execFileSync('chown', ['-R', `${OWNER}:${OWNER}`, repo]);
    daemon = await startDaemon(home, { env: env() });
    await api('PUT', '/config/llm', { max_retries: 0, providers: { anthropic: { model: 'claude-haiku-4-5' } } });
  });
  after(async () => {
    await cleanup();
    await fake.close();
    if (project) await removeTestResources([project.id]);
    rmSync(base, { recursive: true, force: true });
  });

  it('zeblit init makes the folder a project without touching a file; info finds it from a subfolder and says why and who runs', async () => {
    const before = readFileSync(join(repo, 'src', 'a.py'), 'utf8');
    const r = ok(await cli(['init', '--name', 'mine', '--template', 'blank', '--json']), 'init');
    project = JSON.parse(r.stdout) as Project;
    assert.equal(project.path, repo);
    assert.equal(readFileSync(join(repo, 'src', 'a.py'), 'utf8'), before);
    assert.equal(git(repo, 'status', '--porcelain'), '', 'nothing in the folder changed');
    ok(await cli(['start']), 'start');
    const info = ok(await cli(['info'], join(repo, 'src')), 'info').stdout;
    assert.match(info, /Chosen because\s+the current directory is in its folder \(src\)/);
    assert.match(info, new RegExp(`Runs as\\s+uid ${OWNER}, gid ${OWNER} \\(the folder's owner\\)`));
    const json = JSON.parse(ok(await cli(['info', '--json'], join(repo, 'src')), 'info --json').stdout) as { runs_as: unknown };
    assert.deepEqual(json.runs_as, { uid: OWNER, gid: OWNER, source: 'folder_owner', note: null });
  });

  it('zeblit run in a subfolder runs there; what it writes belongs to the folder owner on the host', async () => {
    const r = ok(await cli(['run', '--', 'sh', '-c', 'pwd; id -u; echo made > made.txt'], join(repo, 'src')), 'run');
    assert.equal(r.stdout, `/workspace/src\n${OWNER}\n`);
    const st = statSync(join(repo, 'src', 'made.txt'));
    assert.deepEqual([st.uid, st.gid], [OWNER, OWNER]);
    rmSync(join(repo, 'src', 'made.txt'));
  });

  it('an agent turn that changes three files: changes, diff --turn, undo restores them', async () => {
    fake.reset();
    fake.script([
      {
        text: 'Changing three files.',
        tool_calls: [
          { name: 'write_file', input: { path: 'src/a.py', content: 'print("A")\n' } },
          { name: 'write_file', input: { path: 'src/new.py', content: 'print("new")\n' } },
          { name: 'delete_file', input: { path: 'src/c.py' } },
        ],
      },
      { text: 'Done.' },
    ]);
    ok(await cli(['chat', '--agent', 'engineer', 'change three files']), 'chat');
    assert.equal(readFileSync(join(repo, 'src', 'a.py'), 'utf8'), 'print("A")\n');
    assert.deepEqual([statSync(join(repo, 'src', 'new.py')).uid], [OWNER], "the agent's new file is the folder owner's");
    const list = JSON.parse(ok(await cli(['changes', '--json']), 'changes').stdout) as CheckpointList;
    const turn = list.items[0] as Checkpoint;
    assert.deepEqual(turn.files.map((f) => [f.path, f.action]), [['src/a.py', 'modified'], ['src/c.py', 'deleted'], ['src/new.py', 'created']]);
    assert.match(ok(await cli(['changes']), 'changes').stdout, /engineer/);
    const diff = ok(await cli(['diff', '--turn', turn.id]), 'diff').stdout;
    assert.match(diff, /--- a\/src\/a.py\n\+\+\+ b\/src\/a.py\n@@ -1 \+1 @@\n-print\("a"\)\n\+print\("A"\)/);
    assert.match(diff, /\+\+\+ b\/src\/new.py/);
    assert.match(diff, /--- a\/src\/c.py\n\+\+\+ \/dev\/null/);
    ok(await cli(['undo']), 'undo');
    assert.equal(readFileSync(join(repo, 'src', 'a.py'), 'utf8'), 'print("a")\n');
    assert.equal(readFileSync(join(repo, 'src', 'c.py'), 'utf8'), 'print("c")\n');
    assert.equal(existsSync(join(repo, 'src', 'new.py')), false);
    assert.equal(git(repo, 'status', '--porcelain'), '', 'the folder is as it was');
  });

  it('undo is refused after a host edit, with the file named; --force restores anyway', async () => {
    fake.reset();
    fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'src/b.py', content: 'print("agent")\n' } }] }, { text: 'Edited.' }]);
    ok(await cli(['chat', '--agent', 'engineer', 'edit b']), 'chat');
    writeFileSync(join(repo, 'src', 'b.py'), 'print("mine")\n'); // the user's editor
    const refused = await cli(['undo']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /src\/b\.py/);
    assert.equal(readFileSync(join(repo, 'src', 'b.py'), 'utf8'), 'print("mine")\n');
    ok(await cli(['undo', '--force']), 'undo --force');
    assert.equal(readFileSync(join(repo, 'src', 'b.py'), 'utf8'), 'print("b")\n');
  });

  it('git_commit on: a finished turn is one commit naming the agent and the request; off: none', async () => {
    const head0 = git(repo, 'rev-parse', 'HEAD').trim();
    fake.reset();
    fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'src/off.py', content: 'x = 1\n' } }] }, { text: 'Ok.' }]);
    ok(await cli(['chat', '--agent', 'engineer', 'no commit please']), 'chat (off)');
    assert.equal(git(repo, 'rev-parse', 'HEAD').trim(), head0, 'off by default: no commit');
    ok(await cli(['settings', 'set', 'git_commit', 'on']), 'settings set git_commit on');
    fake.reset();
    fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'src/on.py', content: 'y = 2\n' } }] }, { text: 'Ok.' }]);
    const said = ok(await cli(['chat', '--agent', 'engineer', 'add on.py']), 'chat (on)');
    const log = git(repo, 'log', '-1', '--format=%s%n%b%n--files--', '--name-only');
    assert.match(said.stdout, new RegExp(`git: committed ${git(repo, 'rev-parse', '--short=7', 'HEAD').trim()}`), said.stdout);
    const latest = (JSON.parse(ok(await cli(['changes', '--json']), 'changes').stdout) as CheckpointList).items[0];
    assert.match(log, /engineer/, `no commit: ${JSON.stringify(latest)}`);
    assert.match(log, /add on\.py/);
    assert.match(log, /src\/on\.py/);
    assert.notEqual(git(repo, 'rev-parse', 'HEAD').trim(), head0);
  });

  it('zeblit create --git clones a bare repository by file:// URL into a folder project', async () => {
    const bare = join(base, 'origin.git');
    git(base, 'init', '-q', '--bare', '-b', 'main', bare);
    const work = join(base, 'seed');
    git(base, 'clone', '-q', bare, work);
    writeFileSync(join(work, 'hello.txt'), 'from the remote\n');
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', 'seed');
    git(work, 'push', '-q', 'origin', 'HEAD:main');
    const dest = join(base, 'cloned');
    const p = JSON.parse(ok(await cli(['create', 'cloned', '--git', `file://${bare}`, '--path', dest, '--template', 'blank', '--json'], base), 'create --git').stdout) as Project;
    assert.equal(p.path, dest);
    assert.equal(readFileSync(join(dest, 'hello.txt'), 'utf8'), 'from the remote\n');
    const info = ok(await cli(['info'], dest), 'info in the clone').stdout;
    assert.match(info, /cloned/);
  });
});
