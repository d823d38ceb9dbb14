import { StringDecoder } from 'node:string_decoder';
import type { ExecuteResult, Run, RunStatus } from '../../contracts/index.ts';
import type { RunRow } from '../store.ts';
import { CappedOutput } from './output.ts';
import type { ChannelKind, ProcessExit, RunningProcess } from './process.ts';

export type StreamName = 'stdout' | 'stderr';

/** What a live reader of a run sees: decoded chunks in order, then the result. */
export type RunRecord = { type: 'stdout' | 'stderr'; data: string } | { type: 'exit'; result: ExecuteResult };
export type RunListener = (r: RunRecord) => void;

/**
 * A command while it runs: bounded output buffers, the process, and whoever
 * listens. `finished` settles once the run is recorded.
 */
export class ActiveRun {
  readonly stdout: CappedOutput;
  readonly stderr: CappedOutput;
  status: RunStatus = 'running';
  killCause: 'timeout' | 'user' | null = null;
  /** Settles when every kill signal was delivered: the result waits for it, so nothing of a killed run outlives its answer. */
  killing: Promise<void> | null = null;
  proc: RunningProcess | null = null;
  /** Finishes the run without the process's own exit record (it never came after SIGKILL). */
  forceExit: ((e: ProcessExit) => void) | null = null;
  result: ExecuteResult | null = null;
  /** Who started it (the console's source, and whether auto-fix looks at it). */
  source: 'exec' | 'agent' | 'scheduler' = 'exec';
  readonly finished: Promise<ExecuteResult>;
  resolveFinished!: (r: ExecuteResult) => void;
  private readonly listeners = new Set<RunListener>();
  private readonly decoders: Record<StreamName, StringDecoder> = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };

  constructor(
    readonly row: RunRow,
    readonly channel: ChannelKind,
    capBytes: number,
    tailBytes: number,
    private readonly onText: (stream: StreamName, text: string) => void,
    private readonly wantsText: () => boolean,
  ) {
    const half = Math.floor(capBytes / 2);
    this.stdout = new CappedOutput(half, Math.max(capBytes - half, tailBytes));
    this.stderr = new CappedOutput(half, Math.max(capBytes - half, tailBytes));
    this.finished = new Promise<ExecuteResult>((resolve) => (this.resolveFinished = resolve));
  }

  get id(): string {
    return this.row.id;
  }

  output(stream: StreamName, chunk: Buffer): void {
    (stream === 'stdout' ? this.stdout : this.stderr).push(chunk);
    if (this.listeners.size === 0 && !this.wantsText()) return;
    const text = this.decoders[stream].write(chunk);
    if (text) this.deliver(stream, text);
  }

  /** Flushes a trailing partial character, then tells listeners the result. */
  finish(result: ExecuteResult): void {
    for (const s of ['stdout', 'stderr'] as const) {
      const rest = this.decoders[s].end();
      if (rest) this.deliver(s, rest);
    }
    this.result = result;
    this.status = result.status;
    for (const l of this.listeners) l({ type: 'exit', result });
    this.listeners.clear();
    this.resolveFinished(result);
  }

  listen(fn: RunListener): () => void {
    this.listeners.add(fn);
    return () => void this.listeners.delete(fn);
  }

  /** The run as GET /runs/{id} shows it while it runs: output so far. */
  snapshot(base: Omit<Run, 'stdout' | 'stderr' | 'stdout_truncated' | 'stderr_truncated' | 'stdout_bytes' | 'stderr_bytes'>): Run {
    return {
      ...base,
      stdout: this.stdout.text(),
      stderr: this.stderr.text(),
      stdout_truncated: this.stdout.truncated,
      stderr_truncated: this.stderr.truncated,
      stdout_bytes: this.stdout.total,
      stderr_bytes: this.stderr.total,
    };
  }

  private deliver(stream: StreamName, text: string): void {
    this.onText(stream, text);
    for (const l of this.listeners) l({ type: stream, data: text });
  }
}
