/**
 * The git CLI, run by the daemon on the host: cloning a repository for a new
 * folder project, and committing an agent turn's files. Always execFile (no
 * shell), arguments after `--` where git allows it, no terminal prompts, and
 * only the https, ssh and file transports (git's ext:: runs commands). Git
 * runs as the folder's owner when the daemon is root, so what it writes in
 * .git/ stays the user's; never a push.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, lstatSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { ZeblitError } from '../contracts/index.ts';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface GitOptions {
  cwd: string;
  /** Run as this user (only when the daemon is root). */
  user?: { uid: number; gid: number } | null;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  input?: string;
}

/** Runs git; never throws for a non-zero exit (the caller reads `code`), throws when git cannot start. */
export function git(args: string[], opts: GitOptions): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...opts.env,
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    GIT_ALLOW_PROTOCOL: 'https:ssh:file',
    LC_ALL: 'C',
  };
  return new Promise((resolvePromise, reject) => {
    const child = execFile(
      'git',
      args,
      { cwd: opts.cwd, env, timeout: opts.timeoutMs ?? 60_000, maxBuffer: 16 * 1024 * 1024, ...(opts.user ? { uid: opts.user.uid, gid: opts.user.gid } : {}) },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') return reject(new ZeblitError('UNAVAILABLE', 'git is not installed on this machine', { suggestion: 'Install git, then try again.' }));
          return reject(err);
        }
        if (err && (err as { killed?: boolean }).killed) return reject(new ZeblitError('TIMEOUT', `git ${args[0] ?? ''} took too long and was stopped`));
        const exit = err ? Number((err as { code?: number }).code ?? 1) : 0;
        resolvePromise({ code: exit, stdout: String(stdout), stderr: String(stderr) });
      },
    );
    // stdin always ends: git must never wait on it. A git that exits without reading it (most commands, or any
    // that fails early) makes this write fail with EPIPE: harmless, its exit status says what happened, and
    // unhandled it would be an uncaught exception in the daemon.
    child.stdin?.on('error', () => {});
    if (opts.input) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** When the daemon is root: the owner of `dir` (git then runs as them); otherwise null (git runs as the daemon's user). */
export function ownerToRunAs(dir: string): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const st = statSync(dir);
  return st.uid === 0 ? null : { uid: st.uid, gid: st.gid };
}

/** `-c safe.directory=<folder>`: a root daemon reading a user's repository would otherwise meet git's "dubious ownership" refusal. */
const safeDir = (folder: string) => ['-c', `safe.directory=${folder}`];

const firstLines = (text: string, n = 6) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join('\n');

export interface CloneInput {
  url: string;
  branch?: string;
  /** Where the clone goes: must not exist, or be an empty folder. */
  target: string;
  timeoutMs?: number;
}

/**
 * Clones into `target`. On failure nothing is left behind: a folder we made
 * is removed, an empty folder that was there is emptied again.
 */
export async function cloneRepository(input: CloneInput): Promise<void> {
  const { url, branch, target } = input;
  const existed = existsSync(target);
  if (existed) {
    const st = lstatSync(target);
    if (!st.isDirectory()) throw new ZeblitError('CONFLICT', `${target} exists and is not a folder`, { suggestion: 'Give another --path for the clone.' });
    if (readdirSync(target).length > 0) throw new ZeblitError('CONFLICT', `${target} exists and is not empty`, { suggestion: 'Give another --path for the clone, or make an existing folder a project with --path alone.' });
  }
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const user = ownerToRunAs(existed ? target : parent);
  if (!existed) mkdirSync(target);
  const cleanUp = () => {
    if (existed) for (const name of readdirSync(target)) rmSync(`${target}/${name}`, { recursive: true, force: true });
    else rmSync(target, { recursive: true, force: true });
  };
  if (user && !existed) chownSync(target, user.uid, user.gid);
  let res: GitResult;
  try {
    res = await git(['clone', '--quiet', ...(branch ? ['--branch', branch] : []), '--', url, target], { cwd: parent, user, timeoutMs: input.timeoutMs ?? 10 * 60_000 });
  } catch (e) {
    cleanUp();
    throw e;
  }
  if (res.code !== 0) {
    cleanUp();
    throw new ZeblitError('BAD_REQUEST', `git clone of ${url} failed: ${firstLines(res.stderr) || `exit code ${res.code}`}`, {
      suggestion: 'Check the URL and the branch; credentials are your git\'s business (a credential helper, an ssh agent): try `git clone` yourself first.',
    });
  }
}

export interface CommitInput {
  folder: string;
  /** Paths relative to the folder (the turn's files). */
  paths: string[];
  message: string;
  /** "Name <email>", or null for the repository's own identity. */
  author: string | null;
}

export interface CommitResult {
  commit: string | null;
  /** Why nothing was committed (null when a commit was made). */
  note: string | null;
}

const FALLBACK_IDENTITY = { name: 'Zeblit', email: 'zeblit@localhost' };

/**
 * Commits exactly the given paths on the current branch (other staged work of
 * the user stays staged and uncommitted): not in a git repository, on a
 * detached HEAD, during a merge, rebase, cherry-pick or revert, or with
 * nothing to commit, it commits nothing and says why.
 */
export async function commitPaths(input: CommitInput): Promise<CommitResult> {
  const { folder } = input;
  const user = ownerToRunAs(folder);
  const run = (args: string[], extra: Partial<GitOptions> = {}) => git([...safeDir(folder), ...args], { cwd: folder, user, ...extra });
  const top = await run(['rev-parse', '--show-toplevel']);
  if (top.code !== 0) return { commit: null, note: `not a git repository (${top.stderr.trim().split('\n')[0] ?? ''})` };
  // An operation in progress first: a rebase also detaches HEAD, and "detached HEAD" alone would hide why.
  for (const [marker, what] of [
    ['MERGE_HEAD', 'a merge'],
    ['rebase-merge', 'a rebase'],
    ['rebase-apply', 'a rebase'],
    ['CHERRY_PICK_HEAD', 'a cherry-pick'],
    ['REVERT_HEAD', 'a revert'],
  ] as const) {
    const p = await run(['rev-parse', '--git-path', marker]);
    const path = p.stdout.trim();
    if (p.code === 0 && path && existsSync(path.startsWith('/') ? path : `${folder}/${path}`)) return { commit: null, note: `${what} is in progress` };
  }
  const head = await run(['symbolic-ref', '-q', 'HEAD']);
  if (head.code !== 0) return { commit: null, note: 'detached HEAD' };
  if (input.paths.length === 0) return { commit: null, note: 'the turn changed no files' };
  // Paths git ignores would make `git add` fail: leave them out.
  const ignored = await run(['check-ignore', '--stdin', '-z'], { input: input.paths.join('\0') });
  const skip = new Set(ignored.stdout.split('\0').filter(Boolean));
  const paths = input.paths.filter((p) => !skip.has(p));
  if (paths.length === 0) return { commit: null, note: 'every file of the turn is ignored by git' };
  const spec = paths.map((p) => `:(literal)${p}`);
  const add = await run(['add', '-A', '--', ...spec]);
  if (add.code !== 0) return { commit: null, note: `git add failed: ${firstLines(add.stderr, 3)}` };
  const staged = await run(['diff', '--cached', '--quiet', '--', ...spec]);
  if (staged.code === 0) return { commit: null, note: 'nothing to commit (the files match HEAD)' };
  // Without an identity of its own (a fresh machine, a root daemon) git refuses to commit: the author, else Zeblit, stands in.
  const ident = await identity(run, input.author);
  const commit = await run(['commit', '--quiet', '--no-verify', '-F', '-', ...(input.author ? ['--author', input.author] : []), '--', ...spec], { input: input.message, env: ident });
  if (commit.code !== 0) return { commit: null, note: `git commit failed: ${firstLines(commit.stderr || commit.stdout, 3)}` };
  const sha = await run(['rev-parse', 'HEAD']);
  return { commit: sha.stdout.trim() || null, note: null };
}

async function identity(run: (args: string[]) => Promise<GitResult>, author: string | null): Promise<NodeJS.ProcessEnv> {
  const email = await run(['config', 'user.email']);
  const name = await run(['config', 'user.name']);
  if (email.code === 0 && name.code === 0 && email.stdout.trim() && name.stdout.trim()) return {};
  const m = author ? /^(.+) <(.+)>$/.exec(author) : null;
  const who = m ? { name: m[1] ?? FALLBACK_IDENTITY.name, email: m[2] ?? FALLBACK_IDENTITY.email } : FALLBACK_IDENTITY;
  return { GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email };
}
