import type { BuildStatus, ContainerState, RunOutputEvent, RunStatus } from '../contracts/index.ts';

export interface ContainerStatusEvent {
  project_id: string;
  state: ContainerState;
  previous: ContainerState | null;
  reason: string | null;
  exit_code: number | null;
  oom_killed: boolean;
  at: number;
}

export interface RunFinishedEvent {
  project_id: string;
  run_id: string;
  status: RunStatus;
  exit_code: number | null;
  at: number;
  /** Who started it; absent means 'exec'. */
  source?: RunSource;
}

/** Who started a run: a person through the API, an agent's tool, or a scheduled job. The console shows it as the line's source. */
export type RunSource = 'exec' | 'agent' | 'scheduler';

/** What the containers domain announces. The event bus of a later issue subscribes here and republishes. */
export interface ContainerEvents {
  'build.status': BuildStatus;
  'container.status': ContainerStatusEvent;
  'run.output': RunOutputEvent & { source?: RunSource };
  'run.finished': RunFinishedEvent;
}

type Listener<T> = (payload: T) => void;

/**
 * A small typed emitter. A subscriber that throws is reported through
 * `onError` and never breaks the emitter's caller (a command keeps running
 * whatever a console subscriber does).
 */
export class Emitter<E extends object> {
  private readonly listeners = new Map<keyof E, Set<Listener<never>>>();

  constructor(private readonly onError: (err: unknown, type: keyof E) => void = () => {}) {}

  on<K extends keyof E>(type: K, fn: Listener<E[K]>): () => void {
    let set = this.listeners.get(type);
    if (!set) this.listeners.set(type, (set = new Set()));
    set.add(fn as Listener<never>);
    return () => void set.delete(fn as Listener<never>);
  }

  has<K extends keyof E>(type: K): boolean {
    return (this.listeners.get(type)?.size ?? 0) > 0;
  }

  emit<K extends keyof E>(type: K, payload: E[K]): void {
    const set = this.listeners.get(type);
    if (!set) return;
    for (const fn of set) {
      try {
        (fn as Listener<E[K]>)(payload);
      } catch (err) {
        this.onError(err, type);
      }
    }
  }
}
