import { fingerprint } from './normalize.ts';
import { type BlockDef, type Fields, fillFirst, fill, groupsOf, type PatternDef } from './pattern.ts';
import type { DetectedError } from './types.ts';

/** Everything a detection is made from: the pattern's match and the lines around it. */
export interface Evidence {
  pattern: PatternDef;
  match: RegExpExecArray;
  /** The text the match ran on; the default message. */
  matched: string;
  lines: readonly string[];
  /** The block's lines with its base indentation removed (relativeIndent), for scans and frames. */
  relLines: readonly string[];
  block: BlockDef | null;
  startFields: Fields;
  /** Lines printed before the block (Node's `file:line` header). */
  before: readonly string[];
  run_id: string | null;
  stream: DetectedError['stream'];
  time: number;
}

export const LIMITS = { message: 500, raw: 8192 } as const;

function cap(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

/** Over the cap, raw keeps its head and its tail: the end of a traceback is its exception line. */
function capRaw(lines: readonly string[]): string {
  const all = lines.join('\n');
  if (all.length <= LIMITS.raw) return all;
  const headBudget = Math.floor(LIMITS.raw * 0.7);
  const tailBudget = LIMITS.raw - headBudget - 40;
  let h = 0;
  let used = 0;
  while (h < lines.length && used + (lines[h]?.length ?? 0) + 1 <= headBudget) used += (lines[h++]?.length ?? 0) + 1;
  let t = lines.length;
  used = 0;
  while (t > h && used + (lines[t - 1]?.length ?? 0) + 1 <= tailBudget) used += (lines[--t]?.length ?? 0) + 1;
  return [...lines.slice(0, h), `… ${t - h} lines omitted …`, ...lines.slice(t)].join('\n');
}

function toLine(s: string | undefined): number | null {
  if (s === undefined) return null;
  const n = Number.parseInt(s, 10);
  return Number.isSafeInteger(n) ? n : null;
}

function cleanFile(f: string): string {
  return f.startsWith('file://') ? f.slice(7) : f;
}

/** The user's frame: Python's deepest (last), Node's innermost (first); library frames only as a fallback. */
function pickFrame(block: BlockDef, lines: readonly string[]): Fields {
  const spec = block.frames;
  if (!spec) return {};
  let user: Fields | null = null;
  let any: Fields | null = null;
  for (const l of lines) {
    const m = spec.regex.exec(l);
    if (!m?.groups?.file) continue;
    const f = { file: cleanFile(m.groups.file), line: m.groups.line };
    if (spec.runtime?.test(f.file)) continue;
    if (spec.pick === 'first' && any === null) any = f;
    if (spec.pick === 'last') any = f;
    if (!spec.library.test(f.file)) {
      user = f;
      if (spec.pick === 'first') break;
    }
  }
  return user ?? any ?? {};
}

function fromPreamble(block: BlockDef, before: readonly string[]): Fields {
  const p = block.preamble;
  const lib = block.frames?.library;
  if (!p) return {};
  // Nearest first: the header sits a few lines above the error.
  for (let i = before.length - 1; i >= Math.max(0, before.length - p.lookback); i--) {
    const m = p.regex.exec(before[i] ?? '');
    if (m?.groups?.file && !lib?.test(m.groups.file)) return { file: cleanFile(m.groups.file), line: m.groups.line };
  }
  return {};
}

/** Named groups of the match win over the block's start, then scans fill the gaps, then derive. */
function collectFields(ev: Evidence): Fields {
  const f: Fields = { ...ev.startFields, ...groupsOf(ev.match) };
  for (const re of ev.pattern.scan ?? []) {
    for (const l of ev.relLines) {
      const m = re.exec(l);
      if (!m) continue;
      for (const [k, v] of Object.entries(groupsOf(m))) if (f[k] === undefined) f[k] = v;
      break;
    }
  }
  if (ev.pattern.derive) Object.assign(f, ev.pattern.derive(f));
  // A pattern that names the file decides; otherwise the header, then the stack.
  if (!Object.hasOwn(f, 'file') && ev.block) {
    const header = fromPreamble(ev.block, ev.before);
    Object.assign(f, header.file ? header : pickFrame(ev.block, ev.relLines));
  }
  if (f.file !== undefined) f.file = cleanFile(f.file);
  return f;
}

export function buildDetection(ev: Evidence): DetectedError {
  const p = ev.pattern;
  const f = collectFields(ev);
  const type = fill(p.type, f) ?? p.id;
  const message = cap((fillFirst(p.message, f) ?? ev.matched).trim(), LIMITS.message);
  const file = f.file ?? null;
  return {
    fingerprint: fingerprint(type, message, file),
    pattern_id: p.id,
    type,
    language: p.language,
    severity: p.severity,
    message,
    file,
    line: file === null ? null : toLine(f.line),
    suggestion: fillFirst(p.suggestion, f),
    run_id: ev.run_id,
    stream: ev.stream,
    time: ev.time,
    first_line_text: cap(ev.lines[0] ?? ev.matched, LIMITS.message),
    raw: capRaw(ev.lines),
  };
}
