import type { AuditEntry, AuditQuery, PageOf } from '../contracts/index.ts';
import type { Requester } from './requester.ts';

/** The audit query as a caller writes it; times are UTC milliseconds. */
export type AuditListParams = Omit<AuditQuery, 'since' | 'until' | 'limit' | 'offset'> & { since?: number; until?: number; limit?: number; offset?: number };

/** /api/v1/audit: admins see everyone's entries, others their own. */
export class AuditApi {
  constructor(private readonly r: Requester) {}

  list(query: AuditListParams = {}): Promise<PageOf<AuditEntry>> {
    return this.r.request('GET', '/audit', { query: { ...query } });
  }
}
