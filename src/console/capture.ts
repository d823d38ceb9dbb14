/**
 * Console capture: raw output chunks in, numbered lines out. Invariants: a
 * line split across chunks is joined (UTF-8 sequences too); a line with no end
 * is flushed after `partialFlushMs`; every line is stored (console_entries)
 * and published (console.output) in the same transaction, in arrival order.
 * Bursts are committed together on the next tick, so throughput does not
 * cost one transaction per line.
 */
import { StringDecoder } from 'node:string_decoder';
import type { EventPayload, ZeblitEvent } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus, PendingEvent } from '../events/index.ts';
import { console_entries } from './console.sql.ts';

export type ConsoleSourceName = EventPayload<'console.output'>['source'];
export type StreamName = 'stdout' | 'stderr';
export type Level = 'info' | 'warning' | 'error';

export interface ConsoleChunk {
  projectId: string;
  runId: string | null;
  source: ConsoleSourceName;
  stream: StreamName;
  data: string | Uint8Array;
}

export interface CapturedLine {
  projectId: string;
  runId: string | null;
  source: ConsoleSourceName;
  stream: StreamName;
  text: string;
  time: number;
}

/**
 * Looks at each line before it is stored and returns its level; the error
 * detector plugs in here. It must not publish: its findings go out in an
 * `afterCommit` hook, so they never precede the lines they are about.
 */
export type LineObserver = (line: CapturedLine) => Level | void;
/** Lines committed (and published) per tick: keeps one burst from holding the event loop. */
const SLICE_LINES = 1000;

export type CommitHook = (lines: CapturedLine[], events: ZeblitEvent[]) => void;

export interface CaptureOptions {
  now?: () => number;
  partialFlushMs?: number;
  /** Longer lines are cut into pieces of this many characters. */
  maxLineChars?: number;
  setTimeout?: (f: () => void, ms: number) => ReturnType<typeof setTimeout>;
  clearTimeout?: (t: ReturnType<typeof setTimeout>) => void;
}

interface Partial {
  decoder: StringDecoder;
  text: string;
  timer: ReturnType<typeof setTimeout> | null;
  /** Bumped by every write: a flush decided before the latest write is void. */
  writes: number;
  chunk: Omit<ConsoleChunk, 'data'>;
}

export class ConsoleCapture {
  private readonly partials = new Map<string, Partial>();
  private pending: CapturedLine[] = [];
  private scheduled = false;
  private readonly observers: LineObserver[] = [];
  private readonly hooks: CommitHook[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private readonly opts: Required<CaptureOptions>;
  lines = 0;

  constructor(
    private readonly bus: EventBus,
    options: CaptureOptions = {},
  ) {
    this.opts = {
      now: options.now ?? Date.now,
      partialFlushMs: options.partialFlushMs ?? 100,
      maxLineChars: options.maxLineChars ?? 16_384,
      setTimeout: options.setTimeout ?? ((f, ms) => setTimeout(f, ms)),
      clearTimeout: options.clearTimeout ?? ((t) => clearTimeout(t)),
    };
  }

  observe(observer: LineObserver): void {
    this.observers.push(observer);
  }

  afterCommit(hook: CommitHook): void {
    this.hooks.push(hook);
  }

  write(chunk: ConsoleChunk): void {
    const key = `${chunk.projectId}\0${chunk.runId ?? ''}\0${chunk.source}\0${chunk.stream}`;
    let p = this.partials.get(key);
    if (!p) {
      p = { decoder: new StringDecoder('utf8'), text: '', timer: null, writes: 0, chunk: { projectId: chunk.projectId, runId: chunk.runId, source: chunk.source, stream: chunk.stream } };
      this.partials.set(key, p);
    }
    const text = p.text + (typeof chunk.data === 'string' ? chunk.data : p.decoder.write(Buffer.from(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength)));
    const parts = text.split('\n');
    p.text = parts.pop() ?? '';
    for (const part of parts) this.enqueue(p.chunk, part.endsWith('\r') ? part.slice(0, -1) : part);
    while (p.text.length > this.opts.maxLineChars) {
      this.enqueue(p.chunk, p.text.slice(0, this.opts.maxLineChars));
      p.text = p.text.slice(this.opts.maxLineChars);
    }
    if (p.timer) this.opts.clearTimeout(p.timer);
    const partial = p;
    const writes = ++partial.writes;
    p.timer = p.text ? this.opts.setTimeout(() => this.flushPartialAfterReads(key, partial, writes), this.opts.partialFlushMs) : null;
    if (!p.text) this.partials.delete(key);
  }

  /**
   * The timer is late when the loop was busy (a big commit): the rest of the
   * line may be waiting unread in a socket, and timers run before I/O. Flush
   * only after one more round of reads (setImmediate runs after the poll
   * phase), and only if no write came meanwhile.
   */
  private flushPartialAfterReads(key: string, p: Partial, writes: number): void {
    setImmediate(() => {
      if (this.partials.get(key) === p && p.writes === writes) this.flushPartial(key);
    });
  }

  /** A run ended: what is left without a newline is a line of its own, committed with the rest (in slices). */
  endRun(projectId: string, runId: string | null): void {
    for (const [key, p] of this.partials) if (p.chunk.projectId === projectId && p.chunk.runId === runId) this.flushPartial(key);
    this.schedule();
  }

  /** Commits everything buffered, synchronously (before a read that must see it all, and at shutdown). */
  flush(): void {
    for (const key of [...this.partials.keys()]) this.flushPartial(key);
    while (this.pending.length > 0) this.commit();
    this.runDrained();
  }

  /** Runs `fn` once every line buffered so far has been committed (at once if nothing is pending). */
  afterDrain(fn: () => void): void {
    if (this.pending.length === 0) return fn();
    this.drainWaiters.push(fn);
  }

  private runDrained(): void {
    if (this.pending.length > 0 || this.drainWaiters.length === 0) return;
    const waiters = this.drainWaiters.splice(0);
    for (const w of waiters) w();
  }

  private schedule(): void {
    if (this.scheduled || this.pending.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.commit();
      // Bounded slices: a run that printed 100,000 lines lets sockets and requests in between slices.
      if (this.pending.length > 0) this.schedule();
      else this.runDrained();
    });
  }

  private flushPartial(key: string): void {
    const p = this.partials.get(key);
    if (!p) return;
    if (p.timer) this.opts.clearTimeout(p.timer);
    const rest = p.text + p.decoder.end();
    this.partials.delete(key);
    if (rest) this.enqueue(p.chunk, rest);
  }

  private enqueue(c: Omit<ConsoleChunk, 'data'>, text: string): void {
    for (let i = 0; i === 0 || i < text.length; i += this.opts.maxLineChars) {
      this.pending.push({ projectId: c.projectId, runId: c.runId, source: c.source, stream: c.stream, text: text.slice(i, i + this.opts.maxLineChars), time: this.opts.now() });
    }
    this.schedule();
  }

  /** Commits the oldest slice of what is pending (at most `sliceLines`). */
  private commit(): void {
    if (this.pending.length === 0) return;
    const lines = this.pending.length <= SLICE_LINES ? this.pending : this.pending.slice(0, SLICE_LINES);
    this.pending = this.pending.length <= SLICE_LINES ? [] : this.pending.slice(SLICE_LINES);
    const levels = lines.map((l) => {
      let level: Level = 'info';
      for (const o of this.observers) {
        const got = o(l);
        if (got === 'error' || (got === 'warning' && level === 'info')) level = got;
      }
      return level;
    });
    const items: PendingEvent<'console.output'>[] = lines.map((l) => ({
      projectId: l.projectId,
      type: 'console.output',
      data: { run_id: l.runId, source: l.source, stream: l.stream, text: l.text },
    }));
    const events = this.bus.publishMany(items, (tx: Db, evs) => {
      const rows = evs.map((e, i) => {
        const l = lines[i] as CapturedLine;
        return { project_id: l.projectId, seq: e.seq, run_id: l.runId, source: l.source, stream: l.stream, level: levels[i] ?? 'info', text: l.text, bytes: Buffer.byteLength(l.text), created_at: l.time };
      });
      for (let i = 0; i < rows.length; i += 300) tx.insert(console_entries).values(rows.slice(i, i + 300)).run();
    });
    this.lines += lines.length;
    for (const h of this.hooks) h(lines, events);
  }
}
