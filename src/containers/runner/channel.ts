/**
 * The daemon's end of the persistent exec channel: one long-lived process in
 * the container (runner.pl) that runs many commands, multiplexed by id. A
 * command costs one frame each way instead of a `docker exec` round trip.
 * Invariant: every spawned command settles exactly once: with its exit
 * record, a spawn failure, or an error when the channel dies.
 */
import type { EngineExec } from '../engine.ts';
import { SIGNALS, type KillSignal, type ProcessExit, type ProcessSink, type RunningProcess, type SpawnRequest, type Spawner } from '../exec/process.ts';
import { FrameDecoder, PROTOCOL_VERSION, encodeFrame, parseExit, spawnPayload, type Frame } from './protocol.ts';

export class RunnerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunnerUnavailable';
  }
}

interface Pending {
  sink: ProcessSink;
  settle: (e: ProcessExit) => void;
}

export interface ChannelOptions {
  readyTimeoutMs?: number;
  /** The runner's own diagnostics (its stderr). */
  onStderr?: (text: string) => void;
  /** Told once when the channel dies (container stopped, runner killed). */
  onClose?: (reason: string) => void;
}

export class RunnerChannel implements Spawner {
  readonly kind = 'runner' as const;
  private nextId = 1;
  private readonly procs = new Map<number, Pending>();
  private readonly acks = new Map<number, (ok: boolean) => void>();
  private readonly decoder = new FrameDecoder();
  private closed = false;
  private readyResolve: ((pid: number) => void) | null = null;
  private readyReject: ((e: Error) => void) | null = null;
  readonly ready: Promise<number>;

  private constructor(
    private readonly exec: EngineExec,
    private readonly opts: ChannelOptions,
  ) {
    this.ready = new Promise<number>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => {});
    exec.onOutput((stream, chunk) => {
      if (stream === 'stdout') this.decoder.push(chunk, (f) => this.onFrame(f));
      else opts.onStderr?.(chunk.toString('utf8'));
    });
    void exec.finished.then((code) => this.shutdown(`the runner ended (exit ${code ?? 'unknown'})`));
  }

  /** Wraps a started runner process; resolves once it said "ready", rejects with RunnerUnavailable otherwise. */
  static async open(exec: EngineExec, opts: ChannelOptions = {}): Promise<RunnerChannel> {
    const ch = new RunnerChannel(exec, opts);
    const ms = opts.readyTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ch.ready,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new RunnerUnavailable(`the runner did not start within ${ms} ms`)), ms);
        }),
      ]);
      return ch;
    } catch (e) {
      ch.close();
      throw e instanceof RunnerUnavailable ? e : new RunnerUnavailable(e instanceof Error ? e.message : String(e));
    } finally {
      clearTimeout(timer);
    }
  }

  get alive(): boolean {
    return !this.closed;
  }

  get running(): number {
    return this.procs.size;
  }

  spawn(req: SpawnRequest, sink: ProcessSink): RunningProcess {
    const id = this.allocId();
    let settle!: (e: ProcessExit) => void;
    const done = new Promise<ProcessExit>((resolve) => (settle = resolve));
    let settled = false;
    const once = (e: ProcessExit) => {
      if (settled) return;
      settled = true;
      this.procs.delete(id);
      settle(e);
    };
    if (this.closed) once({ exitCode: null, signal: null, error: 'the container stopped' });
    else {
      this.procs.set(id, { sink, settle: once });
      try {
        this.send(encodeFrame('S', id, spawnPayload(req)));
      } catch (e) {
        once({ exitCode: null, signal: null, error: e instanceof Error ? e.message : String(e) });
      }
    }
    return {
      done,
      write: (data) => {
        for (let i = 0; i < data.length; i += 65_536) this.send(encodeFrame('I', id, data.subarray(i, i + 65_536)));
      },
      endInput: () => this.send(encodeFrame('C', id)),
      pause: () => this.send(encodeFrame('P', id)),
      resume: () => this.send(encodeFrame('U', id)),
      kill: (signal: KillSignal) => this.kill(id, req.tag, signal),
    };
  }

  /** Signals the command's tree; resolves when the runner has delivered it (or the channel is gone). */
  private kill(procId: number, tag: string, signal: KillSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    const ackId = this.allocId();
    return new Promise<void>((resolve) => {
      this.acks.set(ackId, () => resolve());
      this.send(encodeFrame('K', ackId, `${SIGNALS[signal]} ${procId} ${tag}`));
    });
  }

  ping(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const id = this.allocId();
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        resolve(false);
      }, timeoutMs);
      this.acks.set(id, (ok) => {
        clearTimeout(timer);
        resolve(ok);
      });
      this.send(encodeFrame('H', id));
    });
  }

  /** Ends the runner: it kills whatever still runs when its input closes. */
  close(): void {
    if (!this.closed) this.exec.end();
    this.shutdown('the channel was closed');
    // The stream may linger when the engine is gone; do not wait on it.
    setTimeout(() => this.exec.destroy(), 1_000).unref();
  }

  private allocId(): number {
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffff_fffe ? 1 : this.nextId + 1;
    return id;
  }

  private send(frame: Buffer): void {
    if (this.closed) return;
    this.exec.write(frame);
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case 'R': {
        const [name, version, pid] = f.payload.toString('utf8').split(' ');
        if (name !== 'zeblit-runner' || version !== PROTOCOL_VERSION) this.readyReject?.(new RunnerUnavailable(`unexpected runner greeting "${f.payload.toString('utf8')}"`));
        else this.readyResolve?.(Number(pid));
        return;
      }
      case 'O':
      case 'E':
        this.procs.get(f.id)?.sink.output(f.type === 'O' ? 'stdout' : 'stderr', f.payload);
        return;
      case 'X': {
        const { code, signal, oom } = parseExit(f.payload);
        this.procs.get(f.id)?.settle({ exitCode: code, signal, error: null, oomKilled: oom });
        return;
      }
      case 'F':
        this.procs.get(f.id)?.settle({ exitCode: null, signal: null, error: f.payload.toString('utf8') });
        return;
      case 'k':
      case 'h': {
        const ack = this.acks.get(f.id);
        this.acks.delete(f.id);
        ack?.(true);
        return;
      }
      default:
        this.opts.onStderr?.(`unknown frame type ${JSON.stringify(f.type)}`);
    }
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.readyReject?.(new RunnerUnavailable(reason));
    for (const p of [...this.procs.values()]) p.settle({ exitCode: null, signal: null, error: 'the container stopped before the command finished' });
    for (const ack of [...this.acks.values()]) ack(false);
    this.acks.clear();
    this.opts.onClose?.(reason);
  }
}
