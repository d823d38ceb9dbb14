import { z } from 'zod';
import type { FileMeta } from '../../contracts/index.ts';
import type { ToolContext, ToolDef } from '../types.ts';
import { changeOf, formatBytes, lineCount, translated, workspaceRel } from './common.ts';

/** One file per call; bigger artefacts are produced by commands, not typed out by a model. */
export const WRITE_MAX_CHARS = 1_000_000;

const Input = z.strictObject({
  path: z.string().min(1).max(4096).describe('File path relative to /workspace; missing folders are created'),
  content: z.string().max(WRITE_MAX_CHARS).describe('The whole new content of the file (UTF-8 text)'),
});
type Input = z.output<typeof Input>;

/**
 * Approval mode `ask`: writing inside the current task (a path the user named,
 * or one this turn already created or changed) goes ahead; anything else asks.
 */
export function writeApproval(path: string, ctx: ToolContext, what: string): string | null {
  let rel: string;
  try {
    rel = workspaceRel(path);
  } catch {
    return null; // the call itself will fail and say why
  }
  return ctx.taskPaths.has(rel) ? null : `${what} ${rel}, a file outside the current task`;
}

/** What a write tells the model: where, how big, which version. */
export function describeWrite(verb: string, meta: FileMeta, content: string): string {
  const version = meta.version !== null ? `version ${meta.version}` : meta.ignored ? 'ignored by .gitignore, not versioned' : 'not versioned (too large)';
  return `${verb} ${meta.path}: ${formatBytes(meta.size)}, ${lineCount(content)} line(s) (${version}).`;
}

/** Records a change on the turn: the step lists it, and later writes to it need no approval. */
export function changed(ctx: ToolContext, path: string): void {
  ctx.fileChanged(path);
  ctx.taskPaths.add(path);
}

export const writeFile: ToolDef<Input> = {
  name: 'write_file',
  description: [
    'Create a file or replace its whole content. Missing folders are created. Every write is kept as a version (it can be undone).',
    'To change part of an existing file prefer edit_file: it is shorter and cannot lose the rest of the file.',
  ].join(' '),
  input: Input,
  needsApproval: (input, ctx) => writeApproval(input.path, ctx, 'writes'),
  async run(input, ctx) {
    const rel = workspaceRel(input.path);
    const { files } = ctx.services;
    const existed = await files.stat(ctx.project.id, rel).then(
      () => true,
      () => false,
    );
    const meta = await translated(() => files.writeText(ctx.project.id, rel, input.content, 'utf-8', changeOf(ctx)));
    changed(ctx, meta.path);
    return describeWrite(existed ? 'Wrote' : 'Created', meta, input.content);
  },
};
