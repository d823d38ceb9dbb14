/**
 * One container per project: created, started, stopped, restarted and removed
 * here. Invariants: lifecycle operations of one project run one at a time
 * (serialize); a running container always has a way in (the runner, else
 * docker exec); a runner is only ever opened in a container that has run
 * nothing since it started (one that runs already is restarted first: see
 * startLocked); the name zeblit-<project id> is the container's identity, so a
 * daemon that lost its database row finds and adopts it instead of creating a
 * duplicate.
 */
import { chownSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ZeblitError, type ContainerState, type Project } from '../contracts/index.ts';
import type { Emitter, ContainerEvents } from './emitter.ts';
import type { ContainerEngine, ContainerInfo, ContainerSpec } from './engine.ts';
import { ExecSpawner, KILL_SCRIPT } from './exec/fallback.ts';
import type { Spawner } from './exec/process.ts';
import type { EngineGate } from './gate.ts';
import type { Images } from './images.ts';
import type { Log } from './options.ts';
import {
  LABEL_CONFIG,
  LABEL_PROJECT,
  LABEL_WORKSPACE,
  buildSpec,
  containerName,
  networkName,
  volumeName,
  withEphemeralPorts,
  workspaceVolumeName,
  type ContainerUser,
  type WorkspaceMode,
} from './profile.ts';
import { RunnerChannel, type ChannelEnd } from './runner/channel.ts';
import { runnerScript } from './runner/script.ts';
import { exitReason, liveFromRow, serialize, type Live } from './state.ts';
import type { ContainerStore } from './store.ts';

export interface LifecycleDeps {
  gate: EngineGate;
  images: Images;
  store: ContainerStore;
  events: Emitter<ContainerEvents>;
  workspace: (projectId: string) => string;
  /** Host folder behind the home volume. */
  homeDir: (projectId: string) => string;
  user: ContainerUser;
  /** ownLabels() of this home: on every container, network and volume. */
  owner: Record<string, string>;
  now: () => number;
  log: Log;
  runner: boolean;
  runnerReadyTimeoutMs: number;
  /** How long the runner may take to answer a kill before its channel is given up. */
  runnerAckTimeoutMs: number;
  stopTimeoutSeconds: number;
  /** How new containers get their /workspace (see WorkspaceMode). */
  workspaceMode: WorkspaceMode;
}

const PORT_TAKEN = /port is already allocated|address already in use/i;

export class Lifecycle {
  readonly lives = new Map<string, Live>();

  constructor(private readonly d: LifecycleDeps) {}

  /** The in-memory record of a project's container, created from its row on first use. */
  live(project: Project): Live {
    let live = this.lives.get(project.id);
    if (!live) {
      live = liveFromRow(project, this.d.store.get(project.id));
      this.lives.set(project.id, live);
    } else live.project = project;
    return live;
  }

  /** Auto-start on access: free when it runs already, else one start however many callers ask. */
  async ensureRunning(project: Project): Promise<Live> {
    const live = this.live(project);
    if (live.state === 'running' && live.spawner?.alive) return live;
    return serialize(live, () => this.startLocked(live));
  }

  start(project: Project): Promise<Live> {
    return this.ensureRunning(project);
  }

  stop(project: Project, reason = 'stopped by request'): Promise<Live> {
    const live = this.live(project);
    return serialize(live, () => this.stopLocked(live, reason));
  }

  restart(project: Project): Promise<Live> {
    const live = this.live(project);
    return serialize(live, async () => {
      await this.stopLocked(live, 'restarting');
      return this.startLocked(live);
    });
  }

  /** How the project's container sees /workspace: the container last attached, else what a new one would get. */
  workspaceModeOf(projectId: string): WorkspaceMode {
    const live = this.lives.get(projectId);
    return live?.containerId && live.workspace ? live.workspace : this.d.workspaceMode;
  }

  /** The spec the project's settings ask for now (to tell whether the container is stale). */
  desiredSpec(project: Project, image: string): ContainerSpec {
    return buildSpec({ project, image, workspace: this.d.workspace(project.id), user: this.d.user, owner: this.d.owner, workspaceMode: this.d.workspaceMode });
  }

  /** Project deletion: container, network and volume go. When the engine is down, reconciliation removes them later. */
  async remove(project: Project): Promise<void> {
    const live = this.live(project);
    await serialize(live, async () => {
      live.spawner?.close();
      live.spawner = null;
      let engine: ContainerEngine;
      try {
        engine = await this.d.gate.get();
      } catch (e) {
        this.d.log.warn({ project_id: project.id, err: e }, 'engine unavailable: the container of a deleted project is left for reconciliation');
        return;
      }
      await removeProjectResources(engine, project.id);
    });
    this.lives.delete(project.id);
  }

  /** Docker said the container died (or the monitor found it so). Not a crash when Zeblit stopped it. */
  markDied(live: Live, exitCode: number | null, oomKilled: boolean, error: string | null): void {
    if (live.stopping || live.state !== 'running') return;
    live.spawner?.close();
    live.spawner = null;
    const at = this.d.now();
    live.exit = { exit_code: exitCode, oom_killed: oomKilled, reason: exitReason(exitCode, oomKilled, error), at };
    live.health = 'unknown';
    this.setState(live, 'exited', live.exit.reason);
  }

  setState(live: Live, state: ContainerState, reason: string | null): void {
    const previous = live.state;
    live.state = state;
    this.persist(live);
    if (previous === state) return;
    const exit = state === 'exited' || state === 'stopped' ? live.exit : null;
    this.d.events.emit('container.status', {
      project_id: live.project.id,
      state,
      previous,
      reason,
      exit_code: exit?.exit_code ?? null,
      oom_killed: exit?.oom_killed ?? false,
      at: this.d.now(),
    });
  }

  persist(live: Live): void {
    this.d.store.upsert(live.project.id, containerName(live.project.id), {
      container_id: live.containerId,
      image: live.image,
      state: live.state,
      config_hash: live.configHash,
      health: live.health,
      ports: live.ports,
      exit_code: live.exit?.exit_code ?? null,
      oom_killed: live.exit?.oom_killed ?? false,
      exit_reason: live.exit?.reason ?? null,
      exited_at: live.exit?.at ?? null,
      started_at: live.startedAt,
      last_active_at: live.lastActive,
    });
    live.persistedActive = live.lastActive ?? 0;
  }

  private async startLocked(live: Live): Promise<Live> {
    if (live.state === 'running' && live.spawner?.alive) return live;
    const engine = await this.d.gate.get();
    const project = live.project;
    const before = live.state;
    try {
      let info = (live.containerId ? await engine.inspectContainer(live.containerId) : null) ?? (await engine.inspectContainer(containerName(project.id)));
      let keepImage: string | null = null;
      if (info?.running && this.d.runner && !live.noRunner) {
        // A new runner in a container that already runs (its last channel died,
        // or a previous daemon's container is adopted): a process left in there
        // could open the runner's stdout in the milliseconds before the runner
        // makes itself non-dumpable, and forge its frames. A restart leaves no
        // such process: the runner then starts where nothing else has run.
        this.d.log.info({ project_id: project.id }, 'restarting the container to open a new runner channel in it');
        if (live.state === 'running') this.setState(live, 'starting', 'restarting: its command channel is replaced');
        live.stopping = true;
        try {
          await engine.stopContainer(info.id, this.d.stopTimeoutSeconds);
        } finally {
          live.stopping = false;
        }
        keepImage = info.image;
        info = await engine.inspectContainer(info.id);
      }
      if (info?.running && info.id === live.containerId && live.state === 'running') return await this.attach(engine, live, info);
      if (before !== 'starting' && live.state !== 'starting') this.setState(live, 'starting', null);
      const image = info?.running ? info.image : (keepImage ?? (await this.d.images.resolve(engine, project.template, project.id)));
      const spec = this.desiredSpec(project, image);
      if (info && !info.running && info.labels[LABEL_CONFIG] !== spec.labels[LABEL_CONFIG]) {
        this.d.log.info({ project_id: project.id }, 'settings changed: recreating the container');
        await engine.removeContainer(info.id);
        info = null;
      }
      const id = info ? info.id : await this.create(engine, spec);
      if (!info?.running) await this.startOrRepublish(engine, live, id, spec);
      const now = await engine.inspectContainer(live.containerId ?? id);
      if (!now?.running) throw new ZeblitError('UNAVAILABLE', `The container stopped right after it started (${exitReason(now?.exitCode ?? null, now?.oomKilled ?? false, now?.error ?? null)})`);
      live.noRunner = info?.running ? live.noRunner : false;
      return await this.attach(engine, live, now);
    } catch (e) {
      if (live.state === 'starting') {
        const message = e instanceof Error ? e.message : String(e);
        live.exit = { exit_code: null, oom_killed: false, reason: `failed to start: ${message}`, at: this.d.now() };
        this.setState(live, live.containerId ? 'exited' : 'absent', live.exit.reason);
      }
      throw e;
    }
  }

  /** A running container: record it and open the way in. */
  private async attach(engine: ContainerEngine, live: Live, info: ContainerInfo): Promise<Live> {
    live.containerId = info.id;
    live.image = info.image;
    live.configHash = info.labels[LABEL_CONFIG] ?? null;
    // Containers made before the label existed all bind-mounted.
    live.workspace = info.labels[LABEL_WORKSPACE] === 'archive' ? 'archive' : 'bind';
    live.startedAt = info.startedAt;
    live.ports = info.ports.map((p) => ({ container_port: p.containerPort, host_ip: p.hostIp, host_port: p.hostPort }));
    if (!live.spawner?.alive) live.spawner = await this.openSpawner(engine, live, info.id);
    live.health = 'healthy';
    live.exit = null;
    live.lastActive = this.d.now();
    this.setState(live, 'running', null);
    return live;
  }

  private async create(engine: ContainerEngine, spec: ContainerSpec): Promise<string> {
    const projectId = spec.labels[LABEL_PROJECT] ?? '';
    const labels = { ...this.d.owner, [LABEL_PROJECT]: projectId };
    this.prepareHost(projectId);
    const local = engine.endpoint.startsWith('unix://');
    // Independent of each other: in parallel (a bridge network takes a while to set up).
    await Promise.all([
      // The home volume is backed by a host folder when the engine can see it; a workspace volume never is (archive mode).
      ...spec.volumes.map((v) => engine.ensureVolume(v.name, labels, local && v.name === volumeName(projectId) ? this.d.homeDir(projectId) : undefined)),
      spec.network !== 'none' ? engine.ensureNetwork(networkName(projectId), labels) : Promise.resolve(),
    ]);
    try {
      return await engine.createContainer(spec);
    } catch (e) {
      // A container of that name we did not know of (a race, or a row lost): it goes, ours comes.
      if (!(e instanceof ZeblitError && e.code === 'CONFLICT')) throw e;
      await engine.removeContainer(spec.name);
      return engine.createContainer(spec);
    }
  }

  /** Starts; when the asked-for host ports are taken, recreates with ports Docker picks. */
  private async startOrRepublish(engine: ContainerEngine, live: Live, id: string, spec: ContainerSpec): Promise<void> {
    live.containerId = id;
    try {
      await engine.startContainer(id);
    } catch (e) {
      if (!(e instanceof Error && PORT_TAKEN.test(e.message)) || spec.ports.length === 0) throw e;
      this.d.log.warn({ project_id: live.project.id, ports: spec.ports.map((p) => p.containerPort) }, 'host ports taken: publishing on free ports instead');
      await engine.removeContainer(id);
      const again = await engine.createContainer(withEphemeralPorts(spec));
      live.containerId = again;
      await engine.startContainer(again);
    }
  }

  private async openSpawner(engine: ContainerEngine, live: Live, containerId: string): Promise<Spawner> {
    if (this.d.runner && !live.noRunner) {
      let channel: RunnerChannel | null = null;
      try {
        const exec = await engine.exec(containerId, { cmd: ['perl', '-e', runnerScript()], stdin: true });
        channel = await RunnerChannel.open(exec, {
          readyTimeoutMs: this.d.runnerReadyTimeoutMs,
          ackTimeoutMs: this.d.runnerAckTimeoutMs,
          onStderr: (text) => this.d.log.debug({ project_id: live.project.id, text }, 'runner says'),
          onAnomaly: (what) => this.d.log.warn({ project_id: live.project.id, what }, 'runner channel'),
          onClose: (end) => {
            if (channel !== null && live.spawner === channel) live.spawner = null;
            this.d.log[end.cause === 'closed' ? 'debug' : 'warn']({ project_id: live.project.id, reason: end.reason, runs: end.tags.length }, 'runner channel closed');
            if (end.cause !== 'closed') void this.killLeftovers(engine, live, containerId, end);
          },
        });
        return channel;
      } catch (e) {
        if (e instanceof ZeblitError && e.code === 'DOCKER_UNAVAILABLE') throw e;
        live.noRunner = true;
        this.d.log.warn({ project_id: live.project.id, err: e }, 'the runner cannot start in this image: one docker exec per command');
      }
    }
    return new ExecSpawner(() => this.d.gate.get(), containerId);
  }

  /**
   * The commands of a channel that died without killing them (runner killed,
   * stopped or broken) are killed by their tag through plain docker execs: no
   * process of a run that was answered keeps running. The next runner opens
   * in a restarted container anyway; this covers the time until then.
   */
  private async killLeftovers(engine: ContainerEngine, live: Live, containerId: string, end: ChannelEnd): Promise<void> {
    for (const tag of end.tags) {
      if (live.containerId !== containerId || live.stopping) return;
      try {
        const ex = await engine.exec(containerId, { cmd: ['sh', '-c', KILL_SCRIPT, 'zeblit-kill', 'KILL', tag], stdin: false });
        ex.onOutput(() => {});
        await ex.finished;
      } catch (err) {
        this.d.log.debug({ project_id: live.project.id, err, tag }, 'could not kill what a dead channel left running');
      }
    }
  }

  private async stopLocked(live: Live, reason: string): Promise<Live> {
    live.spawner?.close();
    live.spawner = null;
    if (!live.containerId) {
      this.setState(live, 'absent', null);
      return live;
    }
    const engine = await this.d.gate.get();
    live.stopping = true;
    try {
      if (live.state === 'running') this.setState(live, 'stopping', reason);
      await engine.stopContainer(live.containerId, this.d.stopTimeoutSeconds);
      const info = await engine.inspectContainer(live.containerId);
      if (!info) live.containerId = null;
      live.exit = { exit_code: info?.exitCode ?? null, oom_killed: false, reason, at: this.d.now() };
      live.health = 'unknown';
      this.setState(live, info ? 'stopped' : 'absent', reason);
      return live;
    } finally {
      live.stopping = false;
    }
  }

  /** The workspace and the home folder exist and belong to the container's user. */
  private prepareHost(projectId: string): void {
    const ws = this.d.workspace(projectId);
    const home = this.d.homeDir(projectId);
    mkdirSync(ws, { recursive: true });
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const { uid, gid } = this.d.user;
    if (process.getuid?.() !== 0) return;
    // A root daemon hands the files to the non-root container user (only when not done yet: trees can be big).
    if (statSync(ws).uid !== uid) chownTree(ws, uid, gid);
    if (statSync(home).uid !== uid) chownSync(home, uid, gid);
  }
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) chownTree(p, uid, gid);
    else if (!st.isSymbolicLink()) chownSync(p, uid, gid);
  }
}

/** Every container, the network and the volume of one project (also used by reconciliation). */
export async function removeProjectResources(engine: ContainerEngine, projectId: string): Promise<void> {
  for (const c of await engine.listContainers({ [LABEL_PROJECT]: projectId })) await engine.removeContainer(c.id);
  await engine.removeNetwork(networkName(projectId));
  await engine.removeVolume(volumeName(projectId));
  await engine.removeVolume(workspaceVolumeName(projectId));
}

