/**
 * Content-addressed storage of versions. Invariant: a blob row exists only
 * once its bytes are stored (inline, or the disk file renamed into place
 * first), and a blob goes only when no version refers to it. Writes and the
 * collector are synchronous, so neither can run between the other's check
 * and its action.
 *
 * Small blobs (≤ inlineMax, 64 KiB by default) live in the row: SQLite reads
 * and writes those faster than one file each, and they are most source files.
 * Larger ones are files under $ZEBLIT_HOME/blobs/ab/cdef… (the sha256 split
 * after two characters, as git does), so the database stays small and a
 * large version can be streamed.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Db } from '../db/index.ts';
import { blobs } from './files.sql.ts';

export const DEFAULT_INLINE_BLOB_BYTES = 64 * 1024;

export type BlobRow = typeof blobs.$inferInsert;

export const sha256Of = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

export class BlobStore {
  private readonly q;

  constructor(
    private readonly db: Db,
    private readonly dir: string,
    private readonly inlineMax: number = DEFAULT_INLINE_BLOB_BYTES,
    private readonly now: () => number = Date.now,
  ) {
    const bySha = sql`${blobs.sha256} = ${sql.placeholder('sha')}`;
    this.q = {
      known: db.select({ inline: sql<number>`${blobs.data} IS NOT NULL` }).from(blobs).where(bySha).prepare(),
      data: db.select({ data: blobs.data }).from(blobs).where(bySha).prepare(),
    };
  }

  pathOf(sha: string): string {
    return join(this.dir, sha.slice(0, 2), sha.slice(2));
  }

  has(sha: string): boolean {
    return this.q.known.get({ sha }) !== undefined;
  }

  /**
   * Stores the bytes where they belong and returns the row to insert (in the
   * caller's transaction), or null when the blob is already known.
   */
  prepare(sha: string, data: Buffer): BlobRow | null {
    const known = this.q.known.get({ sha });
    if (known) {
      if (!known.inline && !existsSync(this.pathOf(sha))) this.writeFile(sha, data); // lost from disk: heal it
      return null;
    }
    if (data.byteLength <= this.inlineMax) return { sha256: sha, size: data.byteLength, data, created_at: this.now() };
    this.writeFile(sha, data);
    return { sha256: sha, size: data.byteLength, data: null, created_at: this.now() };
  }

  /** Inserts prepared rows; a row another write inserted meanwhile is kept. */
  insert(tx: Db, rows: BlobRow[]): void {
    for (const r of rows) tx.insert(blobs).values(r).onConflictDoNothing().run();
  }

  private writeFile(sha: string, data: Buffer): void {
    const final = this.pathOf(sha);
    mkdirSync(join(this.dir, sha.slice(0, 2)), { recursive: true, mode: 0o700 });
    const tmp = `${final}.${randomBytes(6).toString('hex')}.tmp`;
    writeFileSync(tmp, data, { mode: 0o600 });
    renameSync(tmp, final);
  }

  /** The bytes of a blob, or null when unknown. */
  get(sha: string): Buffer | null {
    const row = this.q.data.get({ sha });
    if (!row) return null;
    if (row.data) return row.data;
    try {
      return readFileSync(this.pathOf(sha));
    } catch {
      return null;
    }
  }

  /** Removes every blob that no version refers to. */
  collect(): { blobs: number; bytes: number } {
    const gone = this.db.all<{ sha256: string; size: number; disk: number }>(sql`
      DELETE FROM blobs WHERE NOT EXISTS (SELECT 1 FROM file_versions v WHERE v.sha256 = blobs.sha256)
      RETURNING sha256, size, data IS NULL AS disk`);
    let bytes = 0;
    for (const g of gone) {
      bytes += g.size;
      if (!g.disk) continue;
      try {
        unlinkSync(this.pathOf(g.sha256));
      } catch {
        // already gone
      }
    }
    return { blobs: gone.length, bytes };
  }
}
