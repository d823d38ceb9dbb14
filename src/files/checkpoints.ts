/**
 * Checkpoints: each agent turn as a reviewable, undoable unit. A turn's
 * changes are the versions it recorded through the API (file_versions.turn_id)
 * and those the scans after its commands recorded (their run_id). When the
 * turn ends they are folded into one entry per path, from the version before
 * the turn to the turn's last one, and kept on the checkpoint row.
 *
 * Invariant: undo never overwrites what someone changed after the turn. A
 * file whose newest version is not the turn's own is refused (with the list)
 * unless forced; the undo is itself recorded as new versions, so it can be
 * undone in turn by restoring them.
 */
import { and, count, desc, eq, isNotNull, sql } from 'drizzle-orm';
import {
  ZeblitError,
  CheckpointDiffQuery,
  CheckpointListQuery,
  isTrue,
  type Checkpoint,
  type CheckpointDiff,
  type CheckpointFile,
  type CheckpointFileDiff,
  type CheckpointKind,
  type CheckpointList,
  type TurnStatus,
  type UndoConflict,
  type UndoFile,
} from '../contracts/index.ts';
import type { FilesCore } from './core.ts';
import { unifiedDiff } from './diff.ts';
import { checkpoints } from './files.sql.ts';
import type { VersionRow } from './history.ts';
import { isBinaryContent } from './mime.ts';

type Row = typeof checkpoints.$inferSelect;

const REQUEST_CHARS = 2_000;

const toCheckpoint = (r: Row): Checkpoint => ({
  id: r.id,
  project_id: r.project_id,
  conversation_id: r.conversation_id,
  agent: r.agent as Checkpoint['agent'],
  kind: r.kind,
  request: r.request,
  status: (r.status as TurnStatus | null) ?? null,
  files: r.files,
  commit: r.commit,
  commit_note: r.commit_note,
  undone_at: r.undone_at,
  started_at: r.started_at,
  finished_at: r.finished_at,
});

export interface BeginCheckpoint {
  id: string;
  projectId: string;
  conversationId: string;
  agent: string;
  kind: CheckpointKind;
  request: string;
}

/** What undo needs of the files service: writes and deletes that are recorded and reach the container. */
export interface UndoWriter {
  write(projectId: string, path: string, data: Buffer, ctx: { author: string; origin: string }): Promise<{ version: number | null }>;
  delete(projectId: string, path: string, ctx: { author: string; origin: string }): Promise<unknown>;
}

const notFoundCheckpoint = (id: string) =>
  new ZeblitError('NOT_FOUND', `Checkpoint ${id} not found`, { suggestion: 'List them with `zeblit changes` (GET /projects/{id}/checkpoints).' });

export class Checkpoints {
  constructor(private readonly core: FilesCore) {}

  /** A turn starts: its row exists from now on (status null while it runs). */
  begin(b: BeginCheckpoint): void {
    this.core.db
      .insert(checkpoints)
      .values({
        id: b.id,
        project_id: b.projectId,
        conversation_id: b.conversationId,
        agent: b.agent,
        kind: b.kind,
        request: b.request.slice(0, REQUEST_CHARS),
        status: null,
        runs: [],
        files: [],
        commit: null,
        commit_note: null,
        undone_at: null,
        started_at: this.core.now(),
        finished_at: null,
      })
      .onConflictDoNothing()
      .run();
  }

  /** A turn ended: what it did, folded per path. The caller waited for the scans of its runs (FileService.settled). */
  finish(projectId: string, id: string, status: TurnStatus, runs: readonly string[]): Checkpoint {
    const files = this.foldTurn(projectId, id, runs);
    this.core.db
      .update(checkpoints)
      .set({ status, runs: [...runs], files, finished_at: this.core.now() })
      .where(and(eq(checkpoints.project_id, projectId), eq(checkpoints.id, id)))
      .run();
    return this.get(projectId, id);
  }

  setCommit(projectId: string, id: string, commit: string | null, note: string | null): void {
    this.core.db.update(checkpoints).set({ commit, commit_note: note }).where(and(eq(checkpoints.project_id, projectId), eq(checkpoints.id, id))).run();
  }

  /** At start: turns a previous daemon did not finish keep what they recorded, marked failed. */
  finishOrphans(): number {
    const open = this.core.db.select().from(checkpoints).where(sql`${checkpoints.finished_at} IS NULL`).all();
    for (const r of open) this.finish(r.project_id, r.id, 'failed', r.runs);
    return open.length;
  }

  get(projectId: string, id: string): Checkpoint {
    const row = this.core.db
      .select()
      .from(checkpoints)
      .where(and(eq(checkpoints.project_id, projectId), eq(checkpoints.id, id)))
      .get();
    if (!row) throw notFoundCheckpoint(id);
    return toCheckpoint(row);
  }

  /** The newest checkpoint that changed files and was not undone (what `zeblit undo` without --turn means). */
  latestUndoable(projectId: string): Checkpoint {
    const row = this.core.db
      .select()
      .from(checkpoints)
      .where(and(eq(checkpoints.project_id, projectId), isNotNull(checkpoints.finished_at), sql`${checkpoints.undone_at} IS NULL`, sql`${checkpoints.files} != '[]'`))
      .orderBy(desc(checkpoints.started_at), desc(checkpoints.id))
      .limit(1)
      .get();
    if (!row) throw new ZeblitError('NOT_FOUND', 'No agent turn changed files in this project (or every one was undone already)');
    return toCheckpoint(row);
  }

  list(projectId: string, input: CheckpointListQuery = {}): CheckpointList {
    const q = CheckpointListQuery.parse(input);
    const filters = [eq(checkpoints.project_id, projectId)];
    if (q.conversation_id) filters.push(eq(checkpoints.conversation_id, q.conversation_id));
    if (isTrue(q.with_changes)) filters.push(sql`${checkpoints.files} != '[]'`);
    const where = and(...filters);
    const rows = this.core.db.select().from(checkpoints).where(where).orderBy(desc(checkpoints.started_at), desc(checkpoints.id)).limit(q.limit).offset(q.offset).all();
    const total = this.core.db.select({ n: count() }).from(checkpoints).where(where).get()?.n ?? 0;
    return { items: rows.map(toCheckpoint), total };
  }

  /** The whole turn as one unified diff, file by file. */
  diff(projectId: string, id: string, input: CheckpointDiffQuery = {}): CheckpointDiff {
    const q = CheckpointDiffQuery.parse(input);
    const cp = this.get(projectId, id);
    const files: CheckpointFileDiff[] = cp.files.map((f) => this.fileDiff(f, q.context));
    const diff = files
      .map((f) => {
        if (f.diff !== null) return `diff --git a/${f.path} b/${f.path}\n${f.diff}`;
        return `diff --git a/${f.path} b/${f.path}\n${f.note ?? (f.binary ? 'Binary files differ' : '')}\n`;
      })
      .join('');
    return { checkpoint: cp, files, diff };
  }

  /**
   * The files of a turn whose newest version is no longer the turn's own (or
   * whose earlier content was never stored): what undo refuses without force.
   */
  conflicts(projectId: string, cp: Checkpoint): UndoConflict[] {
    const mine = this.lastOfTurn(projectId, cp);
    const out: UndoConflict[] = [];
    for (const f of cp.files) {
      const latest = this.core.history.latest(projectId, f.path);
      const own = mine.get(f.path);
      if (!latest || !own || latest.version !== own.version)
        out.push({ path: f.path, reason: latest ? `changed since the turn by ${latest.author} (version ${latest.version})` : 'its history is gone', current_version: latest?.version ?? null, author: latest?.author ?? null });
      else if (!f.before_stored) out.push({ path: f.path, reason: 'its content before the turn was never stored (a file of the imported folder first changed by a command): it cannot be restored', current_version: latest.version, author: latest.author });
    }
    return out;
  }

  /**
   * Puts every file of the turn back as it was before it. Refuses (409, the
   * files in details.files) where a file changed since, unless `force`; a
   * file whose earlier content was never stored is skipped even then.
   */
  async undo(projectId: string, id: string, opts: { force: boolean; author: string }, writer: UndoWriter): Promise<{ checkpoint: Checkpoint; files: UndoFile[] }> {
    const cp = this.get(projectId, id);
    if (cp.finished_at === null) throw new ZeblitError('CONFLICT', `Turn ${id} is still running`, { suggestion: 'Wait for it to finish, or cancel it first.' });
    const conflicts = this.conflicts(projectId, cp);
    if (conflicts.length > 0 && !opts.force)
      throw new ZeblitError('CONFLICT', `Undo refused: ${conflicts.length} file(s) of turn ${id} changed since (or cannot be restored): ${conflicts.map((c) => c.path).join(', ')}`, {
        details: { files: conflicts },
        suggestion: 'Look at them (`zeblit diff --turn ID`, `zeblit files versions PATH`), then undo with --force to restore them anyway (later changes stay in the history).',
      });
    const origin = `undo of turn ${id}`;
    const results: UndoFile[] = [];
    for (const f of cp.files) {
      if (!f.before_stored) {
        results.push({ path: f.path, result: 'skipped', version: null });
        continue;
      }
      const existsNow = this.core.ws(projectId).stat(f.path)?.stat.isFile() ?? false;
      if (f.action === 'created') {
        if (!existsNow) results.push({ path: f.path, result: 'unchanged', version: null });
        else {
          await writer.delete(projectId, f.path, { author: opts.author, origin });
          results.push({ path: f.path, result: 'deleted', version: this.core.history.latest(projectId, f.path)?.version ?? null });
        }
        continue;
      }
      const data = f.before_sha256 ? this.core.blobs.get(f.before_sha256) : null;
      if (!data) {
        results.push({ path: f.path, result: 'skipped', version: null });
        continue;
      }
      const meta = await writer.write(projectId, f.path, data, { author: opts.author, origin });
      results.push({ path: f.path, result: meta.version !== null && meta.version === f.before_version ? 'unchanged' : 'restored', version: meta.version });
    }
    this.core.db.update(checkpoints).set({ undone_at: this.core.now() }).where(and(eq(checkpoints.project_id, projectId), eq(checkpoints.id, id))).run();
    return { checkpoint: this.get(projectId, id), files: results };
  }

  /** Per path: the turn's newest version row. */
  private lastOfTurn(projectId: string, cp: Checkpoint): Map<string, VersionRow> {
    const out = new Map<string, VersionRow>();
    for (const r of this.core.history.byTurn(projectId, cp.id, this.runsOf(projectId, cp.id))) out.set(r.path, r);
    return out;
  }

  private runsOf(projectId: string, id: string): string[] {
    return this.core.db.select({ runs: checkpoints.runs }).from(checkpoints).where(and(eq(checkpoints.project_id, projectId), eq(checkpoints.id, id))).get()?.runs ?? [];
  }

  private foldTurn(projectId: string, id: string, runs: readonly string[]): CheckpointFile[] {
    const byPath = new Map<string, { first: VersionRow; last: VersionRow }>();
    for (const r of this.core.history.byTurn(projectId, id, runs)) {
      const seen = byPath.get(r.path);
      if (seen) seen.last = r;
      else byPath.set(r.path, { first: r, last: r });
    }
    const files: CheckpointFile[] = [];
    for (const [path, { first, last }] of byPath) {
      const before = this.core.history.before(projectId, path, first.version);
      // No earlier row: the turn's first change says whether something was there (a file of the imported folder) or not.
      const existedBefore = before ? before.action !== 'deleted' : first.action !== 'created';
      const existsAfter = last.action !== 'deleted';
      if (!existedBefore && !existsAfter) continue; // made and removed within the turn
      const beforeSha = before && before.action !== 'deleted' ? before.sha256 : null;
      if (existedBefore && existsAfter && beforeSha !== null && beforeSha === last.sha256) continue; // back as it was
      files.push({
        path,
        action: !existedBefore ? 'created' : !existsAfter ? 'deleted' : 'modified',
        before_version: existedBefore && before ? before.version : null,
        after_version: existsAfter ? last.version : null,
        before_sha256: beforeSha,
        after_sha256: existsAfter ? last.sha256 : null,
        before_stored: !existedBefore || beforeSha !== null,
      });
    }
    return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private fileDiff(f: CheckpointFile, context: number): CheckpointFileDiff {
    const base = { path: f.path, action: f.action };
    if (!f.before_stored) return { ...base, binary: false, diff: null, additions: 0, deletions: 0, note: 'The content before the turn was never stored (a file of the imported folder first changed by a command).' };
    const a = f.before_sha256 ? this.core.blobs.get(f.before_sha256) : Buffer.alloc(0);
    const b = f.after_sha256 ? this.core.blobs.get(f.after_sha256) : Buffer.alloc(0);
    if (!a || !b) return { ...base, binary: false, diff: null, additions: 0, deletions: 0, note: 'A version of this file is no longer in the history (pruned).' };
    if (isBinaryContent(a) || isBinaryContent(b)) return { ...base, binary: true, diff: null, additions: 0, deletions: 0, note: null };
    const d = unifiedDiff(a.toString('utf8'), b.toString('utf8'), { from: f.action === 'created' ? '/dev/null' : `a/${f.path}`, to: f.action === 'deleted' ? '/dev/null' : `b/${f.path}` }, context);
    return { ...base, binary: false, diff: d.text, additions: d.additions, deletions: d.deletions, note: null };
  }
}
