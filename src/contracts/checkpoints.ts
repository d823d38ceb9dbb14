import { z } from 'zod';
import { AgentName, TurnStatus } from './agents.ts';
import { VersionAction } from './files.ts';

/**
 * A checkpoint is what one agent turn (or one auto-fix attempt) did to the
 * workspace: every file it created, changed or deleted, with the versions
 * before and after. Its id is the turn's id (the assistant message, msg_…).
 */
export const CheckpointKind = z.enum(['turn', 'autofix']);
export type CheckpointKind = z.infer<typeof CheckpointKind>;

export const CheckpointFile = z.object({
  path: z.string(),
  action: VersionAction.describe('What the turn did to the file, from before the turn to after it'),
  before_version: z.number().int().nullable().describe('null: the file did not exist, or its content before the turn was never stored (see before_stored)'),
  after_version: z.number().int().nullable().describe('null: the turn deleted it'),
  before_sha256: z.string().nullable(),
  after_sha256: z.string().nullable(),
  before_stored: z.boolean().describe('false: the file existed but its earlier content is not in the history (a file of the imported folder first changed by a command), so undo cannot bring it back'),
});
export type CheckpointFile = z.infer<typeof CheckpointFile>;

export const Checkpoint = z.object({
  id: z.string().describe('The turn (its assistant message id)'),
  project_id: z.string(),
  conversation_id: z.string(),
  agent: AgentName,
  kind: CheckpointKind,
  request: z.string().describe('What the turn was asked (the first 2,000 characters)'),
  status: TurnStatus.nullable().describe('null while the turn runs'),
  files: z.array(CheckpointFile),
  commit: z.string().nullable().describe('The git commit made for this turn (setting git_commit)'),
  commit_note: z.string().nullable().describe('Why no commit was made, when git_commit is on'),
  undone_at: z.number().int().nullable(),
  started_at: z.number().int(),
  finished_at: z.number().int().nullable(),
});
export type Checkpoint = z.infer<typeof Checkpoint>;

export const CheckpointListQuery = z.object({
  conversation_id: z.string().max(100).optional(),
  with_changes: z.enum(['0', '1', 'true', 'false']).optional().describe('1: only turns that changed files'),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  offset: z.coerce.number().int().min(0).default(0),
});
export type CheckpointListQuery = z.input<typeof CheckpointListQuery>;

export const CheckpointList = z.object({ items: z.array(Checkpoint).describe('Newest first'), total: z.number().int() });
export type CheckpointList = z.infer<typeof CheckpointList>;

export const CheckpointDiffQuery = z.object({
  context: z.coerce.number().int().min(0).max(100).default(3),
});
export type CheckpointDiffQuery = z.input<typeof CheckpointDiffQuery>;

export const CheckpointFileDiff = z.object({
  path: z.string(),
  action: VersionAction,
  binary: z.boolean(),
  diff: z.string().nullable().describe('Unified diff of this file from before the turn to after it; null for binary content or content not stored'),
  additions: z.number().int(),
  deletions: z.number().int(),
  note: z.string().nullable(),
});
export type CheckpointFileDiff = z.infer<typeof CheckpointFileDiff>;

export const CheckpointDiff = z.object({
  checkpoint: Checkpoint,
  files: z.array(CheckpointFileDiff),
  diff: z.string().describe('The whole turn as one unified diff (a/ → b/ paths, as git shows it)'),
});
export type CheckpointDiff = z.infer<typeof CheckpointDiff>;

export const UndoRequest = z.strictObject({
  force: z.boolean().default(false).describe('Restore even the files changed since the turn (their later changes stay in the history)'),
});
export type UndoRequest = z.input<typeof UndoRequest>;

export const UndoFile = z.object({
  path: z.string(),
  result: z
    .enum(['restored', 'deleted', 'unchanged', 'skipped'])
    .describe('restored: written back to its content before the turn; deleted: the turn created it; skipped: its earlier content was never stored (only with force)'),
  version: z.number().int().nullable().describe('The version the undo recorded'),
});
export type UndoFile = z.infer<typeof UndoFile>;

export const UndoResult = z.object({
  checkpoint: Checkpoint,
  files: z.array(UndoFile),
});
export type UndoResult = z.infer<typeof UndoResult>;

/** A file undo refuses to touch without force: in `details.files` of the 409. */
export const UndoConflict = z.object({
  path: z.string(),
  reason: z.string(),
  current_version: z.number().int().nullable(),
  author: z.string().nullable().describe('Who changed it since the turn'),
});
export type UndoConflict = z.infer<typeof UndoConflict>;
