/**
 * What the tools share: paths as a model writes them, failures as a model can
 * read them, and output cut to a size a model can afford.
 */
import { WORKSPACE_DIR, ZeblitError, type ErrorCode } from '../../contracts/index.ts';
import { normalizePath } from '../../files/index.ts';
import { ToolError, type ToolContext } from '../types.ts';

/** A path as a model writes it ("/workspace/src/a.py", "./src/a.py", "src/a.py") → the files domain's form. */
export function workspaceRel(input: string, opts: { allowRoot?: boolean } = {}): string {
  let p = input.trim();
  if (p === WORKSPACE_DIR || p === `${WORKSPACE_DIR}/`) p = '';
  else if (p.startsWith(`${WORKSPACE_DIR}/`)) p = p.slice(WORKSPACE_DIR.length + 1);
  while (p.startsWith('./')) p = p.slice(2);
  if (p === '.') p = '';
  try {
    return normalizePath(p, opts);
  } catch (e) {
    throw toolError(e);
  }
}

/** The author of every change an agent makes. */
export const authorOf = (ctx: ToolContext) => `agent:${ctx.agent}`;

/** Author and turn of a change an agent makes: its version belongs to the turn's checkpoint. */
export const changeOf = (ctx: ToolContext) => ({ author: authorOf(ctx), turnId: ctx.turnId ?? null });

const HINTS: Partial<Record<ErrorCode, string>> = {
  NOT_FOUND: 'Check the path with list_files (paths are relative to /workspace).',
  INVALID_PATH: 'Give a path relative to /workspace, with / between folders, e.g. src/main.py.',
  CONFLICT: 'Read the file again and retry with what is there now.',
  PAYLOAD_TOO_LARGE: 'Write smaller files, or produce large ones with run_command.',
  DOCKER_UNAVAILABLE: 'The container engine is not available right now; tell the user, commands cannot run until it is back.',
};

/**
 * A service's failure as the model should read it: the message, and a hint
 * about tools (the API's own suggestions talk about HTTP routes, which the
 * model cannot call).
 */
export function toolError(e: unknown, hint?: string): ToolError | unknown {
  if (e instanceof ToolError) return e;
  if (e instanceof ZeblitError) {
    const more = hint ?? HINTS[e.code];
    return new ToolError(more ? `${e.message}. ${more}` : e.message);
  }
  return e;
}

/** Runs `fn`, turning the domains' ZeblitErrors into ToolErrors. */
export async function translated<T>(fn: () => Promise<T> | T, hint?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw toolError(e, hint);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Cuts a string to at most `max` UTF-16 units, saying so. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters]`;
}

/**
 * The end of some output: its last `maxLines` lines and at most `maxBytes`
 * bytes (cut at a line start when possible). `omitted` counts the lines left
 * out before it.
 */
export function tail(text: string, maxLines: number, maxBytes: number): { text: string; omitted: number; total: number } {
  const trimmed = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (trimmed === '') return { text: '', omitted: 0, total: 0 };
  const lines = trimmed.split('\n');
  let kept = lines.slice(-maxLines);
  let out = kept.join('\n');
  if (Buffer.byteLength(out) > maxBytes) {
    const buf = Buffer.from(out);
    let cut = buf.subarray(buf.length - maxBytes).toString('utf8');
    // Drop a partial first character and a partial first line, unless that would leave nothing.
    cut = cut.replace(/^\uFFFD+/, '');
    const nl = cut.indexOf('\n');
    if (nl >= 0 && nl < cut.length - 1) cut = cut.slice(nl + 1);
    out = cut;
    kept = cut.split('\n');
  }
  return { text: out, omitted: lines.length - kept.length, total: lines.length };
}

/** Line count of a text as an editor shows it (a final newline does not start a line). */
export function lineCount(text: string): number {
  if (text === '') return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n - 1 : n;
}

/** Lines numbered as read_file shows them. */
export function numbered(lines: string[], first: number, maxLineChars = 2000): string {
  const width = String(first + lines.length - 1).length;
  return lines.map((l, i) => `${String(first + i).padStart(width)}| ${clip(l, maxLineChars)}`).join('\n');
}
