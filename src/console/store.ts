import { and, asc, desc, eq, gt, gte, lt, max, sql, type SQL } from 'drizzle-orm';
import {
  ConsoleHistoryQuery,
  ErrorsQuery,
  type ConsoleEntry,
  type ConsoleHistory,
  type DetectedErrorInfo,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { console_entries, detected_errors } from './console.sql.ts';

export interface Retention {
  maxLines: number;
  maxBytes: number;
}

export const DEFAULT_RETENTION: Retention = { maxLines: 20_000, maxBytes: 20 * 1024 * 1024 };

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const toEntry = (r: typeof console_entries.$inferSelect): ConsoleEntry => ({
  seq: r.seq,
  run_id: r.run_id,
  source: r.source as ConsoleEntry['source'],
  stream: r.stream as ConsoleEntry['stream'],
  level: r.level,
  text: r.text,
  time: r.created_at,
});

export const toErrorInfo = (r: typeof detected_errors.$inferSelect): DetectedErrorInfo => ({
  id: r.id,
  fingerprint: r.fingerprint,
  type: r.type,
  language: r.language,
  severity: r.severity,
  message: r.message,
  file: r.file,
  line: r.line,
  suggestion: r.suggestion,
  run_id: r.run_id,
  raw: r.raw,
  occurrences: r.occurrences,
  first_seen: r.first_seen,
  last_seen: r.last_seen,
});

/** Reading, clearing and pruning what the capture stored. */
export class ConsoleStore {
  constructor(private readonly db: Db) {}

  history(projectId: string, input: ConsoleHistoryQuery): ConsoleHistory {
    const q = ConsoleHistoryQuery.parse(input);
    const f: SQL[] = [eq(console_entries.project_id, projectId)];
    if (q.since_seq !== undefined) f.push(gt(console_entries.seq, q.since_seq));
    if (q.before_seq !== undefined) f.push(lt(console_entries.seq, q.before_seq));
    if (q.run_id) f.push(eq(console_entries.run_id, q.run_id));
    if (q.stream) f.push(eq(console_entries.stream, q.stream));
    if (q.source) f.push(eq(console_entries.source, q.source));
    if (q.level) f.push(eq(console_entries.level, q.level));
    if (q.q) f.push(sql`${console_entries.text} LIKE ${`%${escapeLike(q.q)}%`} ESCAPE '\\'`);
    // With since_seq: the oldest after it (follow forward). Otherwise: the newest page (tail), shown oldest first.
    const forward = q.since_seq !== undefined;
    const rows = this.db
      .select()
      .from(console_entries)
      .where(and(...f))
      .orderBy(forward ? asc(console_entries.seq) : desc(console_entries.seq))
      .limit(q.limit + 1)
      .all();
    const has_more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    if (!forward) page.reverse();
    return { items: page.map(toEntry), has_more, last_seq: this.lastSeq(projectId) };
  }

  lastSeq(projectId: string): number {
    return this.db.select({ m: max(console_entries.seq) }).from(console_entries).where(eq(console_entries.project_id, projectId)).get()?.m ?? 0;
  }

  /** The newest `n` lines, for agents and run summaries. */
  tail(projectId: string, n: number, runId?: string): ConsoleEntry[] {
    return this.history(projectId, { limit: n, run_id: runId }).items;
  }

  errors(projectId: string, input: ErrorsQuery = {}): DetectedErrorInfo[] {
    const q = ErrorsQuery.parse(input);
    const f: SQL[] = [eq(detected_errors.project_id, projectId)];
    if (q.since !== undefined) f.push(gte(detected_errors.last_seen, q.since));
    if (q.severity) f.push(eq(detected_errors.severity, q.severity));
    if (q.run_id) f.push(eq(detected_errors.run_id, q.run_id));
    return this.db.select().from(detected_errors).where(and(...f)).orderBy(desc(detected_errors.last_seen)).limit(q.limit).all().map(toErrorInfo);
  }

  clear(projectId: string): { deleted_lines: number; deleted_errors: number } {
    return this.db.transaction((tx) => ({
      deleted_lines: tx.delete(console_entries).where(eq(console_entries.project_id, projectId)).run().changes,
      deleted_errors: tx.delete(detected_errors).where(eq(detected_errors.project_id, projectId)).run().changes,
    }));
  }

  /** Keeps the newest lines within both limits. Returns the number of lines removed. */
  prune(projectId: string, r: Retention = DEFAULT_RETENTION): number {
    const byCount = this.db
      .select({ seq: console_entries.seq })
      .from(console_entries)
      .where(eq(console_entries.project_id, projectId))
      .orderBy(desc(console_entries.seq))
      .limit(1)
      .offset(r.maxLines)
      .get()?.seq;
    const byBytes = this.db.get<{ seq: number } | undefined>(sql`
      SELECT seq FROM (
        SELECT seq, SUM(bytes) OVER (ORDER BY seq DESC) AS total FROM console_entries WHERE project_id = ${projectId}
      ) WHERE total > ${r.maxBytes} ORDER BY seq DESC LIMIT 1`)?.seq;
    const cut = Math.max(byCount ?? 0, byBytes ?? 0);
    if (cut === 0) return 0;
    return this.db
      .delete(console_entries)
      .where(and(eq(console_entries.project_id, projectId), sql`${console_entries.seq} <= ${cut}`))
      .run().changes;
  }

  projectsWithOutput(): string[] {
    return this.db.selectDistinct({ p: console_entries.project_id }).from(console_entries).all().map((r) => r.p);
  }
}
