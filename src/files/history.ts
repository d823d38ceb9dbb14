import { and, desc, eq, sql } from 'drizzle-orm';
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

/** Reads and writes of file_versions and file_index; no file system here. */
export class History {
  constructor(private readonly db: Db) {}

  latest(projectId: string, path: string): VersionRow | undefined {
    return this.db
      .select()
      .from(file_versions)
      .where(and(eq(file_versions.project_id, projectId), eq(file_versions.path, path)))
      .orderBy(desc(file_versions.version))
      .limit(1)
      .get();
  }

  list(projectId: string, path: string): VersionRow[] {
    return this.db
      .select()
      .from(file_versions)
      .where(and(eq(file_versions.project_id, projectId), eq(file_versions.path, path)))
      .orderBy(desc(file_versions.version))
      .all();
  }

  get(projectId: string, path: string, version: number): VersionRow | undefined {
    return this.db
      .select()
      .from(file_versions)
      .where(and(eq(file_versions.project_id, projectId), eq(file_versions.path, path), eq(file_versions.version, version)))
      .get();
  }

  index(projectId: string, path: string): IndexRow | undefined {
    return this.db
      .select()
      .from(file_index)
      .where(and(eq(file_index.project_id, projectId), eq(file_index.path, path)))
      .get();
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

  insertVersion(tx: Db, row: typeof file_versions.$inferInsert): void {
    tx.insert(file_versions).values(row).run();
  }

  upsertIndex(tx: Db, row: IndexRow): void {
    tx.insert(file_index)
      .values(row)
      .onConflictDoUpdate({
        target: [file_index.project_id, file_index.path],
        set: { size: row.size, mtime_ms: row.mtime_ms, ctime_ms: row.ctime_ms, sha256: row.sha256, version: row.version },
      })
      .run();
  }

  deleteIndex(tx: Db, projectId: string, path: string): void {
    tx.delete(file_index)
      .where(and(eq(file_index.project_id, projectId), eq(file_index.path, path)))
      .run();
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
