import type { TemplateName } from '../contracts/index.ts';
import type { EngineFactory } from './gate.ts';
import type { Endpoint } from './engine.ts';
import type { ContainerUser, WorkspaceMode } from './profile.ts';

/** The part of a pino logger the containers domain uses. */
export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export interface Timers {
  setInterval(fn: () => void, ms: number): NodeJS.Timeout;
  clearInterval(t: NodeJS.Timeout): void;
}

export const realTimers: Timers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t),
};

/** Everything the containers service can be told; every side effect has a default. */
export interface ContainersOptions {
  now?: () => number;
  log?: Log;
  timers?: Timers;
  /** Where the engine is; default: DOCKER_HOST, then the usual sockets. Re-read at each probe while down. */
  discover?: () => Endpoint;
  factory?: EngineFactory;
  /** Config overrides of template images. */
  images?: Partial<Record<TemplateName, string>>;
  /** uid:gid of container processes; default: the daemon's user (not root: see defaultContainerUser). */
  user?: ContainerUser;
  /** Use the persistent runner when the image allows (default true); false forces one docker exec per command. */
  runner?: boolean;
  runnerReadyTimeoutMs?: number;
  /** How often idle containers are looked for (default 60 s). */
  idleCheckMs?: number;
  /** How often running containers are inspected and probed (default 30 s). */
  healthCheckMs?: number;
  /** Grace period of `docker stop` (default 5 s). */
  stopTimeoutSeconds?: number;
  /** Between TERM and KILL when a run times out or is killed (default 2 s). */
  killGraceMs?: number;
  /**
   * How long the container's side may take to answer one step of a kill (the
   * signal delivered; the command gone after SIGKILL) before the daemon stops
   * waiting: a runner that does not answer is given up and replaced, and the
   * run is answered anyway (default 3 s).
   */
  killDeadlineMs?: number;
  /** Bytes of each stream kept in an exec response: half from the start, half from the end (default 1 MiB). */
  outputCapBytes?: number;
  /** Bytes of each stream's end kept in the run record (default 64 KiB). */
  runTailBytes?: number;
  /** How long a "down" verdict on the engine holds (default 1 s). */
  engineRetryMs?: number;
  /**
   * How containers see the workspace: `bind` (the host folder), `archive` (a
   * volume of their own, kept in step by archive copies), or `auto` (default):
   * archive when the engine is remote (DOCKER_HOST tcp:// or ssh://), else bind.
   */
  workspaceMode?: 'auto' | WorkspaceMode;
}
