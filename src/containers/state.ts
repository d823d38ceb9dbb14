import type { ContainerExit, ContainerHealth, ContainerState, ContainerStatus, Project, PublishedPort } from '../contracts/index.ts';
import type { Spawner } from './exec/process.ts';
import { containerName, type WorkspaceMode } from './profile.ts';
import type { ContainerRow } from './store.ts';

/** What the daemon holds in memory about one project's container. The database row mirrors it. */
export interface Live {
  project: Project;
  containerId: string | null;
  state: ContainerState;
  image: string | null;
  configHash: string | null;
  spawner: Spawner | null;
  /** The runner failed in this container instance: use docker exec until it is restarted. */
  noRunner: boolean;
  startedAt: number | null;
  lastActive: number | null;
  /** When lastActive was last written to the database (writes are throttled). */
  persistedActive: number;
  activeRuns: Set<string>;
  health: ContainerHealth;
  exit: ContainerExit | null;
  ports: PublishedPort[];
  /** Time of the last OOM event: a run killed by SIGKILL after it was OOM-killed. */
  oomAt: number | null;
  /** Set while Zeblit itself stops the container, so its "die" is not reported as a crash. */
  stopping: boolean;
  /** Serializes start/stop/restart/remove of this project. */
  queue: Promise<unknown>;
  /** How the container last attached sees /workspace (its label); null until one has been seen. */
  workspace: WorkspaceMode | null;
}

export function liveFromRow(project: Project, row: ContainerRow | undefined): Live {
  return {
    project,
    containerId: row?.container_id ?? null,
    state: row?.state ?? 'absent',
    image: row?.image ?? null,
    configHash: row?.config_hash ?? null,
    spawner: null,
    noRunner: false,
    startedAt: row?.started_at ?? null,
    lastActive: row?.last_active_at ?? null,
    persistedActive: row?.last_active_at ?? 0,
    activeRuns: new Set(),
    health: row?.health ?? 'unknown',
    exit: row?.exit_reason ? { exit_code: row.exit_code, oom_killed: row.oom_killed, reason: row.exit_reason, at: row.exited_at } : null,
    ports: row?.ports ?? [],
    oomAt: null,
    stopping: false,
    queue: Promise.resolve(),
    workspace: null,
  };
}

/** Runs `fn` after every earlier lifecycle operation of this project has finished. */
export function serialize<T>(live: Live, fn: () => Promise<T>): Promise<T> {
  const next = live.queue.then(fn, fn);
  live.queue = next.catch(() => {});
  return next;
}

export function statusOf(live: Live, desiredHash: string | null, user: ContainerStatus['user']): ContainerStatus {
  const s = live.project.settings;
  return {
    project_id: live.project.id,
    state: live.state,
    container_id: live.containerId,
    name: containerName(live.project.id),
    image: live.image,
    started_at: live.state === 'running' ? live.startedAt : null,
    last_active_at: live.lastActive,
    limits: { cpus: s.cpus, memory_mb: s.memory_mb, pids: s.pids },
    network: s.network,
    ports: live.state === 'running' ? live.ports : [],
    health: live.state === 'running' ? live.health : 'unknown',
    exit: live.state === 'running' ? null : live.exit,
    channel: live.state === 'running' && live.spawner?.alive ? live.spawner.kind : null,
    active_runs: live.activeRuns.size,
    idle_timeout_minutes: s.idle_timeout_minutes,
    config_stale: live.containerId !== null && desiredHash !== null && live.configHash !== null && live.configHash !== desiredHash,
    user,
  };
}

/** In words, for people: why a container is no longer running. */
export function exitReason(exitCode: number | null, oomKilled: boolean, error: string | null): string {
  if (oomKilled) return `OOM killed: the container hit its memory limit${exitCode !== null ? ` (exit ${exitCode})` : ''}`;
  if (error) return `failed: ${error}`;
  if (exitCode === null) return 'exited';
  if (exitCode === 137) return 'killed (SIGKILL, exit 137)';
  if (exitCode === 143) return 'terminated (SIGTERM, exit 143)';
  return `exited with code ${exitCode}`;
}
