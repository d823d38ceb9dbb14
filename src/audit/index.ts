import { and, count, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import { AuditQuery, newId, type AuditEntry, type ClientType, type PageOf, type Transport } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { audit_log } from './audit.sql.ts';

export * as auditTables from './audit.sql.ts';

export interface AuditRecord {
  userId: string | null;
  keyId: string | null;
  clientType: ClientType | null;
  transport: Transport;
  action: string;
  method: string;
  path: string;
  resource: string | null;
  status: number;
  requestId: string;
}

const toEntry = (r: typeof audit_log.$inferSelect): AuditEntry => ({
  id: r.id,
  user_id: r.user_id,
  key_id: r.key_id,
  client_type: r.client_type as ClientType | null,
  transport: r.transport as Transport,
  action: r.action,
  method: r.method,
  path: r.path,
  resource: r.resource,
  status: r.status,
  outcome: r.outcome,
  request_id: r.request_id,
  created_at: r.created_at,
});

const COLUMNS = ['id', 'user_id', 'key_id', 'client_type', 'transport', 'action', 'method', 'path', 'resource', 'status', 'outcome', 'request_id', 'created_at'] as const;

export class Audit {
  /** One row per mutating request: prepared once, not rebuilt per request. */
  private readonly insert;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    const values = Object.fromEntries(COLUMNS.map((c) => [c, sql.placeholder(c)])) as unknown as typeof audit_log.$inferInsert;
    this.insert = db.insert(audit_log).values(values).prepare();
  }

  record(rec: AuditRecord): void {
    const now = this.now();
    this.insert.run({
      id: newId('audit', now),
      user_id: rec.userId,
      key_id: rec.keyId,
      client_type: rec.clientType,
      transport: rec.transport,
      action: rec.action,
      method: rec.method,
      path: rec.path,
      resource: rec.resource,
      status: rec.status,
      outcome: rec.status < 400 ? 'success' : 'failure',
      request_id: rec.requestId,
      created_at: now,
    });
  }

  /** `onlyUser` restricts a non-admin to their own entries whatever filter they pass. */
  list(input: AuditQuery, onlyUser?: string): PageOf<AuditEntry> {
    const q = AuditQuery.parse(input);
    const f: SQL[] = [];
    if (onlyUser) f.push(eq(audit_log.user_id, onlyUser));
    else if (q.user_id) f.push(eq(audit_log.user_id, q.user_id));
    if (q.action) f.push(eq(audit_log.action, q.action));
    if (q.outcome) f.push(eq(audit_log.outcome, q.outcome));
    if (q.since !== undefined) f.push(gte(audit_log.created_at, q.since));
    if (q.until !== undefined) f.push(lte(audit_log.created_at, q.until));
    const where = f.length ? and(...f) : undefined;
    const total = this.db.select({ n: count() }).from(audit_log).where(where).get()?.n ?? 0;
    const rows = this.db.select().from(audit_log).where(where).orderBy(desc(audit_log.created_at), desc(audit_log.id)).limit(q.limit).offset(q.offset).all();
    return { items: rows.map(toEntry), total, limit: q.limit, offset: q.offset };
  }
}
