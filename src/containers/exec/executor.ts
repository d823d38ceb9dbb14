/**
 * Runs commands in project containers and records every run. Invariants: a
 * run's record is written before it starts and finished exactly once; a run
 * that times out or is killed answers only after every signal reached its
 * whole process tree, and answers within a bounded time even when the
 * container's side stops answering (each kill step has a deadline); output
 * kept in memory is bounded per run (CappedOutput), whatever the command prints.
 */
import { lstatSync } from 'node:fs';
import { join, posix } from 'node:path';
import {
  WORKSPACE_DIR,
  ZeblitError,
  newId,
  notFound,
  type ClientType,
  type ExecuteInput,
  type ExecuteResult,
  type PageOf,
  type Project,
  type Run,
  type RunStatus,
  type RunSummary,
} from '../../contracts/index.ts';
import type { ContainerEvents, Emitter, RunSource } from '../emitter.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Log } from '../options.ts';
import type { Live } from '../state.ts';
import { toRunSummary, type ContainerStore } from '../store.ts';
import type { KillSignal, ProcessExit } from './process.ts';
import { ActiveRun } from './run.ts';

/** Who asked, for the run record. */
export interface RunContext {
  userId: string | null;
  keyId: string | null;
  clientType: ClientType | null;
  /** Whose command it is, for the console (default 'exec': a person through the API). */
  source?: RunSource;
}

export interface ExecutorDeps {
  lifecycle: Lifecycle;
  store: ContainerStore;
  events: Emitter<ContainerEvents>;
  workspace: (projectId: string) => string;
  now: () => number;
  log: Log;
  killGraceMs: number;
  /**
   * How long one kill step may wait on the container's side: for the signal to
   * be delivered, and for the command to end after SIGKILL. Past it the run is
   * finished without that answer (the runner channel gives itself up at the
   * same deadline, see RunnerChannel.kill). Default 3 s.
   */
  killDeadlineMs?: number;
  outputCapBytes: number;
  runTailBytes: number;
  /** Shortest gap between two writes of last_active_at to the database. */
  activityPersistMs?: number;
  /** Awaited after the container runs and before a command starts (archive mode: the workspace copied in). */
  beforeRun?: (projectId: string) => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

export class Executor {
  readonly active = new Map<string, ActiveRun>();

  constructor(private readonly d: ExecutorDeps) {}

  /**
   * Starts a run. Resolves once it has started (`run`) — the caller waits on
   * `run.finished` for the result, listens for output, or lets it be (detach).
   */
  async start(ctx: RunContext, project: Project, input: ExecuteInput, signal?: AbortSignal): Promise<ActiveRun> {
    this.checkCwd(project.id, input.cwd);
    const argv = typeof input.command === 'string' ? ['sh', '-c', input.command] : input.command;
    const live = await this.d.lifecycle.ensureRunning(project);
    await this.d.beforeRun?.(project.id);
    const spawner = live.spawner;
    if (!spawner) throw new ZeblitError('UNAVAILABLE', 'The container has no way in right now; try again', { suggestion: 'Restart it: zeblit restart' });
    const startedAt = this.d.now();
    const row = {
      id: newId('run', startedAt),
      project_id: project.id,
      user_id: ctx.userId,
      key_id: ctx.keyId,
      client_type: ctx.clientType,
      command: typeof input.command === 'string' ? input.command : input.command.map(quote).join(' '),
      argv,
      cwd: input.cwd,
      status: 'running' as const,
      channel: spawner.kind,
      detached: input.detach,
      exit_code: null,
      timed_out: false,
      oom_killed: false,
      error: null,
      stdout_tail: '',
      stderr_tail: '',
      stdout_bytes: 0,
      stderr_bytes: 0,
      started_at: startedAt,
      finished_at: null,
      duration_ms: null,
    };
    this.d.store.insertRun(row);
    const source = ctx.source ?? 'exec';
    const run = new ActiveRun(
      row,
      spawner.kind,
      this.d.outputCapBytes,
      this.d.runTailBytes,
      (stream, chunk) => this.d.events.emit('run.output', { project_id: project.id, run_id: row.id, stream, chunk, source }),
      () => this.d.events.has('run.output'),
    );
    run.source = source;
    this.active.set(run.id, run);
    live.activeRuns.add(run.id);
    this.touch(live);
    const proc = spawner.spawn({ argv, env: { ...project.settings.env, ...input.env }, cwd: input.cwd, tag: run.id, stdin: input.stdin !== undefined }, run);
    run.proc = proc;
    if (input.stdin !== undefined) {
      proc.write(Buffer.from(input.stdin, 'utf8'));
      proc.endInput();
    }
    const timer = setTimeout(() => void this.kill(run, 'TERM', 'timeout'), input.timeout_seconds * 1000);
    const onAbort = () => void this.kill(run, 'TERM', 'user');
    if (!input.detach) signal?.addEventListener('abort', onAbort, { once: true });
    const forced = new Promise<ProcessExit>((resolve) => (run.forceExit = resolve));
    void Promise.race([proc.done, forced]).then(async (exit) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      await run.killing;
      this.finish(live, run, exit);
    });
    return run;
  }

  /** Signals a run's whole tree. TERM and INT escalate to KILL after the grace period, stragglers included. */
  kill(run: ActiveRun, signal: KillSignal, cause: 'timeout' | 'user'): Promise<void> {
    const proc = run.proc;
    if (!proc || run.status !== 'running') return Promise.resolve();
    run.killCause ??= cause;
    const previous = run.killing ?? Promise.resolve();
    const deadline = this.d.killDeadlineMs ?? 3_000;
    run.killing = previous.then(async () => {
      if (signal !== 'KILL') {
        await Promise.race([proc.kill(signal), sleep(deadline)]);
        await Promise.race([proc.done, sleep(this.d.killGraceMs)]);
      }
      await Promise.race([proc.kill('KILL'), sleep(deadline)]);
      const ended = await Promise.race([proc.done.then(() => true), sleep(deadline).then(() => false)]);
      // SIGKILL was sent and nothing came back: the answer does not wait for a container that no longer answers.
      if (!ended) run.forceExit?.({ exitCode: null, signal: null, error: `no exit status came within ${deadline} ms of SIGKILL` });
    });
    return run.killing;
  }

  async killById(projectId: string, runId: string, signal: KillSignal): Promise<Run> {
    const run = this.active.get(runId);
    if (run && run.row.project_id === projectId) {
      await this.kill(run, signal, 'user');
      await run.finished;
    }
    return this.get(projectId, runId);
  }

  get(projectId: string, runId: string): Run {
    const run = this.active.get(runId);
    if (run && run.row.project_id === projectId && !run.result) return run.snapshot({ ...toRunSummary(run.row), status: 'running' });
    const row = this.d.store.getRun(projectId, runId);
    if (!row) throw notFound(`Run ${runId}`, 'List the runs of the project with GET /projects/{id}/runs.');
    const cap = this.d.runTailBytes;
    return {
      ...toRunSummary(row),
      stdout: row.stdout_tail,
      stderr: row.stderr_tail,
      stdout_truncated: row.stdout_bytes > Buffer.byteLength(row.stdout_tail) || row.stdout_bytes > cap,
      stderr_truncated: row.stderr_bytes > Buffer.byteLength(row.stderr_tail) || row.stderr_bytes > cap,
      stdout_bytes: row.stdout_bytes,
      stderr_bytes: row.stderr_bytes,
    };
  }

  list(projectId: string, q: { status?: RunStatus; limit: number; offset: number }): PageOf<RunSummary> {
    return this.d.store.listRuns(projectId, q);
  }

  /** Activity keeps a container from going idle; the database hears of it at most every few seconds. */
  touch(live: Live): void {
    live.lastActive = this.d.now();
    if (live.lastActive - live.persistedActive >= (this.d.activityPersistMs ?? 10_000)) this.d.lifecycle.persist(live);
  }

  private finish(live: Live, run: ActiveRun, exit: ProcessExit): void {
    const finishedAt = this.d.now();
    const cause = run.killCause;
    const oom = cause === null && this.oomKilled(live, run, exit);
    const status: RunStatus =
      cause === 'timeout' ? 'timed_out' : cause === 'user' ? 'killed' : exit.error !== null && exit.exitCode === null ? 'failed' : 'exited';
    const result: ExecuteResult = {
      run_id: run.id,
      status,
      exit_code: exit.exitCode,
      stdout: run.stdout.text(),
      stderr: run.stderr.text(),
      stdout_truncated: run.stdout.truncated,
      stderr_truncated: run.stderr.truncated,
      stdout_bytes: run.stdout.total,
      stderr_bytes: run.stderr.total,
      duration_ms: finishedAt - run.row.started_at,
      timed_out: cause === 'timeout',
      oom_killed: oom,
      error: exit.error ?? (oom ? 'killed by the kernel: the container ran out of memory' : null),
    };
    try {
      this.d.store.finishRun(run.id, {
        status,
        exit_code: result.exit_code,
        timed_out: result.timed_out,
        oom_killed: oom,
        error: result.error,
        stdout_tail: run.stdout.last(this.d.runTailBytes),
        stderr_tail: run.stderr.last(this.d.runTailBytes),
        stdout_bytes: result.stdout_bytes,
        stderr_bytes: result.stderr_bytes,
        finished_at: finishedAt,
        duration_ms: result.duration_ms,
      });
    } catch (err) {
      // The project may have been deleted while the command ran: the row went with it.
      this.d.log.debug({ err, run_id: run.id }, 'run record not updated');
    }
    live.activeRuns.delete(run.id);
    this.touch(live);
    this.active.delete(run.id);
    run.finish(result);
    this.d.events.emit('run.finished', { project_id: run.row.project_id, run_id: run.id, status, exit_code: exit.exitCode, at: finishedAt, source: run.source });
  }

  /**
   * Whether the kernel's OOM killer ended this run. The runner judges it
   * itself, in the container (see runner.pl). A `docker exec` says nothing, so
   * there a run that ended by SIGKILL (137: the shell reports its child's
   * SIGKILL so too) gets the OOM event Docker reported while it ran, and that
   * event is then used up: one OOM kill is never given to a later run.
   */
  private oomKilled(live: Live, run: ActiveRun, exit: ProcessExit): boolean {
    if (exit.oomKilled !== undefined) return exit.oomKilled;
    if (exit.exitCode !== 137 || live.oomAt === null || live.oomAt < run.row.started_at) return false;
    live.oomAt = null;
    return true;
  }

  /**
   * The cwd exists (checked on the host side of the /workspace bind mount). In
   * archive mode the host folder is a mirror that lags behind the container:
   * the container is asked instead, when the command starts there.
   */
  private checkCwd(projectId: string, cwd: string): void {
    if (this.d.lifecycle.workspaceModeOf(projectId) === 'archive') return;
    const rel = posix.relative(WORKSPACE_DIR, cwd);
    const host = join(this.d.workspace(projectId), ...rel.split('/').filter(Boolean));
    try {
      lstatSync(host);
    } catch {
      throw new ZeblitError('BAD_REQUEST', `The folder ${cwd} does not exist in the workspace`, { suggestion: 'Create it first, or run from /workspace.' });
    }
  }
}

/** argv shown as a command line, quoted where needed. */
function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}
