import { buildDetection, LIMITS } from './build.ts';
import { exitRuleFor } from './exit-codes.ts';
import { compileLibrary, type Library } from './library.ts';
import { cleanLine, fingerprint } from './normalize.ts';
import type { BlockDef, Fields, PatternDef } from './pattern.ts';
import { groupsOf } from './pattern.ts';
import { PATTERNS } from './patterns/index.ts';
import type { DetectedError, DetectExit, DetectLine } from './types.ts';

/**
 * Streaming error detection over console lines.
 *
 * Invariants:
 * - Latency: a detection is returned by the push() of the line that ends it
 *   (a traceback's exception line, npm's "A complete log..." line) or of the
 *   first line after it. Blocks whose end is only known by silence (Node
 *   stacks) wait in `pending` until flush(), which the caller runs on a short
 *   idle timer (~50 ms) while `pending > 0`.
 * - Isolation: each run, and each stream of a run, groups its lines alone, so
 *   interleaved runs and stdout printed in the middle of a stderr traceback
 *   do not break a group.
 * - Bounded memory: at most `max_runs` runs are tracked (the least recently
 *   active is dropped). A block stores its first maxLines lines (within
 *   BLOCK_CHARS characters) and its last TAIL lines, where a traceback's
 *   deepest frame and exception are; past OVERFLOW times maxLines it is
 *   emitted as is (unless it needs its end line, which it then waits for). Lines are cut to `max_line_length` before matching.
 */

export interface ErrorDetectorOptions {
  patterns?: readonly PatternDef[];
  max_runs?: number;
  max_line_length?: number;
  now?: () => number;
}

export interface FlushOptions {
  /** Close only blocks with no line for at least this long (default 0: all). */
  idle_ms?: number;
  now?: number;
}

interface OpenBlock {
  def: BlockDef;
  patterns: readonly PatternDef[];
  lines: string[];
  rel: string[];
  chars: number;
  /** Lines seen after the stored head: the last TAIL of them are kept. */
  tail: { text: string; rel: string }[];
  omitted: number;
  indent: string;
  startFields: Fields;
  before: readonly string[];
  confirmed: boolean;
  held: number;
  ended: boolean;
  time: number;
  lastAt: number;
}

interface StreamState {
  open: OpenBlock | null;
  recent: string[];
  next: number;
}

interface RunState {
  id: string | null;
  stdout: StreamState;
  stderr: StreamState;
  lastAt: number;
  explained: Set<number>;
  types: Set<string>;
}

type Stream = DetectLine['stream'];

const NONE: readonly DetectedError[] = Object.freeze([]);
const RECENT = 6;
const DEFAULT_MAX_LINES = 200;
const BLOCK_CHARS = 64 * 1024;
const STORED_LINE = 1024;
const TAIL = 20;
const OVERFLOW = 10;

function newStream(): StreamState {
  return { open: null, recent: new Array<string>(RECENT).fill(''), next: 0 };
}

/** The line without the block's base indentation; null when it is indented less (it cannot belong). */
function dedent(text: string, indent: string): string | null {
  if (indent === '' || text.startsWith(indent)) return indent === '' ? text : text.slice(indent.length);
  return text.trim() === '' ? '' : null;
}

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** The most severe of a push()'s detections: the level of the line that completed them (null: none). */
export function maxSeverity(errors: readonly DetectedError[]): DetectedError['severity'] | null {
  let best: DetectedError['severity'] | null = null;
  for (const e of errors) if (best === null || RANK[e.severity] < RANK[best]) best = e.severity;
  return best;
}

export class ErrorDetector {
  readonly #lib: Library;
  readonly #maxRuns: number;
  readonly #maxLine: number;
  readonly #now: () => number;
  readonly #runs = new Map<string | null, RunState>();
  #last: RunState | null = null;
  #open = 0;
  #sink: DetectedError[] | null = null;

  constructor(opts: ErrorDetectorOptions = {}) {
    this.#lib = compileLibrary(opts.patterns ?? PATTERNS);
    this.#maxRuns = opts.max_runs ?? 256;
    this.#maxLine = opts.max_line_length ?? 4096;
    this.#now = opts.now ?? Date.now;
  }

  /** Blocks waiting for more lines or for flush(). */
  get pending(): number {
    return this.#open;
  }

  /** Runs with state (for tests and stats). */
  get runs(): number {
    return this.#runs.size;
  }

  push(input: DetectLine): readonly DetectedError[] {
    const raw = input.text.length > this.#maxLine ? input.text.slice(0, this.#maxLine) : input.text;
    const text = cleanLine(raw);
    const run = this.#run(input.run_id, input.time);
    const st = input.stream === 'stderr' ? run.stderr : run.stdout;
    this.#sink = null;
    this.#feed(run, st, input.stream, text, input.time);
    st.recent[st.next] = text;
    st.next = (st.next + 1) % RECENT;
    return this.#take();
  }

  /** Emits blocks that waited for more lines: all of them, or those idle for `idle_ms`. */
  flush(opts: FlushOptions = {}): readonly DetectedError[] {
    if (this.#open === 0) return NONE;
    const now = opts.now ?? this.#now();
    const idle = opts.idle_ms ?? 0;
    this.#sink = null;
    for (const run of this.#runs.values()) {
      this.#drain(run, run.stdout, 'stdout', now, idle);
      this.#drain(run, run.stderr, 'stderr', now, idle);
    }
    return this.#take();
  }

  /** The run ended: emit what it left open, explain its exit code if no line did, forget the run. */
  exit(info: DetectExit): readonly DetectedError[] {
    this.#sink = null;
    const run = this.#runs.get(info.run_id);
    if (run) {
      this.#drain(run, run.stdout, 'stdout', 0, 0);
      this.#drain(run, run.stderr, 'stderr', 0, 0);
      this.#runs.delete(info.run_id);
      if (this.#last === run) this.#last = null;
    }
    const rule = exitRuleFor(info.exit_code, info.oom_killed === true);
    const explained = rule !== null && run !== undefined && (rule.oom ? run.types.has(rule.type) : run.explained.has(rule.code));
    if (rule && !explained) {
      const first = `exit code ${rule.code}`;
      (this.#sink ??= []).push({
        fingerprint: fingerprint(rule.type, rule.message, null),
        pattern_id: `exit.${rule.code}${rule.oom ? '.oom' : ''}`,
        type: rule.type,
        language: rule.language,
        severity: 'error',
        message: rule.message,
        file: null,
        line: null,
        suggestion: rule.suggestion,
        run_id: info.run_id,
        stream: null,
        time: info.time ?? this.#now(),
        first_line_text: first,
        raw: first,
      });
    }
    return this.#take();
  }

  #take(): readonly DetectedError[] {
    const out = this.#sink;
    this.#sink = null;
    return out ?? NONE;
  }

  #run(id: string | null, time: number): RunState {
    const last = this.#last;
    if (last !== null && last.id === id) {
      last.lastAt = time;
      return last;
    }
    let run = this.#runs.get(id);
    if (!run) {
      if (this.#runs.size >= this.#maxRuns) this.#evict();
      run = { id, stdout: newStream(), stderr: newStream(), lastAt: time, explained: new Set(), types: new Set() };
      this.#runs.set(id, run);
    }
    run.lastAt = time;
    this.#last = run;
    return run;
  }

  /** Runs that never report exit() must not pile up: drop the least recently active one. */
  #evict(): void {
    let oldest: RunState | null = null;
    for (const r of this.#runs.values()) if (oldest === null || r.lastAt < oldest.lastAt) oldest = r;
    if (!oldest) return;
    if (oldest.stdout.open) this.#open--;
    if (oldest.stderr.open) this.#open--;
    this.#runs.delete(oldest.id);
    if (this.#last === oldest) this.#last = null;
  }

  #drain(run: RunState, st: StreamState, stream: Stream, now: number, idle: number): void {
    // Closing an unconfirmed block replays its held lines, which may open another block: loop.
    while (st.open !== null && (idle === 0 || now - st.open.lastAt >= idle)) this.#close(run, st, stream, st.open);
  }

  #feed(run: RunState, st: StreamState, stream: Stream, text: string, time: number): void {
    if (st.open !== null) {
      if (this.#offer(run, st, stream, st.open, text, time)) return;
      // The replay of held lines may have opened a block that this line extends.
      if (st.open !== null) return this.#feed(run, st, stream, text, time);
    }
    if (this.#tryStart(st, text, time)) return;
    this.#matchLine(run, stream, text, time);
  }

  /** True when the open block took the line. Otherwise the block is closed and the line is free. */
  #offer(run: RunState, st: StreamState, stream: Stream, open: OpenBlock, text: string, time: number): boolean {
    const def = open.def;
    if (def.splitOnStart && def.start.test(text)) {
      this.#close(run, st, stream, open);
      return false;
    }
    const rel = dedent(text, open.indent);
    if (!open.confirmed && def.lead) {
      if (rel !== null && def.lead.confirm.test(rel)) {
        open.confirmed = true;
        return this.#append(run, st, stream, open, text, rel, time);
      }
      if (open.held >= def.lead.max || this.#startsBlock(text)) {
        this.#close(run, st, stream, open);
        return false;
      }
      open.held++;
      return this.#append(run, st, stream, open, text, rel ?? text, time);
    }
    if (rel !== null && def.end?.test(rel)) {
      open.ended = true;
      this.#append(run, st, stream, open, text, rel, time);
      if (st.open === open) this.#close(run, st, stream, open);
      return true;
    }
    if (rel !== null && def.continue.test(rel)) return this.#append(run, st, stream, open, text, rel, time);
    this.#close(run, st, stream, open);
    return false;
  }

  #append(run: RunState, st: StreamState, stream: Stream, open: OpenBlock, text: string, rel: string, time: number): true {
    const stored = text.length > STORED_LINE ? text.slice(0, STORED_LINE) : text;
    const storedRel = rel.length > STORED_LINE ? rel.slice(0, STORED_LINE) : rel;
    const max = open.def.maxLines ?? DEFAULT_MAX_LINES;
    open.lastAt = time;
    if (open.tail.length === 0 && open.omitted === 0 && open.lines.length < max && open.chars < BLOCK_CHARS) {
      open.lines.push(stored);
      open.rel.push(storedRel);
      open.chars += stored.length;
      return true;
    }
    open.tail.push({ text: stored, rel: storedRel });
    if (open.tail.length > TAIL) {
      open.tail.shift();
      open.omitted++;
    }
    // A block that never ends is emitted as is rather than held without limit. Not one that
    // needs its end line (a deep traceback): closing it early would lose it, and it stores no more.
    if (!open.def.requireEnd && open.omitted >= max * OVERFLOW) this.#close(run, st, stream, open);
    return true;
  }

  #startsBlock(text: string): boolean {
    for (const b of this.#lib.blocks) if (b.def.start.test(text)) return true;
    return false;
  }

  #tryStart(st: StreamState, text: string, time: number): boolean {
    for (const { def, patterns } of this.#lib.blocks) {
      const m = def.start.exec(text);
      if (!m) continue;
      const before = def.preamble ? [...st.recent.slice(st.next), ...st.recent.slice(0, st.next)] : [];
      const stored = text.length > STORED_LINE ? text.slice(0, STORED_LINE) : text;
      const indent = def.relativeIndent ? (/^\s*/.exec(text)?.[0] ?? '') : '';
      st.open = {
        def,
        patterns,
        lines: [stored],
        rel: [stored.slice(indent.length)],
        chars: stored.length,
        tail: [],
        omitted: 0,
        indent,
        startFields: groupsOf(m),
        before,
        confirmed: def.lead === undefined,
        held: 0,
        ended: false,
        time,
        lastAt: time,
      };
      this.#open++;
      return true;
    }
    return false;
  }

  #close(run: RunState, st: StreamState, stream: Stream, open: OpenBlock): void {
    if (st.open === open) {
      st.open = null;
      this.#open--;
    }
    let lines = open.confirmed ? open.lines : open.lines.slice(0, 1);
    let rel = open.confirmed ? open.rel : open.rel.slice(0, 1);
    if (open.confirmed && open.tail.length > 0) {
      const gap = open.omitted > 0 ? [`… ${open.omitted} lines omitted …`] : [];
      lines = [...lines, ...gap, ...open.tail.map((t) => t.text)];
      rel = [...rel, ...gap, ...open.tail.map((t) => t.rel)];
    }
    if (!open.def.requireEnd || open.ended) {
      for (const p of open.patterns) {
        if (p.needsConfirm && !open.confirmed) continue;
        const hit = this.#matchBlock(p, lines, rel);
        if (!hit) continue;
        this.#emit(run, p, buildDetection({ pattern: p, match: hit.m, matched: hit.text, lines, relLines: rel, block: open.def, startFields: open.startFields, before: open.before, run_id: run.id, stream, time: open.time }));
        break;
      }
    }
    // Lines held while waiting for confirmation were not the block's after all: read them again.
    if (!open.confirmed) for (const held of open.lines.slice(1)) this.#feed(run, st, stream, held, open.lastAt);
  }

  #matchBlock(p: PatternDef, lines: readonly string[], rel: readonly string[]): { m: RegExpExecArray; text: string } | null {
    const on = p.on ?? 'start';
    if (on === 'any') {
      for (const text of rel) {
        const m = p.match.exec(text);
        if (m) return { m, text };
      }
      return null;
    }
    const text = on === 'start' ? (lines[0] ?? '') : (rel[rel.length - 1] ?? '');
    const m = p.match.exec(text);
    return m ? { m, text } : null;
  }

  #matchLine(run: RunState, stream: Stream, text: string, time: number): void {
    const lib = this.#lib;
    const list = lib.prefilter !== null && lib.prefilter.test(text) ? lib.single : lib.unhinted;
    for (const p of list) {
      if (p.hint !== undefined && !text.includes(p.hint)) continue;
      const m = p.match.exec(text);
      if (!m) continue;
      const line = text.length > LIMITS.raw ? text.slice(0, LIMITS.raw) : text;
      this.#emit(run, p, buildDetection({ pattern: p, match: m, matched: text, lines: [line], relLines: [line], block: null, startFields: {}, before: [], run_id: run.id, stream, time }));
      return;
    }
  }

  #emit(run: RunState, p: PatternDef, d: DetectedError): void {
    if (p.silent) return;
    for (const code of p.explainsExit ?? []) run.explained.add(code);
    run.types.add(d.type);
    (this.#sink ??= []).push(d);
  }
}
