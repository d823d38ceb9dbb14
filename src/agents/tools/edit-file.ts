import { z } from 'zod';
import { ToolError, type ToolDef } from '../types.ts';
import { changeOf, clip, lineCount, numbered, translated, workspaceRel } from './common.ts';
import { WRITE_MAX_CHARS, changed, writeApproval } from './write-file.ts';

const Input = z.strictObject({
  path: z.string().min(1).max(4096).describe('File path relative to /workspace'),
  old_text: z.string().min(1).max(WRITE_MAX_CHARS).describe('The exact text to replace, as it is in the file (whitespace and indentation included, no line numbers); it must occur exactly once'),
  new_text: z.string().max(WRITE_MAX_CHARS).describe('The text to put in its place (empty to delete it)'),
});
type Input = z.output<typeof Input>;

/** Lines of the changed region shown back, with a little context, so the model can check its edit. */
const SHOWN_CONTEXT = 2;
const SHOWN_MAX_LINES = 30;

export const editFile: ToolDef<Input> = {
  name: 'edit_file',
  description: [
    'Replace one piece of text in a file with another. old_text must match the file exactly (spaces, tabs and line breaks included) and exactly once;',
    'include a few surrounding lines to make it unique. Copy it from read_file output without the line-number prefix.',
    'The change is kept as a version. Answers with the changed lines.',
  ].join(' '),
  input: Input,
  needsApproval: (input, ctx) => writeApproval(input.path, ctx, 'edits'),
  async run(input, ctx) {
    const rel = workspaceRel(input.path);
    const { files } = ctx.services;
    if (input.old_text === input.new_text) throw new ToolError('old_text and new_text are the same: nothing to change.');
    const cur = await translated(() => files.read(ctx.project.id, rel));
    if (cur.type === 'dir') throw new ToolError(`${rel} is a folder, not a file.`);
    if (cur.content === null || cur.encoding !== 'utf-8') throw new ToolError(`${rel} is ${cur.is_binary ? 'a binary file' : 'too large to edit here'}; edit_file works on text files.`);
    const text = cur.content;
    let oldText = input.old_text;
    let newText = input.new_text;
    let found = positions(text, oldText);
    // A file with Windows line ends, an old_text written with \n: match it as the file has it.
    if (found.length === 0 && text.includes('\r\n') && oldText.includes('\n') && !oldText.includes('\r\n')) {
      oldText = oldText.replace(/\n/g, '\r\n');
      newText = newText.replace(/\r?\n/g, '\r\n');
      found = positions(text, oldText);
    }
    if (found.length === 0) throw new ToolError(notFoundHint(rel, text, input.old_text));
    if (found.length > 1) {
      const lines = found.slice(0, 10).map((i) => lineAt(text, i));
      throw new ToolError(
        `old_text occurs ${found.length} times in ${rel} (at lines ${lines.join(', ')}${found.length > 10 ? ', …' : ''}). Add surrounding lines to old_text so that it matches exactly once.`,
      );
    }
    const at = found[0] as number;
    const next = text.slice(0, at) + newText + text.slice(at + oldText.length);
    const meta = await translated(
      () => files.writeText(ctx.project.id, rel, next, 'utf-8', { ...changeOf(ctx), ifMatch: cur.sha256 ? { kind: 'sha256', sha256: cur.sha256 } : null }),
      `${rel} changed while it was being edited: read it again and retry.`,
    );
    changed(ctx, meta.path);
    const first = lineAt(text, at);
    const removed = lineCount(oldText) || 1;
    const added = lineCount(newText);
    const version = meta.version !== null ? ` (version ${meta.version})` : '';
    const head = `Edited ${meta.path}: replaced ${removed} line(s) at line ${first} with ${added} line(s)${version}.`;
    return `${head}\n${excerpt(next, first, Math.max(added, 1))}`;
  },
};

function positions(text: string, needle: string): number[] {
  const out: number[] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) out.push(i);
  return out;
}

/** 1-based line number of a character offset. */
function lineAt(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** The lines [first, first+count) of the new text with a little context, numbered. */
function excerpt(text: string, first: number, count: number): string {
  const lines = text.split(/\r?\n/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop(); // the final newline ends a line, it starts none
  const from = Math.max(1, first - SHOWN_CONTEXT);
  const wanted = Math.min(lines.length, first + count - 1 + SHOWN_CONTEXT);
  const to = Math.min(wanted, from + SHOWN_MAX_LINES - 1);
  const cut = wanted > to ? '\n[…]' : '';
  return numbered(lines.slice(from - 1, to), from) + cut;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
const words = (s: string) => new Set(s.toLowerCase().match(/[a-z0-9_]+/g) ?? []);

/**
 * Why old_text did not match, in the terms a model can act on: line numbers
 * copied from read_file, whitespace that differs, or the nearest line.
 */
export function notFoundHint(rel: string, text: string, oldText: string): string {
  const base = `old_text was not found in ${rel}.`;
  const oldLines = oldText.split(/\r?\n/);
  if (oldLines.filter((l) => l.trim() !== '').every((l) => /^\s*\d+\| /.test(l))) {
    return `${base} It starts its lines with line numbers ("12| "): those come from read_file and are not in the file; leave them out.`;
  }
  const fileLines = text.split(/\r?\n/);
  if (squash(oldText) !== '' && squash(text).includes(squash(oldText))) {
    const firstOld = squash(oldLines.find((l) => l.trim() !== '') ?? '');
    const at = fileLines.findIndex((l) => squash(l) === firstOld);
    const where = at >= 0 ? ` near line ${at + 1}` : '';
    return `${base} It matches${where} if whitespace is ignored: the indentation, tabs/spaces, blank lines or trailing spaces differ. Read those lines again and copy them exactly.`;
  }
  const probe = oldLines.find((l) => l.trim() !== '') ?? oldText;
  const want = words(probe);
  let best = -1;
  let bestScore = 0;
  fileLines.forEach((l, i) => {
    if (want.size === 0) return;
    const have = words(l);
    let common = 0;
    for (const w of want) if (have.has(w)) common++;
    const score = common / (want.size + have.size - common);
    if (score > bestScore) {
      bestScore = score;
      best = i;
    }
  });
  const nearest = best >= 0 && bestScore >= 0.3 ? ` The closest line to its first line is ${best + 1}: ${JSON.stringify(clip(fileLines[best] ?? '', 200))}.` : '';
  return `${base}${nearest} The file may have changed: read it again (read_file) and copy old_text exactly.`;
}
