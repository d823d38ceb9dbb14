/**
 * Git auto-commit (project setting git_commit) where it must refuse: an agent
 * turn of a folder project on a detached HEAD, in the middle of a conflicted
 * `git merge`, and in the middle of a `git rebase` stopped on a conflict. Real
 * git repositories, the real agent loop and SQLite, the fake LLM. A refused
 * turn commits nothing, leaves the repository's state (HEAD, refs, index,
 * conflict) as it was, keeps the turn's file on disk, and says why in the
 * checkpoint's commit_note. And never a push: a repository with an origin
 * gets its commit locally, the origin is never touched.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Checkpoint, Project } from '../contracts/index.ts';
import { agentsFixture, type AgentsFixture } from './testing.ts';

/** The test's own git (the daemon's runs with LC_ALL=C and safe.directory of its own). */
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'safe.directory=*', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
/** A git command expected to fail (a conflicting merge or rebase): its exit status. */
const gitFails = (cwd: string, ...args: string[]) => spawnSync('git', ['-c', 'safe.directory=*', ...args], { cwd, encoding: 'utf8' }).status;

/** What a refusal must leave as it was: where HEAD points, every ref, the index (conflict stages included), the in-progress markers. */
function repoState(repo: string) {
  const gitDir = join(repo, '.git');
  return {
    head: readFileSync(join(gitDir, 'HEAD'), 'utf8'),
    refs: git(repo, 'for-each-ref', '--format=%(refname) %(objectname)'),
    index: git(repo, 'ls-files', '--stage'),
    unmerged: git(repo, 'ls-files', '--unmerged'),
    markers: ['MERGE_HEAD', 'rebase-merge', 'rebase-apply'].filter((m) => existsSync(join(gitDir, m))),
  };
}

describe('git auto-commit refuses on a detached HEAD, during a merge, during a rebase; never pushes', () => {
  let f: AgentsFixture;
  let base: string;
  let n = 0;

  before(async () => {
    f = await agentsFixture();
    base = mkdtempSync(join(tmpdir(), 'zbl-gitcommit-'));
    chmodSync(base, 0o755);
  });
  after(async () => {
    await f.close();
    rmSync(base, { recursive: true, force: true });
  });
  beforeEach(() => f.fake.reset());

  /** A repository on branch main with one commit of shared.txt, and its folder project with git_commit on. */
  async function repoProject(): Promise<{ repo: string; project: Project }> {
    const repo = join(base, `repo${++n}`);
    mkdirSync(repo);
    git(repo, 'init', '-q', '-b', 'main');
    git(repo, 'config', 'user.name', 'Test');
    git(repo, 'config', 'user.email', 't@example.com');
    writeFileSync(join(repo, 'shared.txt'), 'base\n');
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', 'base');
    const project = f.projects.create(f.ownerId, { name: `repo${n}`, path: repo, settings: { git_commit: true } });
    await f.files.importFolder(project.id);
    return { repo, project };
  }

  /** shared.txt changed one way on main and another way on the branch `other` (checked out: main). */
  function divergent(repo: string): void {
    git(repo, 'checkout', '-q', '-b', 'other');
    writeFileSync(join(repo, 'shared.txt'), 'theirs\n');
    git(repo, 'commit', '-q', '-am', 'theirs');
    git(repo, 'checkout', '-q', 'main');
    writeFileSync(join(repo, 'shared.txt'), 'ours\n');
    git(repo, 'commit', '-q', '-am', 'ours');
  }

  /** One agent turn that writes `path`; returns its checkpoint (the commit or the note are set before chat returns). */
  async function turnWriting(project: Project, path: string, content: string): Promise<Checkpoint> {
    f.fake.script([{ tool_calls: [{ name: 'write_file', input: { path, content } }] }, { text: 'Written.' }]);
    const res = await f.agents.chat({ userId: f.ownerId, project }, { message: `write ${path}`, agent: 'engineer', stream: false }, {});
    assert.equal(res.status, 'completed', JSON.stringify(res.error));
    assert.deepEqual(res.files_changed, [path]);
    const cp = f.files.checkpoints.get(project.id, res.message_id);
    // The client hears the same outcome with the turn's response.
    assert.deepEqual(res.git, { commit: cp.commit, note: cp.commit_note });
    return cp;
  }

  /** The refusal's common part: no commit, the reason, the repository as it was, the file kept on disk and left untracked. */
  function assertRefused(cp: Checkpoint, repo: string, before: ReturnType<typeof repoState>, path: string, content: string, why: RegExp): void {
    assert.equal(cp.commit, null, `a commit was made: ${cp.commit}`);
    assert.match(cp.commit_note ?? '', why);
    assert.deepEqual(repoState(repo), before, 'HEAD, refs, index and the in-progress state are as they were');
    assert.equal(readFileSync(join(repo, path), 'utf8'), content, "the turn's file is on disk");
    assert.match(git(repo, 'status', '--porcelain', '--', path), new RegExp(`^\\?\\? ${path}\\n$`), 'untracked: nothing was staged');
  }

  it('on a branch with an origin: the turn is committed locally and nothing is pushed', async () => {
    const origin = join(base, 'origin.git');
    git(base, 'init', '-q', '--bare', '-b', 'main', origin);
    const { repo, project } = await repoProject();
    git(repo, 'remote', 'add', 'origin', origin);
    git(repo, 'push', '-q', '-u', 'origin', 'main');
    // A push would run this hook (even one that failed afterwards).
    const pushed = join(base, 'pushed');
    mkdirSync(join(repo, '.git', 'hooks'), { recursive: true });
    writeFileSync(join(repo, '.git', 'hooks', 'pre-push'), `#!/bin/sh\ntouch '${pushed}'\n`, { mode: 0o755 });
    const remoteBefore = git(origin, 'for-each-ref', '--format=%(refname) %(objectname)');
    const head0 = git(repo, 'rev-parse', 'HEAD').trim();

    const cp = await turnWriting(project, 'feature.txt', 'new\n');
    assert.equal(cp.commit_note, null);
    assert.equal(cp.commit, git(repo, 'rev-parse', 'HEAD').trim());
    assert.equal(git(repo, 'rev-parse', 'HEAD~1').trim(), head0, 'one commit on top, on main');
    assert.equal(git(repo, 'show', '--name-only', '--format=', 'HEAD'), 'feature.txt\n');
    assert.equal(git(origin, 'for-each-ref', '--format=%(refname) %(objectname)'), remoteBefore, 'the origin is untouched');
    assert.equal(existsSync(pushed), false, 'no push was attempted');
    assert.match(git(repo, 'status', '-sb').split('\n')[0] ?? '', /\[ahead 1\]/);
  });

  it('on a detached HEAD: no commit, "detached HEAD" noted, nothing lost', async () => {
    const { repo, project } = await repoProject();
    git(repo, 'checkout', '-q', '--detach', 'HEAD');
    const before = repoState(repo);
    const cp = await turnWriting(project, 'detached.txt', 'kept\n');
    assertRefused(cp, repo, before, 'detached.txt', 'kept\n', /detached HEAD/);
  });

  it('during a conflicted merge (MERGE_HEAD): no commit, "a merge is in progress" noted, the conflict and the file kept', async () => {
    const { repo, project } = await repoProject();
    divergent(repo);
    assert.equal(gitFails(repo, 'merge', '-q', 'other'), 1, 'the merge stops on a conflict');
    const conflicted = readFileSync(join(repo, 'shared.txt'), 'utf8');
    assert.match(conflicted, /<<<<<<< HEAD\nours\n=======\ntheirs\n>>>>>>> other\n/);
    const before = repoState(repo);
    assert.deepEqual(before.markers, ['MERGE_HEAD']);
    const cp = await turnWriting(project, 'during-merge.txt', 'kept\n');
    assertRefused(cp, repo, before, 'during-merge.txt', 'kept\n', /a merge is in progress/);
    assert.equal(readFileSync(join(repo, 'shared.txt'), 'utf8'), conflicted, 'the conflicted file is as git left it');
  });

  it('during a rebase stopped on a conflict: no commit, "a rebase is in progress" noted (not merely "detached HEAD"), nothing lost', async () => {
    const { repo, project } = await repoProject();
    divergent(repo);
    git(repo, 'checkout', '-q', 'other');
    assert.notEqual(gitFails(repo, 'rebase', 'main'), 0, 'the rebase stops on a conflict');
    const before = repoState(repo);
    assert.deepEqual(before.markers, ['rebase-merge']);
    assert.notEqual(before.unmerged, '', 'shared.txt is in conflict');
    const cp = await turnWriting(project, 'during-rebase.txt', 'kept\n');
    assertRefused(cp, repo, before, 'during-rebase.txt', 'kept\n', /a rebase is in progress/);
    // The user can still finish what they started: the rebase goes on from where it stopped.
    writeFileSync(join(repo, 'shared.txt'), 'resolved\n');
    git(repo, 'add', 'shared.txt');
    execFileSync('git', ['-c', 'safe.directory=*', '-c', 'core.editor=true', 'rebase', '--continue'], { cwd: repo, stdio: 'ignore' });
    assert.equal(git(repo, 'log', '-1', '--format=%s'), 'theirs\n');
    assert.equal(existsSync(join(repo, '.git', 'rebase-merge')), false);
  });
});
