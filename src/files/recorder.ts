/**
 * Turns changes found on disk into history. Invariant: blobs, version rows,
 * index rows and the `file.changed` events of one batch commit in ONE
 * transaction (the bus writes the events, we write ours alongside), and the
 * events are heard only after that commit. Everything here is synchronous,
 * so version numbers computed before the transaction cannot be taken by
 * another writer in between.
 */
import type { Stats } from 'node:fs';
import type { EventPayload, FileChange } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus, PendingEvent } from '../events/index.ts';
import type { BlobRow, BlobStore } from './blobs.ts';
import type { History, IndexRow } from './history.ts';
import type { file_versions } from './files.sql.ts';

export interface WriteChange {
  kind: 'write';
  path: string;
  stat: Stats;
  sha256: string;
  size: number;
  /** The bytes when small enough to version; null when too large, or when the blob is already stored (moves). */
  content: Buffer | null;
  ignored: boolean;
  /** Whether something was at the path before (for the event's action). */
  existed: boolean;
  origin?: string | null;
  /** Stored without announcing it: the content a file of an imported folder had, kept just before its first change. */
  quiet?: boolean;
}

export interface DeleteChange {
  kind: 'delete';
  path: string;
  ignored: boolean;
  origin?: string | null;
}

/** The path left the index without a change to announce (it became ignored). */
export interface ForgetChange {
  kind: 'forget';
  path: string;
}

export type Change = WriteChange | DeleteChange | ForgetChange;

export interface ChangeContext {
  author: string;
  runId?: string | null;
  /** The agent turn making this change through the API (its checkpoint). */
  turnId?: string | null;
}

export class Recorder {
  constructor(
    private readonly bus: EventBus,
    private readonly blobs: BlobStore,
    private readonly history: History,
    private readonly maxVersioned: number,
    private readonly now: () => number,
  ) {}

  /** Records a batch; returns what changed (unchanged writes are left out). */
  record(projectId: string, changes: Change[], ctx: ChangeContext): FileChange[] {
    const time = this.now();
    const blobRows: BlobRow[] = [];
    const versions: (typeof file_versions.$inferInsert)[] = [];
    const upserts: IndexRow[] = [];
    const removals: string[] = [];
    const events: PendingEvent<'file.changed'>[] = [];
    const out: FileChange[] = [];
    const nextVersion = new Map<string, number>();
    const latestOf = (path: string) => {
      const row = this.history.latest(projectId, path);
      return { row, next: nextVersion.get(path) ?? (row?.version ?? 0) + 1 };
    };
    const emit = (path: string, action: FileChange['action'], version: number | null) => {
      out.push({ path, action, version });
      const data: EventPayload<'file.changed'> = { path, action, version, author: ctx.author };
      events.push({ projectId, type: 'file.changed', data });
    };

    for (const c of changes) {
      if (c.kind === 'forget') {
        removals.push(c.path);
        continue;
      }
      if (c.kind === 'delete') {
        removals.push(c.path);
        const { row, next } = c.ignored ? { row: undefined, next: 0 } : latestOf(c.path);
        // A file of an imported folder (an index row, no version yet) gets its deletion recorded too: history and checkpoints show it went.
        const baseline = !c.ignored && row === undefined && !nextVersion.has(c.path) && this.history.index(projectId, c.path)?.version === null;
        if ((row && row.action !== 'deleted') || baseline) {
          versions.push({ project_id: projectId, path: c.path, version: next, action: 'deleted', sha256: null, size: null, author: ctx.author, run_id: ctx.runId ?? null, turn_id: ctx.turnId ?? null, origin: c.origin ?? null, created_at: time });
          nextVersion.set(c.path, next + 1);
          emit(c.path, 'deleted', next);
        } else emit(c.path, 'deleted', null);
        continue;
      }
      const action = c.existed ? 'modified' : 'created';
      if (c.ignored) {
        emit(c.path, action, null);
        continue;
      }
      const versionable = c.size <= this.maxVersioned && (c.content !== null || this.blobs.has(c.sha256));
      const { row, next } = latestOf(c.path);
      const sameAsLatest = row !== undefined && row.action !== 'deleted' && row.sha256 === c.sha256;
      let version: number | null = null;
      if (versionable && sameAsLatest) version = row.version;
      else if (versionable) {
        const blob = c.content === null ? null : this.blobs.prepare(c.sha256, c.content);
        if (blob && !blobRows.some((b) => b.sha256 === blob.sha256)) blobRows.push(blob);
        versions.push({
          project_id: projectId,
          path: c.path,
          version: next,
          // A file of an imported folder has no row until it first changes: its first row is a modification.
          action: row === undefined ? (c.existed ? 'modified' : 'created') : row.action === 'deleted' ? 'created' : 'modified',
          sha256: c.sha256,
          size: c.size,
          author: ctx.author,
          run_id: ctx.runId ?? null,
          turn_id: ctx.turnId ?? null,
          origin: c.origin ?? null,
          created_at: time,
        });
        nextVersion.set(c.path, next + 1);
        version = next;
      }
      const known = this.history.index(projectId, c.path);
      upserts.push({ project_id: projectId, path: c.path, size: c.size, mtime_ms: c.stat.mtimeMs, ctime_ms: c.stat.ctimeMs, sha256: c.sha256, version });
      const unchanged = c.existed && (sameAsLatest || (!versionable && known?.sha256 === c.sha256));
      if (!unchanged && !c.quiet) emit(c.path, action, version);
    }

    const writeRows = (tx: Db) => {
      this.blobs.insert(tx, blobRows);
      for (const v of versions) this.history.insertVersion(tx, v);
      for (const u of upserts) this.history.upsertIndex(tx, u);
      for (const p of removals) this.history.deleteIndex(tx, projectId, p);
    };
    if (events.length > 0) this.bus.publishMany(events, writeRows);
    else this.history.transaction(writeRows);
    return out;
  }
}
