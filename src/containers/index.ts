/**
 * The containers domain: one isolated container per project, commands run in
 * it, runs recorded. The only folder that knows Docker exists (./docker/);
 * everything else here speaks the ContainerEngine interface.
 */
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  LogsQuery,
  RunListQuery,
  projectWorkspace,
  type ContainerLogs,
  type ContainerStatus,
  type EngineInfo,
  type EngineStatus,
  type ExecuteInput,
  type ImageStatus,
  type LogLine,
  type PageOf,
  type Project,
  type Run,
  type RunSummary,
  type ZeblitPaths,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { TEMPLATES } from '../projects/index.ts';
import { DockerEngine } from './docker/engine.ts';
import { Emitter, type ContainerEvents } from './emitter.ts';
import { Executor, type RunContext } from './exec/executor.ts';
import type { KillSignal } from './exec/process.ts';
import { KILL_SCRIPT } from './exec/fallback.ts';
import type { ActiveRun } from './exec/run.ts';
import { EngineGate } from './gate.ts';
import { Images } from './images.ts';
import { Lifecycle } from './lifecycle.ts';
import { Monitor } from './monitor.ts';
import { realTimers, silentLog, type ContainersOptions, type Log } from './options.ts';
import { LABEL_CONFIG, defaultContainerUser, ownLabels, type WorkspaceMode } from './profile.ts';
import { discoverEndpoint } from './discovery.ts';
import type { Endpoint } from './engine.ts';
import { WorkspaceChannel } from './workspace-channel.ts';
import { reconcile, type ReconcileReport } from './reconcile.ts';
import { statusOf } from './state.ts';
import { ContainerStore } from './store.ts';

export type { ContainerEngine, Endpoint } from './engine.ts';
export type { ContainerEvents, ContainerStatusEvent, RunFinishedEvent, RunSource } from './emitter.ts';
export type { RunContext } from './exec/executor.ts';
export type { ActiveRun, RunRecord } from './exec/run.ts';
export type { KillSignal } from './exec/process.ts';
export type { ContainersOptions, Log } from './options.ts';
export type { ReconcileReport } from './reconcile.ts';
export { EngineGate } from './gate.ts';
export { DockerEngine } from './docker/engine.ts';
export { candidateSockets, describeEndpoint, discoverEndpoint, parseDockerHost, DOCKER_SUGGESTION } from './discovery.ts';
export { LABEL_HOME, LABEL_MANAGED, LABEL_PROJECT, LABEL_WORKSPACE, containerName, networkName, ownLabels, volumeName, workspaceVolumeName, type WorkspaceMode } from './profile.ts';
export type { WorkspaceChannel } from './workspace-channel.ts';
export * as containerTables from './containers.sql.ts';

export class Containers {
  /** build.status, container.status, run.output, run.finished: subscribe here. */
  readonly events: Emitter<ContainerEvents>;
  readonly gate: EngineGate;
  readonly images: Images;
  private readonly store: ContainerStore;
  private readonly lifecycle: Lifecycle;
  private readonly executor: Executor;
  private readonly monitor: Monitor;
  private readonly log: Log;
  private readonly now: () => number;
  private reconciled = false;
  private reconciling: Promise<ReconcileReport> | null = null;
  private offGate: (() => void) | null = null;
  private readonly owner: Record<string, string>;
  private readonly mode: WorkspaceMode;
  private readonly runGates = new Set<(projectId: string) => Promise<void>>();
  /** Archive mode's copies in and out of containers (see workspace-channel.ts). */
  readonly workspaceChannel: WorkspaceChannel;

  constructor(db: Db, paths: ZeblitPaths, opts: ContainersOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.log = opts.log ?? silentLog;
    this.events = new Emitter<ContainerEvents>((err, type) => this.log.error({ err, type }, 'a containers event subscriber failed'));
    this.gate = new EngineGate({
      factory: opts.factory ?? ((endpoint, onDown) => new DockerEngine(endpoint, onDown)),
      discover: opts.discover,
      now: this.now,
      retryMs: opts.engineRetryMs,
    });
    this.images = new Images({ templates: TEMPLATES, overrides: opts.images, publish: (s) => this.events.emit('build.status', s), now: this.now });
    this.store = new ContainerStore(db, this.now);
    const workspace = (id: string) => projectWorkspace(paths, id);
    const owner = ownLabels(paths.home);
    this.mode = resolveWorkspaceMode(opts.workspaceMode ?? 'auto', opts.discover ?? (() => discoverEndpoint()));
    const user = opts.user ?? defaultContainerUser();
    this.lifecycle = new Lifecycle({
      gate: this.gate,
      images: this.images,
      store: this.store,
      events: this.events,
      workspace,
      homeDir: (id) => join(paths.projects, id, 'home'),
      user,
      owner,
      now: this.now,
      log: this.log,
      runner: opts.runner ?? true,
      runnerReadyTimeoutMs: opts.runnerReadyTimeoutMs ?? 5_000,
      runnerAckTimeoutMs: opts.killDeadlineMs ?? 3_000,
      stopTimeoutSeconds: opts.stopTimeoutSeconds ?? 5,
      workspaceMode: this.mode,
    });
    this.workspaceChannel = new WorkspaceChannel({ gate: this.gate, lifecycle: this.lifecycle, project: (id) => this.store.project(id), user });
    this.executor = new Executor({
      lifecycle: this.lifecycle,
      store: this.store,
      events: this.events,
      workspace,
      now: this.now,
      log: this.log,
      killGraceMs: opts.killGraceMs ?? 2_000,
      killDeadlineMs: opts.killDeadlineMs ?? 3_000,
      outputCapBytes: opts.outputCapBytes ?? 1 << 20,
      runTailBytes: opts.runTailBytes ?? 64 * 1024,
      beforeRun: (projectId) => Promise.all([...this.runGates].map((gate) => gate(projectId))).then(() => undefined),
    });
    this.monitor = new Monitor({
      gate: this.gate,
      lifecycle: this.lifecycle,
      project: (id) => this.store.project(id),
      now: this.now,
      log: this.log,
      timers: opts.timers ?? realTimers,
      idleCheckMs: opts.idleCheckMs ?? 60_000,
      healthCheckMs: opts.healthCheckMs ?? 30_000,
      owner,
    });
    this.owner = owner;
  }

  /** Health and idle monitoring, Docker events, and reconciliation whenever the engine (re)appears. */
  startBackground(): void {
    this.monitor.start();
    this.offGate ??= this.gate.onChange((up) => {
      if (up && !this.reconciled) void this.reconcile().catch((err) => this.log.warn({ err }, 'reconciliation failed'));
    });
  }

  /** Adopt, clean up, correct (see reconcile.ts). Throws DOCKER_UNAVAILABLE when the engine is down; runs again when it returns. */
  reconcile(): Promise<ReconcileReport> {
    this.reconciling ??= reconcile({
      gate: this.gate,
      lifecycle: this.lifecycle,
      store: this.store,
      log: this.log,
      now: this.now,
      owner: this.owner,
      activeRuns: () => new Set(this.executor.active.keys()),
    })
      .then((r) => {
        this.reconciled = true;
        return r;
      })
      .finally(() => {
        this.reconciling = null;
      });
    return this.reconciling;
  }

  /**
   * Whether this project's container sees the host folder (`bind`) or has a
   * workspace of its own kept in step by archive copies (`archive`): the mode
   * of the container last attached, else the mode a new container would get.
   */
  workspaceMode(project: Project | string): WorkspaceMode {
    return this.lifecycle.workspaceModeOf(typeof project === 'string' ? project : project.id);
  }

  /**
   * Something every command of a project waits for once its container runs:
   * in archive mode, the copy of the workspace into a container that just
   * started (the first command must see the files). Returns the unsubscribe.
   */
  beforeRun(gate: (projectId: string) => Promise<void>): () => void {
    this.runGates.add(gate);
    return () => this.runGates.delete(gate);
  }

  engineStatus(): Promise<EngineStatus> {
    return this.gate.status();
  }

  /** The engine's status and what it says about itself (limits it can enforce), for `zeblit doctor`. */
  async engineInfo(): Promise<EngineInfo> {
    const status = await this.gate.status();
    const none = { os: null, cgroup_version: null, cpus: null, memory_bytes: null, containers_running: null, system_time: null, limits: null, warnings: [] };
    if (!status.reachable) return { ...status, ...none };
    try {
      const engine = await this.gate.get();
      const f = engine.facts ? await engine.facts() : null;
      if (!f) return { ...status, ...none };
      return { ...status, os: f.os, cgroup_version: f.cgroupVersion, cpus: f.cpus, memory_bytes: f.memoryBytes, containers_running: f.containersRunning, system_time: f.systemTime, limits: f.limits, warnings: f.warnings };
    } catch (e) {
      return { ...status, reachable: false, error: e instanceof Error ? e.message : String(e), ...none };
    }
  }

  imageStatus(): ImageStatus[] {
    return this.images.status();
  }

  /** imageStatus(), with what is not resolved yet looked up in the engine (no pull). */
  async imagePresence(): Promise<ImageStatus[]> {
    return this.images.presence(await this.gate.get());
  }

  // ---- lifecycle ----

  /** Auto-start on access, for any domain that needs the container (files, scheduler). */
  async ensureRunning(project: Project): Promise<ContainerStatus> {
    return this.statusNow(await this.lifecycle.ensureRunning(project));
  }

  async start(project: Project): Promise<ContainerStatus> {
    return this.statusNow(await this.lifecycle.start(project));
  }

  async stop(project: Project): Promise<ContainerStatus> {
    return this.statusNow(await this.lifecycle.stop(project));
  }

  async restart(project: Project): Promise<ContainerStatus> {
    return this.statusNow(await this.lifecycle.restart(project));
  }

  /** Fresh from the engine: a container that died since is reported with its reason. */
  async status(project: Project): Promise<ContainerStatus> {
    const live = this.lifecycle.live(project);
    const engine = await this.gate.get();
    if (live.containerId) {
      const info = await engine.inspectContainer(live.containerId);
      if (!info) {
        live.containerId = null;
        live.spawner?.close();
        live.spawner = null;
        this.lifecycle.setState(live, 'absent', 'the container was removed outside Zeblit');
      } else if (live.state === 'running' && !info.running) this.lifecycle.markDied(live, info.exitCode, info.oomKilled, info.error);
    }
    return this.statusNow(live);
  }

  /** Called by Projects before a project goes. */
  async onProjectDeleted(project: Project): Promise<void> {
    for (const run of [...this.executor.active.values()]) if (run.row.project_id === project.id) await this.executor.kill(run, 'KILL', 'user');
    await this.lifecycle.remove(project);
  }

  // ---- commands ----

  /** Starts a command (auto-starting the container). Wait on `run.finished`, listen to it, or leave it (detach). */
  run(ctx: RunContext, project: Project, input: ExecuteInput, signal?: AbortSignal): Promise<ActiveRun> {
    return this.executor.start(ctx, project, input, signal);
  }

  getRun(project: Project, runId: string): Run {
    return this.executor.get(project.id, runId);
  }

  listRuns(project: Project, query: RunListQuery = {}): PageOf<RunSummary> {
    return this.executor.list(project.id, RunListQuery.parse(query));
  }

  killRun(project: Project, runId: string, signal: KillSignal = 'TERM'): Promise<Run> {
    this.executor.get(project.id, runId);
    return this.executor.killById(project.id, runId, signal);
  }

  /**
   * Kills what is left in the project's container of runs a previous daemon
   * started (every process of a run carries ZEBLIT_RUN_TAG=<run id>). The
   * runner kills its commands itself when the daemon goes away; commands
   * started by one `docker exec` each (images without perl) live on until this.
   * Returns how many runs were looked for; 0 when the container is not running.
   */
  async killLeftovers(projectId: string, runIds: string[]): Promise<number> {
    const project = this.store.project(projectId);
    if (!project || runIds.length === 0) return 0;
    const live = this.lifecycle.live(project);
    if (live.state !== 'running' || !live.containerId) return 0;
    const engine = await this.gate.get();
    for (const tag of runIds) {
      const ex = await engine.exec(live.containerId, { cmd: ['sh', '-c', KILL_SCRIPT, 'zeblit-kill', 'KILL', tag], stdin: false });
      ex.onOutput(() => {});
      await ex.finished;
    }
    return runIds.length;
  }

  // ---- logs and files ----

  async logs(project: Project, query: LogsQuery = {}): Promise<ContainerLogs> {
    const q = LogsQuery.parse(query);
    const id = await this.existingContainer(project);
    if (!id) return { lines: [] };
    const engine = await this.gate.get();
    return { lines: await engine.logs(id, { tail: q.tail, since: q.since }) };
  }

  async followLogs(project: Project, query: LogsQuery, onLine: (l: LogLine) => void, signal: AbortSignal): Promise<void> {
    const q = LogsQuery.parse(query);
    const id = await this.existingContainer(project);
    if (!id) return;
    await (await this.gate.get()).followLogs(id, { tail: q.tail, since: q.since }, onLine, signal);
  }

  /** Extracts a tar archive into `dir` in the project's container (started when needed). */
  async putArchive(project: Project, dir: string, tar: Buffer | Readable): Promise<void> {
    const live = await this.lifecycle.ensureRunning(project);
    await (await this.gate.get()).putArchive(live.containerId ?? '', dir, tar);
  }

  /** A tar archive of `path` in the project's container; null when it does not exist. */
  async getArchive(project: Project, path: string): Promise<Readable | null> {
    const live = await this.lifecycle.ensureRunning(project);
    return (await this.gate.get()).getArchive(live.containerId ?? '', path);
  }

  /** Stops the monitors and closes every channel (each runner kills its commands). Containers keep running: the next daemon adopts them. */
  async close(): Promise<void> {
    this.monitor.stop();
    this.offGate?.();
    for (const run of [...this.executor.active.values()]) void this.executor.kill(run, 'KILL', 'user');
    for (const live of this.lifecycle.lives.values()) {
      live.spawner?.close();
      live.spawner = null;
    }
  }

  /** For tests and the benchmark: the monitors' checks, on demand. */
  get checks() {
    return { idle: () => this.monitor.checkIdle(), health: () => this.monitor.checkHealth() };
  }

  private async existingContainer(project: Project): Promise<string | null> {
    const live = this.lifecycle.live(project);
    await this.gate.get();
    return live.containerId;
  }

  private statusNow(live: ReturnType<Lifecycle['live']>): ContainerStatus {
    const desired = live.image ? this.lifecycle.desiredSpec(live.project, live.image).labels[LABEL_CONFIG] ?? null : null;
    return statusOf(live, desired);
  }
}
export { bridgeEvents } from './bridge.ts';

/** `auto`: archive when the engine is not on this machine (tcp://, ssh://), whose daemon cannot see our folders. */
export function resolveWorkspaceMode(mode: 'auto' | WorkspaceMode, discover: () => Endpoint): WorkspaceMode {
  if (mode !== 'auto') return mode;
  try {
    return discover().kind === 'unix' ? 'bind' : 'archive';
  } catch {
    return 'bind'; // an unusable DOCKER_HOST: the engine is reported unavailable elsewhere
  }
}
