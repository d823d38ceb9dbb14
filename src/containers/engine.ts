/**
 * The seam between Zeblit and whatever runs project containers. Callers speak
 * these types only; the dockerode implementation lives in ./docker/, and a
 * remote engine or a Kubernetes back end implements the same interface.
 * Every method throws ZeblitError('DOCKER_UNAVAILABLE') when the engine does
 * not answer.
 */
import type { Readable } from 'node:stream';

export type Endpoint =
  | { kind: 'unix'; socketPath: string }
  | { kind: 'tcp'; host: string; port: number; tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } | null }
  | { kind: 'ssh'; url: string };

export interface EngineVersion {
  version: string;
  apiVersion: string;
  os: string;
}

export interface PullProgress {
  current: number;
  total: number;
  message: string;
}

export interface BindMount {
  source: string;
  target: string;
  readonly?: boolean;
}

export interface ContainerSpec {
  name: string;
  image: string;
  cmd: string[];
  /** uid:gid */
  user: string;
  workdir: string;
  env: Record<string, string>;
  labels: Record<string, string>;
  binds: BindMount[];
  volumes: { name: string; target: string }[];
  /** mount point → mount options (size=…,mode=…) */
  tmpfs: Record<string, string>;
  limits: { memoryBytes: number; nanoCpus: number; pids: number };
  /** A network name, or 'none'. */
  network: string;
  ports: { containerPort: number; hostIp: string; hostPort: number | null }[];
  hardening: { capDrop: string[]; noNewPrivileges: boolean; readonlyRootfs: boolean; init: boolean };
  log: { maxBytes: number; maxFiles: number };
}

export type EngineContainerState = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  state: EngineContainerState;
  running: boolean;
  exitCode: number | null;
  oomKilled: boolean;
  error: string | null;
  startedAt: number | null;
  finishedAt: number | null;
  labels: Record<string, string>;
  ports: { containerPort: number; hostIp: string; hostPort: number | null }[];
}

export interface ContainerSummary {
  id: string;
  name: string;
  state: EngineContainerState;
  labels: Record<string, string>;
  created: number;
}

export interface LabelledResource {
  name: string;
  labels: Record<string, string>;
}

export interface EngineEvent {
  containerId: string;
  action: 'die' | 'oom' | 'start' | 'stop' | 'kill' | 'destroy';
  labels: Record<string, string>;
  exitCode: number | null;
  at: number;
}

export interface ExecOptions {
  cmd: string[];
  env?: Record<string, string>;
  workdir?: string;
  stdin: boolean;
  user?: string;
}

/** One process started in a container, with its output already split into stdout and stderr. */
export interface EngineExec {
  write(data: Buffer): void;
  end(): void;
  onOutput(fn: (stream: 'stdout' | 'stderr', chunk: Buffer) => void): void;
  /** Resolves when the output ends; the exit code when the engine knows it. */
  readonly finished: Promise<number | null>;
  pause(): void;
  resume(): void;
  destroy(): void;
}

export interface RawLogLine {
  stream: 'stdout' | 'stderr';
  text: string;
  at: number | null;
}

export interface ArchiveEntryInfo {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface Subscription {
  close(): void;
}

/** The parts of `docker info` that tell whether containers can be limited. */
export interface EngineFacts {
  os: string | null;
  cgroupVersion: string | null;
  cpus: number | null;
  memoryBytes: number | null;
  containersRunning: number | null;
  /** The engine's clock, UTC ms. */
  systemTime: number | null;
  limits: { memory: boolean; cpu: boolean; pids: boolean } | null;
  warnings: string[];
}

export interface ContainerEngine {
  /** Where the engine is, as a URL-like string for people and logs. */
  readonly endpoint: string;
  version(): Promise<EngineVersion>;
  /** What the engine says about itself; optional so that test engines need not. */
  facts?(): Promise<EngineFacts>;
  ping(): Promise<void>;

  imageExists(ref: string): Promise<boolean>;
  pullImage(ref: string, onProgress: (p: PullProgress) => void, signal?: AbortSignal): Promise<void>;

  ensureNetwork(name: string, labels: Record<string, string>): Promise<void>;
  removeNetwork(name: string): Promise<void>;
  listNetworks(labels: Record<string, string>): Promise<LabelledResource[]>;
  /** `bindDevice`: back the volume by a host folder the caller owns (local engines). */
  ensureVolume(name: string, labels: Record<string, string>, bindDevice?: string): Promise<void>;
  removeVolume(name: string): Promise<void>;
  listVolumes(labels: Record<string, string>): Promise<LabelledResource[]>;

  createContainer(spec: ContainerSpec): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  /** null when there is no such container. */
  inspectContainer(idOrName: string): Promise<ContainerInfo | null>;
  listContainers(labels: Record<string, string>): Promise<ContainerSummary[]>;

  exec(containerId: string, options: ExecOptions): Promise<EngineExec>;
  logs(containerId: string, options: { tail: number; since?: number }): Promise<RawLogLine[]>;
  followLogs(containerId: string, options: { tail: number; since?: number }, onLine: (line: RawLogLine) => void, signal: AbortSignal): Promise<void>;
  events(labels: Record<string, string>, onEvent: (e: EngineEvent) => void, onEnd: (err?: Error) => void): Promise<Subscription>;

  /** Extracts a tar archive into `dir` (created first when missing). */
  putArchive(containerId: string, dir: string, tar: Buffer | Readable): Promise<void>;
  /** A tar archive of `path`; null when it does not exist. */
  getArchive(containerId: string, path: string): Promise<Readable | null>;
  statPath(containerId: string, path: string): Promise<ArchiveEntryInfo | null>;
}
