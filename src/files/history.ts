import { and, asc, desc, eq, inArray, lt, or, sql } from 'drizzle-orm';
import type { FileVersionInfo } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { file_index, file_versions } from './files.sql.ts';

export type VersionRow = typeof file_versions.$inferSelect;
export type IndexRow = typeof file_index.$inferSelect;

export interface Retention {
  /** The newest N versions of each path are kept… */
  keepVersions: number;
  /** …and so is every version younger than D days. */
  keepDays: number;
}

export const DEFAULT_RETENTION: Retention = { keepVersions: 50, keepDays: 30 };

export const toVersionInfo = (r: VersionRow, latest: number | null): FileVersionInfo => ({
  version: r.version,
  action: r.action,
  sha256: r.sha256,
  size: r.size,
  author: r.author,
  run_id: r.run_id,
  origin: r.origin,
  created_at: r.created_at,
  current: latest === r.version && r.action !== 'deleted',
});

const ph = sql.placeholder;

/**
 * Reads and writes of file_versions and file_index; no file system here. The
 * hot statements are prepared once: building drizzle queries per call cost
 * more than running them. One connection, so a prepared statement run inside
 * a transaction callback is part of that transaction.
 */
export class History {
  private readonly q;

  constructor(private readonly db: Db) {
    const byPath = and(eq(file_versions.project_id, ph('project')), eq(file_versions.path, ph('path')));
    this.q = {
      latest: db.select().from(file_versions).where(byPath).orderBy(desc(file_versions.version)).limit(1).prepare(),
      list: db.select().from(file_versions).where(byPath).orderBy(desc(file_versions.version)).prepare(),
      get: db.select().from(file_versions).where(and(byPath, eq(file_versions.version, ph('version')))).prepare(),
      index: db.select().from(file_index).where(and(eq(file_index.project_id, ph('project')), eq(file_index.path, ph('path')))).prepare(),
      insertVersion: db
        .insert(file_versions)
        .values({
          project_id: ph('project_id'),
          path: ph('path'),
          version: ph('version'),
          action: ph('action'),
          sha256: ph('sha256'),
          size: ph('size'),
          author: ph('author'),
          run_id: ph('run_id'),
          turn_id: ph('turn_id'),
          origin: ph('origin'),
          created_at: ph('created_at'),
        })
        .prepare(),
      upsertIndex: db
        .insert(file_index)
        .values({ project_id: ph('project_id'), path: ph('path'), size: ph('size'), mtime_ms: ph('mtime_ms'), ctime_ms: ph('ctime_ms'), sha256: ph('sha256'), version: ph('version') })
        .onConflictDoUpdate({
          target: [file_index.project_id, file_index.path],
          set: { size: sql`excluded.size`, mtime_ms: sql`excluded.mtime_ms`, ctime_ms: sql`excluded.ctime_ms`, sha256: sql`excluded.sha256`, version: sql`excluded.version` },
        })
        .prepare(),
      deleteIndex: db.delete(file_index).where(and(eq(file_index.project_id, ph('project')), eq(file_index.path, ph('path')))).prepare(),
      // Only a row still as it was observed: a change recorded meanwhile is never overwritten with an old hash.
      setHash: db
        .update(file_index)
        .set({ sha256: sql`${ph('sha256')}` })
        .where(
          and(
            eq(file_index.project_id, ph('project')),
            eq(file_index.path, ph('path')),
            sql`${file_index.sha256} IS NULL`,
            eq(file_index.size, ph('size')),
            eq(file_index.mtime_ms, ph('mtime')),
            eq(file_index.ctime_ms, ph('ctime')),
          ),
        )
        .prepare(),
    };
  }

  /** A baseline row's hash, once something computed it (no version: the file did not change). */
  setIndexHash(projectId: string, path: string, sha256: string, stat: { size: number; mtimeMs: number; ctimeMs: number }): void {
    this.q.setHash.run({ project: projectId, path, sha256, size: stat.size, mtime: stat.mtimeMs, ctime: stat.ctimeMs });
  }

  /** The versions of a project made by one turn, or by its runs (oldest first). */
  byTurn(projectId: string, turnId: string, runIds: readonly string[]): VersionRow[] {
    const mine = runIds.length > 0 ? or(eq(file_versions.turn_id, turnId), inArray(file_versions.run_id, [...runIds])) : eq(file_versions.turn_id, turnId);
    return this.db
      .select()
      .from(file_versions)
      .where(and(eq(file_versions.project_id, projectId), mine))
      .orderBy(asc(file_versions.id))
      .all();
  }

  /** The newest version of `path` older than version `n` (what the path was before a change). */
  before(projectId: string, path: string, n: number): VersionRow | undefined {
    return this.db
      .select()
      .from(file_versions)
      .where(and(eq(file_versions.project_id, projectId), eq(file_versions.path, path), lt(file_versions.version, n)))
      .orderBy(desc(file_versions.version))
      .limit(1)
      .get();
  }

  latest(projectId: string, path: string): VersionRow | undefined {
    return this.q.latest.get({ project: projectId, path });
  }

  list(projectId: string, path: string): VersionRow[] {
    return this.q.list.all({ project: projectId, path });
  }

  get(projectId: string, path: string, version: number): VersionRow | undefined {
    return this.q.get.get({ project: projectId, path, version });
  }

  index(projectId: string, path: string): IndexRow | undefined {
    return this.q.index.get({ project: projectId, path });
  }

  /** Index rows at or below `dir` ('' = all). */
  indexUnder(projectId: string, dir: string): IndexRow[] {
    const q = this.db.select().from(file_index);
    if (dir === '') return q.where(eq(file_index.project_id, projectId)).all();
    return q
      .where(and(eq(file_index.project_id, projectId), sql`(${file_index.path} = ${dir} OR substr(${file_index.path}, 1, ${dir.length + 1}) = ${`${dir}/`})`))
      .all();
  }

  /** Runs `fn` in one transaction (synchronous, as better-sqlite3 requires). */
  transaction(fn: (tx: Db) => void): void {
    this.db.transaction((tx) => fn(tx as unknown as Db));
  }

  /** Inside a transaction callback: the prepared statement runs on the same connection. */
  insertVersion(_tx: Db, row: typeof file_versions.$inferInsert): void {
    this.q.insertVersion.run({ ...row, sha256: row.sha256 ?? null, size: row.size ?? null, run_id: row.run_id ?? null, turn_id: row.turn_id ?? null, origin: row.origin ?? null });
  }

  upsertIndex(_tx: Db, row: IndexRow): void {
    this.q.upsertIndex.run(row);
  }

  deleteIndex(_tx: Db, projectId: string, path: string): void {
    this.q.deleteIndex.run({ project: projectId, path });
  }

  /**
   * Retention: a version goes when it is neither among the newest
   * `keepVersions` of its path nor younger than `keepDays`. Never the newest
   * row of a path (the current version, or the deletion that ended it), nor
   * the newest content of a deleted path (so it can still be restored).
   */
  prune(retention: Retention, now: number, projectId?: string): number {
    const cutoff = now - retention.keepDays * 86_400_000;
    const scope = projectId === undefined ? sql`1` : sql`v.project_id = ${projectId}`;
    const res = this.db.run(sql`
      DELETE FROM file_versions WHERE id IN (
        SELECT id FROM (
          SELECT v.id, v.created_at,
            ROW_NUMBER() OVER (PARTITION BY v.project_id, v.path ORDER BY v.version DESC) AS rn,
            ROW_NUMBER() OVER (PARTITION BY v.project_id, v.path, (v.sha256 IS NULL) ORDER BY v.version DESC) AS rn_kind,
            v.sha256
          FROM file_versions v WHERE ${scope}
        ) WHERE rn > ${retention.keepVersions} AND created_at < ${cutoff} AND rn > 1
          AND NOT (sha256 IS NOT NULL AND rn_kind = 1)
      )`);
    return res.changes;
  }
}
