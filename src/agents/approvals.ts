/**
 * Tool calls waiting for a person (project setting approval: 'ask').
 * Invariants: a pending row has exactly one waiter in this daemon, and it is
 * released exactly once: by a decision, by its expiry (treated as a denial),
 * or by the turn's cancellation. Rows left pending by an earlier daemon have
 * no waiter any more: `expireOrphans()` marks them expired at start.
 */
import { and, desc, eq } from 'drizzle-orm';
import { conflict, newId, notFound, type AgentName, type Approval, type ApprovalDecision } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import { approvals } from './agents.sql.ts';

type Row = typeof approvals.$inferSelect;

export const DEFAULT_APPROVAL_TIMEOUT_MS = 5 * 60_000;

export type ApprovalOutcome = { status: 'approved'; by: string; note: string | null } | { status: 'denied' | 'expired'; by: string | null; note: string | null } | { status: 'cancelled' };

const toApproval = (r: Row): Approval => ({
  id: r.id,
  project_id: r.project_id,
  conversation_id: r.conversation_id,
  agent: r.agent as AgentName,
  tool: r.tool,
  input: r.input,
  reason: r.reason,
  status: r.status,
  created_at: r.created_at,
  expires_at: r.expires_at,
  decided_at: r.decided_at,
  decided_by: r.decided_by,
  note: r.note,
});

interface Waiter {
  resolve(o: ApprovalOutcome): void;
}

export class Approvals {
  private readonly waiters = new Map<string, Waiter>();

  constructor(
    private readonly db: Db,
    private readonly bus: EventBus,
    private readonly opts: { now?: () => number; timeoutMs?: number } = {},
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  get timeoutMs(): number {
    return this.opts.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  }

  /** Creates the pending row and announces it; `wait` then blocks until it is resolved. */
  request(input: { projectId: string; conversationId: string; agent: AgentName; tool: string; input: unknown; reason: string }): Approval {
    const now = this.now();
    const row: Row = {
      id: newId('approval', now),
      project_id: input.projectId,
      conversation_id: input.conversationId,
      agent: input.agent,
      tool: input.tool,
      input: input.input ?? null,
      reason: input.reason,
      status: 'pending',
      created_at: now,
      expires_at: now + this.timeoutMs,
      decided_at: null,
      decided_by: null,
      note: null,
    };
    this.db.insert(approvals).values(row).run();
    const a = toApproval(row);
    this.bus.publish(a.project_id, 'agent.approval_needed', {
      approval_id: a.id,
      agent: a.agent,
      conversation_id: a.conversation_id,
      tool: a.tool,
      input: a.input,
      reason: a.reason,
      expires_at: a.expires_at,
    });
    return a;
  }

  /** Waits for a decision; expiry counts as a denial; the signal (turn cancelled) releases the wait. */
  wait(a: Approval, signal: AbortSignal): Promise<ApprovalOutcome> {
    return new Promise<ApprovalOutcome>((resolve) => {
      let done = false;
      const finish = (o: ApprovalOutcome) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.waiters.delete(a.id);
        resolve(o);
      };
      const onAbort = () => {
        // Nobody will act on it now: it expires (it was never decided).
        this.settle(a.id, 'expired', null, 'the turn was cancelled');
        finish({ status: 'cancelled' });
      };
      const timer = setTimeout(
        () => {
          this.settle(a.id, 'expired', null, null);
          finish({ status: 'expired', by: null, note: null });
        },
        Math.max(0, a.expires_at - this.now()),
      );
      this.waiters.set(a.id, { resolve: finish });
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  list(projectId: string, status?: Approval['status']): Approval[] {
    const where = status ? and(eq(approvals.project_id, projectId), eq(approvals.status, status)) : eq(approvals.project_id, projectId);
    return this.db.select().from(approvals).where(where).orderBy(desc(approvals.created_at)).limit(500).all().map(toApproval);
  }

  get(projectId: string, id: string): Approval {
    const row = this.db
      .select()
      .from(approvals)
      .where(and(eq(approvals.id, id), eq(approvals.project_id, projectId)))
      .get();
    if (!row) throw notFound(`Approval ${id}`, 'List pending approvals with: zeblit approvals');
    return toApproval(row);
  }

  /** A person's decision. CONFLICT when it was already decided or expired. */
  decide(projectId: string, id: string, d: ApprovalDecision, by: string): Approval {
    const current = this.get(projectId, id);
    if (current.status === 'pending' && current.expires_at <= this.now()) {
      this.settle(id, 'expired', null, null);
      this.waiters.get(id)?.resolve({ status: 'expired', by: null, note: null });
    }
    const status = d.decision === 'approve' ? 'approved' : 'denied';
    const updated = this.settle(id, status, by, d.note ?? null);
    if (!updated) {
      const now = this.get(projectId, id);
      throw conflict(`Approval ${id} is already ${now.status}`, now.status === 'expired' ? 'It timed out; ask the agent again in the chat.' : 'Nothing to do: it was decided before.');
    }
    const w = this.waiters.get(id);
    if (w) w.resolve(status === 'approved' ? { status, by, note: d.note ?? null } : { status, by, note: d.note ?? null });
    return this.get(projectId, id);
  }

  /** At start: pending rows of a daemon that is gone can never be waited for. */
  expireOrphans(): number {
    const rows = this.db.select().from(approvals).where(eq(approvals.status, 'pending')).all();
    let n = 0;
    for (const r of rows) if (!this.waiters.has(r.id) && this.settle(r.id, 'expired', null, 'the daemon restarted')) n++;
    return n;
  }

  /** pending → status, once; publishes agent.approval_resolved. False when it was no longer pending. */
  private settle(id: string, status: 'approved' | 'denied' | 'expired', by: string | null, note: string | null): boolean {
    const res = this.db
      .update(approvals)
      .set({ status, decided_at: this.now(), decided_by: by, note })
      .where(and(eq(approvals.id, id), eq(approvals.status, 'pending')))
      .returning({ project_id: approvals.project_id })
      .all();
    const row = res[0];
    if (!row) return false;
    this.bus.publish(row.project_id, 'agent.approval_resolved', { approval_id: id, status, decided_by: by });
    return true;
  }
}
