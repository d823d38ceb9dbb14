/** A command running in a container, whichever way it got there (the runner, or one docker exec). */
import type { SpawnRequest } from '../runner/protocol.ts';

export type { SpawnRequest } from '../runner/protocol.ts';
export type ChannelKind = 'runner' | 'exec';
export type KillSignal = 'TERM' | 'KILL' | 'INT';
export const SIGNALS: Record<KillSignal, number> = { INT: 2, KILL: 9, TERM: 15 };

export interface ProcessExit {
  /** The exit status; 128+n when a signal ended it; null when it never ran or was lost. */
  exitCode: number | null;
  signal: number | null;
  /** Why it could not run or finish (spawn failure, container gone). */
  error: string | null;
  /** The kernel's OOM killer ended it (when the channel can tell). */
  oomKilled?: boolean;
}

export interface ProcessSink {
  output(stream: 'stdout' | 'stderr', chunk: Buffer): void;
}

export interface RunningProcess {
  readonly done: Promise<ProcessExit>;
  write(data: Buffer): void;
  endInput(): void;
  /** Stop reading its output (the child blocks once its pipe is full): flow control for slow readers. */
  pause(): void;
  resume(): void;
  /** Signals the whole process tree; resolves once the signal was delivered. */
  kill(signal: KillSignal): Promise<void>;
}

export interface Spawner {
  readonly kind: ChannelKind;
  readonly alive: boolean;
  spawn(req: SpawnRequest, sink: ProcessSink): RunningProcess;
  /** A cheap round trip: does the container still answer? */
  ping(timeoutMs: number): Promise<boolean>;
  close(): void;
}
