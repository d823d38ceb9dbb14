/** How checkpoints read in the terminal: the list of turns, one turn's files, an undo's outcome. */
import type { Checkpoint, CheckpointFile, UndoConflict, UndoResult } from '../src/contracts/index.ts';
import { formatTime, plural } from './format.ts';
import { formatDetails, formatTable } from './table.ts';

const SIGN: Record<CheckpointFile['action'], string> = { created: '+', modified: '~', deleted: '-' };

export function fileCounts(files: readonly CheckpointFile[]): string {
  if (files.length === 0) return 'none';
  const n = (a: CheckpointFile['action']) => files.filter((f) => f.action === a).length;
  return [`+${n('created')}`, `~${n('modified')}`, `-${n('deleted')}`].join(' ');
}

const oneLine = (s: string, max = 60) => {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
};

function state(c: Checkpoint): string {
  if (c.undone_at !== null) return 'undone';
  if (c.status === null) return 'running';
  return c.status;
}

export function checkpointTable(items: readonly Checkpoint[]): string {
  if (items.length === 0) return 'No agent turn changed files yet.\n';
  const rows = items.map((c) => [c.id, formatTime(c.started_at), c.kind === 'autofix' ? `${c.agent} (auto-fix)` : c.agent, fileCounts(c.files), state(c), c.commit ? c.commit.slice(0, 10) : '', oneLine(c.request)]);
  return formatTable(['turn', 'when', 'agent', 'files', 'state', 'commit', 'request'], rows);
}

export function checkpointDetails(c: Checkpoint): string {
  const head = formatDetails([
    ['Turn', c.id],
    ['Agent', c.kind === 'autofix' ? `${c.agent} (auto-fix attempt)` : c.agent],
    ['Conversation', c.conversation_id],
    ['State', state(c)],
    ['Started', formatTime(c.started_at)],
    ['Finished', formatTime(c.finished_at)],
    ['Commit', c.commit ?? c.commit_note ?? ''],
    ['Request', oneLine(c.request, 200)],
  ]);
  if (c.files.length === 0) return `${head}\nNo files changed.\n`;
  const rows = c.files.map((f) => [`${SIGN[f.action]} ${f.path}`, f.action, f.before_stored ? (f.before_version === null ? '-' : `v${f.before_version}`) : 'not stored', f.after_version === null ? '-' : `v${f.after_version}`]);
  return `${head}\n${formatTable(['file', 'change', 'before', 'after'], rows)}`;
}

export function undoText(r: UndoResult): string {
  const lines = r.files.map((f) => `  ${f.result.padEnd(9)} ${f.path}${f.version !== null ? ` (v${f.version})` : ''}`);
  const done = r.files.filter((f) => f.result === 'restored' || f.result === 'deleted').length;
  return `Undid turn ${r.checkpoint.id} (${r.checkpoint.agent}): ${plural(done, 'file')} put back as before the turn.\n${lines.join('\n')}\n`;
}

/** The files an undo refused, from the 409's details. */
export function undoConflicts(details: unknown): UndoConflict[] {
  const files = (details as { files?: unknown } | null)?.files;
  if (!Array.isArray(files)) return [];
  return files.filter((f): f is UndoConflict => typeof f === 'object' && f !== null && typeof (f as UndoConflict).path === 'string');
}
