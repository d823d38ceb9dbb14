import type { ErrorLanguage, ErrorSeverity } from './types.ts';

/**
 * The vocabulary of the pattern library. A pattern is data: regexes, field
 * names and text templates. Multi-line errors share a `BlockDef` (how lines
 * group: start, continuation, end); the patterns that name a block then
 * classify the grouped lines. Single-line patterns have no block.
 */

/** Named regex groups of a match, plus derived values. */
export type Fields = Record<string, string | undefined>;

/** Where in a stack the user's code is. */
export interface FrameSpec {
  /** A stack frame line; named groups `file` and `line`. */
  regex: RegExp;
  /** A frame whose file matches is library or runtime code, not the user's. */
  library: RegExp;
  /** Python prints the deepest frame last, Node first. */
  pick: 'first' | 'last';
  /** Frames never reported, even when no user frame exists (node:internal/...). */
  runtime?: RegExp;
}

export interface BlockDef {
  id: string;
  /** The first line. Its named groups become fields (a SyntaxError's file and line). */
  start: RegExp;
  /** Lines that extend the block. */
  continue: RegExp;
  /** A line that closes the block and belongs to it: the detection is emitted at once. */
  end?: RegExp;
  /** Without an end line the block is dropped when it closes (a `File "x", line 3` line alone is not an error). */
  requireEnd?: boolean;
  /**
   * Strip the start line's indentation from later lines before testing them:
   * pip prints a failing setup.py's traceback indented by six spaces.
   */
  relativeIndent?: boolean;
  /** A line matching `start` closes the block and opens the next one (consecutive jest failures). */
  splitOnStart?: boolean;
  /**
   * Node prints an error's message over several lines before its first `at`
   * line. Until a line matching `confirm` arrives, up to `max` lines of any
   * kind are held; if none arrives, the block shrinks to its start line and
   * the held lines are examined again as ordinary lines.
   */
  lead?: { confirm: RegExp; max: number };
  /** Blocks are capped: a longer one is emitted when it reaches this many lines. */
  maxLines?: number;
  frames?: FrameSpec;
  /** Node prints `path:line` of the throw a few lines BEFORE the error line. */
  preamble?: { regex: RegExp; lookback: number };
}

export interface PatternDef {
  id: string;
  /** May contain `{field}` placeholders: `python.{exception}`. */
  type: string;
  language: ErrorLanguage;
  severity: ErrorSeverity;
  /** Multi-line: the block this pattern classifies. Absent: a single line. */
  block?: BlockDef;
  /** Which block lines `match` is tested against (default `start`). */
  on?: 'start' | 'end' | 'any';
  match: RegExp;
  /**
   * Single-line patterns: a literal the line must contain. All hints form one
   * prefilter regex, so a line that matches nothing costs one regex test, not
   * one per pattern. Anchored patterns without a hint are tested directly.
   */
  hint?: string;
  /** Block patterns: the block must be confirmed (Node: at least one `at` line). */
  needsConfirm?: boolean;
  /** Regexes run over every block line to fill fields the match left empty. */
  scan?: readonly RegExp[];
  /** Computes extra fields (pip package name from a module name). */
  derive?: (f: Fields) => Fields;
  /** Message templates tried in order (first fully filled wins); default: the matched line. */
  message?: string | readonly string[];
  /** Templates tried in order; the first whose placeholders are all filled wins. */
  suggestion?: string | readonly string[];
  /** Consumes what it matches and emits nothing: known noise, such as a test reporter's recap of failures already reported. */
  silent?: true;
  /** Exit codes this error explains: no separate exit-code detection is added. */
  explainsExit?: readonly number[];
  /** At least one line this pattern matches: checked by the tests, listed in docs/errors.md. */
  examples: readonly string[];
}

const PLACEHOLDER = /\{(\w+)\}/g;

/** Fills `{name}` placeholders; null when a placeholder has no value. */
export function fill(template: string, f: Fields): string | null {
  let missing = false;
  const out = template.replace(PLACEHOLDER, (_, name: string) => {
    const v = f[name];
    if (v === undefined || v === '') missing = true;
    return v ?? '';
  });
  return missing ? null : out;
}

export function fillFirst(templates: string | readonly string[] | undefined, f: Fields): string | null {
  if (templates === undefined) return null;
  for (const t of typeof templates === 'string' ? [templates] : templates) {
    const s = fill(t, f);
    if (s !== null) return s;
  }
  return null;
}

/** Named groups of a match, without the undefined ones (so they do not shadow scanned values). */
export function groupsOf(m: RegExpExecArray): Fields {
  const out: Fields = {};
  const g = m.groups;
  if (!g) return out;
  for (const k in g) if (g[k] !== undefined) out[k] = g[k];
  return out;
}
