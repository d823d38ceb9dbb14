/**
 * Folder projects end to end, the paths around deleting and ownership,
 * through the built CLI and daemon with the real engine: `zeblit delete`
 * without --purge never touches the folder (forced, or confirmed on a
 * terminal); `--purge` says what it would remove and asks, removes nothing
 * without a terminal or on "no", and on "yes" removes the folder, the project
 * and its container. A folder owned by root: the container keeps the default
 * non-root user, and `zeblit info` (and --json) says so.
 *
 * The confirmations need a terminal: the CLI runs under `script` (util-linux),
 * which gives it a pseudo-terminal, and the answer is typed into it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatBytes } from '../../cli/progress.ts';
import { dockerCli, dockerSuite, dockerUnavailableReason, removeTestResources, requireDocker } from '../../src/containers/testing.ts';
import type { ContainerStatus, Project } from '../../src/contracts/index.ts';
import { cleanup, CLI_JS, daemonEnv, type DaemonProc, git, ok, request, runCli, sock, startDaemon, tempHome } from './helpers.ts';

const dockerReason = await dockerUnavailableReason();
/** A user's folder (the daemon runs as root here and accepts any owner). */
const OWNER = 4321;

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every entry below `dir` (links not followed): files by content hash, so a removed or changed one shows. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const key = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out[key] = 'dir';
        walk(p, key);
      } else out[key] = st.isFile() ? createHash('sha256').update(readFileSync(p)).digest('hex') : 'other';
    }
  };
  walk(dir, '');
  return out;
}

/** Files and bytes below `dir`, counted by the test itself. */
function tally(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const st = lstatSync(join(d, name));
      if (st.isDirectory()) walk(join(d, name));
      else {
        files++;
        bytes += st.size;
      }
    }
  };
  walk(dir);
  return { files, bytes };
}

/** The built CLI on a pseudo-terminal (util-linux `script`), `answer` typed into it; stdout and stderr come back as one. */
function runCliOnTty(home: string, args: string[], answer: string, cwd: string): Promise<{ code: number | null; output: string }> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, CLI_JS, ...args].map(quote).join(' ');
  return new Promise((resolvePromise, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: daemonEnv(home, { NO_COLOR: '1' }), cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`zeblit ${args.join(' ')} on a terminal timed out:\n${output}`));
    }, 60_000);
    child.on('error', (e) => reject(new Error(`\`script\` (util-linux, package bsdutils) is needed to give the CLI a terminal: ${e.message}`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, output: output.replace(/\r\n/g, '\n') });
    });
    child.stdin.end(answer);
  });
}

describe('folder projects through the CLI: delete keeps the folder, --purge asks first; a folder owned by root', dockerSuite(dockerReason), () => {
  let home: string;
  let base: string;
  let daemon: DaemonProc;
  const made: string[] = [];
  const cli = (args: string[], cwd = base) => runCli(home, args, { cwd, timeoutMs: 120_000 });
  const status = async (path: string) => (await request(sock(daemon), { path: `/api/v1${path}`, timeoutMs: 30_000 })).status;
  const containersOf = async (id: string) => (await dockerCli('ps', '-aq', '--filter', `label=zeblit.project=${id}`)).trim();

  before(async () => {
    requireDocker(dockerReason);
    home = tempHome('fdel');
    base = mkdtempSync(join(tmpdir(), 'zbl-e2e-fdel-'));
    chmodSync(base, 0o755);
    // No SUDO_UID from the caller: a root daemon's default container user is then 1000:1000.
    daemon = await startDaemon(home, { env: { SUDO_UID: '', SUDO_GID: '' } });
  });
  after(async () => {
    await cleanup();
    await removeTestResources(made);
    rmSync(base, { recursive: true, force: true });
  });

  /** A git repository of the user with three files of 29 bytes in all, made a folder project whose container runs. */
  async function folderProject(name: string): Promise<{ dir: string; project: Project }> {
    const dir = join(base, name);
    mkdirSync(join(dir, 'src'), { recursive: true });
    writeFileSync(join(dir, 'README.md'), '# shop\n');
    writeFileSync(join(dir, 'src', 'a.py'), 'print("a")\n');
    writeFileSync(join(dir, 'src', 'b.py'), 'print("b")\n');
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'initial');
    execFileSync('chown', ['-R', `${OWNER}:${OWNER}`, dir]);
    const project = JSON.parse(ok(await cli(['create', name, '--path', dir, '--template', 'blank', '--json']), 'create --path').stdout) as Project;
    made.push(project.id);
    ok(await cli(['start', name]), 'start');
    assert.notEqual(await containersOf(project.id), '', 'its container exists');
    return { dir, project };
  }

  /** Gone from Zeblit: the project, its container, its data under ZEBLIT_HOME. */
  async function assertProjectGone(p: Project): Promise<void> {
    assert.equal(await status(`/projects/${p.id}`), 404);
    assert.equal(await containersOf(p.id), '', 'its container was removed');
    assert.equal(existsSync(join(home, 'projects', p.id)), false, "Zeblit's own data of it was removed");
  }

  it('delete without --purge never deletes the folder: not with --force, not confirmed on a terminal', async () => {
    const { dir, project } = await folderProject('keep');
    const before = contents(dir);
    const forced = ok(await cli(['delete', 'keep', '--force']), 'delete --force');
    assert.match(forced.stdout, new RegExp(`Deleted project keep \\(${project.id}\\)\\. Its folder ${escapeRe(dir)} is untouched\\.`));
    await assertProjectGone(project);
    assert.deepEqual(contents(dir), before, 'every file of the folder, .git included, is as it was');

    // The same folder, a project again, deleted after a "yes" on a terminal: the question says the folder stays, and it does.
    const again = JSON.parse(ok(await cli(['create', 'keep2', '--path', dir, '--template', 'blank', '--json']), 'create again').stdout) as Project;
    made.push(again.id);
    ok(await cli(['start', 'keep2']), 'start');
    const confirmed = await runCliOnTty(home, ['delete', 'keep2'], 'y\n', base);
    assert.equal(confirmed.code, 0, confirmed.output);
    assert.match(confirmed.output, new RegExp(`Delete project keep2 \\(${again.id}\\)\\? Its folder ${escapeRe(dir)} stays\\. This cannot be undone\\. \\[y/N\\]`));
    await assertProjectGone(again);
    assert.deepEqual(contents(dir), before);
  });

  it('--purge says exactly what it would remove; without a terminal (and no --force) or answered "no" it removes nothing', async () => {
    const { dir, project } = await folderProject('shop');
    const before = contents(dir);
    const repo = tally(join(dir, '.git'));
    assert.ok(repo.files > 0);
    const said = new RegExp(
      `--purge removes the folder ${escapeRe(dir)} from disk with everything in it: 3 files \\(29 B\\), and \\.git: the git repository with its whole history \\(${repo.files} files, ${escapeRe(formatBytes(repo.bytes))}\\)\\.\\n`,
    );
    const untouched = async () => {
      assert.deepEqual(contents(dir), before, 'nothing in the folder was removed or changed');
      assert.equal(await status(`/projects/${project.id}`), 200, 'the project is still there');
      assert.notEqual(await containersOf(project.id), '', 'its container is still there');
    };

    // No terminal, no --force: it says what it would remove, then refuses.
    const piped = await cli(['delete', 'shop', '--purge']);
    assert.equal(piped.code, 2, piped.stderr);
    assert.match(piped.stderr, said);
    assert.match(piped.stderr, /Usage Error: Refusing to delete shop without --force when stdin is not a terminal/);
    await untouched();

    // On a terminal, answered "n".
    const declined = await runCliOnTty(home, ['delete', 'shop', '--purge'], 'n\n', base);
    assert.equal(declined.code, 1, declined.output);
    assert.match(declined.output, said);
    assert.match(declined.output, new RegExp(`Delete project shop \\(${project.id}\\) AND its folder ${escapeRe(dir)}\\? This cannot be undone\\. \\[y/N\\]`));
    assert.match(declined.output, /Cancelled\./);
    await untouched();

    // Any answer but y/yes is a no, end of input (Ctrl-D) included.
    const nothing = await runCliOnTty(home, ['delete', 'shop', '--purge'], '\x04', base);
    assert.equal(nothing.code, 1, nothing.output);
    await untouched();
  });

  it('--purge answered "yes" removes what it said: the folder with .git, the project, its container', async () => {
    const dir = join(base, 'shop');
    const project = JSON.parse(ok(await cli(['info', 'shop', '--json']), 'info').stdout) as Project;
    const yes = await runCliOnTty(home, ['delete', 'shop', '--purge'], 'y\n', base);
    assert.equal(yes.code, 0, yes.output);
    assert.match(yes.output, new RegExp(`Deleted project shop \\(${project.id}\\)\\. Its folder ${escapeRe(dir)} was removed\\.`));
    assert.equal(existsSync(dir), false, 'the folder is gone');
    assert.ok(existsSync(base), 'and nothing around it');
    await assertProjectGone(project);
  });

  it("a folder owned by root: the container runs as the default 1000:1000, never root; info and info --json say so", async () => {
    const dir = join(base, 'rootowned');
    mkdirSync(dir, { mode: 0o755 });
    writeFileSync(join(dir, 'hello.txt'), 'hello\n');
    assert.equal(lstatSync(dir).uid, 0);
    const project = JSON.parse(ok(await cli(['create', 'rootp', '--path', dir, '--template', 'blank', '--json']), 'create --path').stdout) as Project;
    made.push(project.id);
    ok(await cli(['start', 'rootp']), 'start');

    const note = `the folder ${dir} belongs to root; containers never run as root, so commands run as 1000:1000 and may not be able to write in it`;
    const info = ok(await cli(['info'], dir), 'info').stdout;
    assert.match(info, new RegExp(`Runs as\\s+uid 1000, gid 1000 \\(the default user\\): ${escapeRe(note)}`));
    const json = JSON.parse(ok(await cli(['info', '--json'], dir), 'info --json').stdout) as Project & { chosen_by: string; runs_as: ContainerStatus['user'] | null };
    assert.equal(json.chosen_by, 'folder');
    assert.deepEqual(json.runs_as, { uid: 1000, gid: 1000, source: 'default', note });

    // What the container really runs as: 1000:1000, which may read the folder but not write in it, as info warns.
    assert.equal(ok(await cli(['run', '-p', 'rootp', '--', 'sh', '-c', 'id -u; id -g; cat hello.txt']), 'run id').stdout, '1000\n1000\nhello\n');
    const write = await cli(['run', '-p', 'rootp', '--', 'sh', '-c', 'echo x > made.txt']);
    assert.notEqual(write.code, 0, 'uid 1000 cannot write in a folder of root');
    assert.match(write.stderr, /Permission denied/i);
    assert.equal(existsSync(join(dir, 'made.txt')), false);

    // --purge of a folder that is no git repository says no word of .git.
    const purged = ok(await cli(['delete', 'rootp', '--purge', '--force']), 'delete --purge --force');
    assert.match(purged.stderr, new RegExp(`--purge removes the folder ${escapeRe(dir)} from disk with everything in it: 1 file \\(6 B\\)\\.\\n`));
    assert.equal(existsSync(dir), false);
  });
});
