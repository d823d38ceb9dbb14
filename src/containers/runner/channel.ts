/**
 * The daemon's end of the persistent exec channel: one long-lived process in
 * the container (runner.pl) that runs many commands, multiplexed by id. A
 * command costs one frame each way instead of a `docker exec` round trip.
 * Invariants: every spawned command settles exactly once: with its exit
 * record, a spawn failure, or an error when the channel dies. Nothing the
 * runner sends can hurt the daemon: a byte stream that is not the protocol
 * (see FrameDecoder) closes the channel at once, frames for commands that do
 * not run are dropped and logged, and a runner that does not answer a kill in
 * time is given up, so a run's timeout holds whatever happens in the container.
 */
import type { EngineExec } from '../engine.ts';
import { SIGNALS, type KillSignal, type ProcessExit, type ProcessSink, type RunningProcess, type SpawnRequest, type Spawner } from '../exec/process.ts';
import { FrameDecoder, PROTOCOL_VERSION, ProtocolError, encodeFrame, parseExit, parseGreeting, spawnPayload, type Frame } from './protocol.ts';

/** Frames for commands that do not run (or no longer do) tolerated before the channel counts as broken: the runner never sends one. */
const MAX_STRAY_FRAMES = 64;

export class RunnerUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunnerUnavailable';
  }
}

interface Pending {
  sink: ProcessSink;
  settle: (e: ProcessExit) => void;
  tag: string;
}

/** How a channel ended, for whoever replaces it. */
export interface ChannelEnd {
  reason: string;
  /**
   * closed: by the daemon (the runner kills its commands when its input closes);
   * ended: the runner went away by itself (its commands were not killed by it);
   * broken: the daemon gave it up (protocol broken, no answer): the runner may still be there, stuck or hostile.
   */
  cause: 'closed' | 'ended' | 'broken';
  /** ZEBLIT_RUN_TAG of every command still running when it ended: their processes may outlive it. */
  tags: string[];
}

export interface ChannelOptions {
  readyTimeoutMs?: number;
  /** How long the runner may take to answer a kill before the channel is given up (default 3 s). */
  ackTimeoutMs?: number;
  /** The runner's own diagnostics (its stderr). */
  onStderr?: (text: string) => void;
  /** Something the runner should never do (a frame for a command that does not run, a broken stream): for the log. */
  onAnomaly?: (what: string) => void;
  /** Told once when the channel dies (container stopped, runner killed, channel broken). */
  onClose?: (end: ChannelEnd) => void;
}

export class RunnerChannel implements Spawner {
  readonly kind = 'runner' as const;
  private nextId = 1;
  private readonly procs = new Map<number, Pending>();
  private readonly acks = new Map<number, (ok: boolean) => void>();
  private readonly decoder = new FrameDecoder();
  private closed = false;
  private greeted = false;
  private stray = 0;
  private readonly late = new Set<number>();
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
      if (stream === 'stderr') return opts.onStderr?.(chunk.toString('utf8', 0, Math.min(chunk.length, 4096)));
      if (this.closed) return;
      try {
        this.decoder.push(chunk, (f) => this.onFrame(f));
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        this.fail(`it sent ${e.message}`);
      }
    });
    void exec.finished.then((code) => this.shutdown(`the runner ended (exit ${code ?? 'unknown'})`, 'the runner ended before the command finished', 'ended'));
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
      this.procs.set(id, { sink, settle: once, tag: req.tag });
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

  /**
   * Signals the command's tree; resolves when the runner has delivered it, or
   * when the channel is gone. A runner that does not answer within
   * ackTimeoutMs (stopped, wedged) is given up: the channel closes and every
   * command on it settles with an error, so no timeout waits on the container.
   */
  private kill(procId: number, tag: string, signal: KillSignal): Promise<void> {
    if (this.closed) return Promise.resolve();
    const ackId = this.allocId();
    const ms = this.opts.ackTimeoutMs ?? 3_000;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.acks.delete(ackId);
        this.fail(`the runner did not answer a kill within ${ms} ms`);
        resolve();
      }, ms);
      timer.unref();
      this.acks.set(ackId, () => {
        clearTimeout(timer);
        resolve();
      });
      this.send(encodeFrame('K', ackId, `${SIGNALS[signal]} ${procId} ${tag}`));
    });
  }

  ping(timeoutMs: number): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    const id = this.allocId();
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.acks.delete(id);
        // A slow runner may still answer: that pong is late, not stray.
        this.late.add(id);
        if (this.late.size > 64) this.late.delete(this.late.values().next().value as number);
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
    this.shutdown('the channel was closed', 'the container stopped before the command finished', 'closed');
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
    if (this.closed) return;
    if (f.type === 'R') return this.onGreeting(f.payload);
    if (!this.greeted) return this.fail(`it sent a "${f.type}" frame before its greeting`);
    switch (f.type) {
      case 'O':
      case 'E': {
        const p = this.procs.get(f.id);
        if (!p) return this.strayFrame(f, 'output for a command that does not run');
        p.sink.output(f.type === 'O' ? 'stdout' : 'stderr', f.payload);
        return;
      }
      case 'X': {
        const exit = parseExit(f.payload);
        if (!exit) return this.fail(`it sent a malformed exit record ${JSON.stringify(f.payload.toString('latin1', 0, 64))}`);
        const p = this.procs.get(f.id);
        if (!p) return this.strayFrame(f, 'an exit record for a command that does not run');
        p.settle({ exitCode: exit.code, signal: exit.signal, error: null, oomKilled: exit.oom });
        return;
      }
      case 'F': {
        const p = this.procs.get(f.id);
        if (!p) return this.strayFrame(f, 'a spawn failure for a command that does not run');
        p.settle({ exitCode: null, signal: null, error: f.payload.toString('utf8', 0, Math.min(f.payload.length, 4096)) });
        return;
      }
      default: {
        // k and h: answers to a kill or a ping.
        const ack = this.acks.get(f.id);
        if (!ack && this.late.delete(f.id)) return;
        if (!ack) return this.strayFrame(f, 'an answer nobody asked for');
        this.acks.delete(f.id);
        ack(true);
      }
    }
  }

  private onGreeting(payload: Buffer): void {
    if (this.greeted) return this.fail('it greeted twice');
    const g = parseGreeting(payload);
    if (!g || g.version !== PROTOCOL_VERSION) return this.fail(`unexpected runner greeting ${JSON.stringify(payload.toString('latin1', 0, 80))}`);
    // A dumpable runner's stdout can be opened by any process of the container (same uid): its frames could be forged.
    if (g.dumpable) return this.fail('the runner could not make itself non-dumpable, so the container could forge its frames');
    this.greeted = true;
    this.readyResolve?.(g.pid);
  }

  /** Dropped and logged; a runner that keeps doing it is not one to trust. */
  private strayFrame(f: Frame, what: string): void {
    this.stray++;
    if (this.stray <= 5) this.opts.onAnomaly?.(`dropped ${what} (frame ${f.type}, id ${f.id})`);
    if (this.stray > MAX_STRAY_FRAMES) this.fail(`it sent ${this.stray} frames for commands that do not run`);
  }

  /** The channel cannot be trusted any more: it goes now, and the runs on it settle with an error. */
  private fail(reason: string): void {
    if (this.closed) return;
    this.opts.onAnomaly?.(`closing the runner channel: ${reason}`);
    this.exec.end();
    this.exec.destroy();
    this.shutdown(`the runner channel broke: ${reason}`, `the runner channel broke (${reason}); the command's processes are killed`, 'broken');
  }

  private shutdown(reason: string, procError: string, cause: ChannelEnd['cause']): void {
    if (this.closed) return;
    this.closed = true;
    this.readyReject?.(new RunnerUnavailable(reason));
    const tags = [...this.procs.values()].map((p) => p.tag);
    for (const p of [...this.procs.values()]) p.settle({ exitCode: null, signal: null, error: procError });
    for (const ack of [...this.acks.values()]) ack(false);
    this.acks.clear();
    this.opts.onClose?.({ reason, cause, tags });
  }
}
