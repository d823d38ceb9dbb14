/**
 * The in-process event bus. Invariants: an event is stored before anyone
 * hears of it (published after the commit), and each project's events carry a
 * gap-free, increasing `seq`, so a client can resume from the last one it saw.
 * Only this daemon writes the table (it holds the home's lock), so the next
 * seq can live in memory once read.
 */
import { and, asc, eq, gt, inArray, lte, max, sql } from 'drizzle-orm';
import {
  EVENT_PAYLOADS,
  newId,
  topicOf,
  type EventPayload,
  type EventType,
  type Topic,
  type TypedEvent,
  type ZeblitEvent,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { events } from './events.sql.ts';

export type EventListener = (event: ZeblitEvent) => void;

export interface PendingEvent<T extends EventType = EventType> {
  projectId: string;
  type: T;
  data: EventPayload<T>;
}

export interface BusOptions {
  now?: () => number;
  /** Events kept per project for replay; older ones are pruned. */
  retainPerProject?: number;
  onListenerError?: (err: unknown) => void;
}

export class EventBus {
  private readonly seqs = new Map<string, number>();
  private readonly listeners = new Set<EventListener>();
  private readonly now: () => number;
  readonly retainPerProject: number;

  constructor(
    private readonly db: Db,
    private readonly opts: BusOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.retainPerProject = opts.retainPerProject ?? 50_000;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  lastSeq(projectId: string): number {
    const known = this.seqs.get(projectId);
    if (known !== undefined) return known;
    const row = this.db.select({ m: max(events.seq) }).from(events).where(eq(events.project_id, projectId)).get();
    const seq = row?.m ?? 0;
    this.seqs.set(projectId, seq);
    return seq;
  }

  publish<T extends EventType>(projectId: string, type: T, data: EventPayload<T>): TypedEvent<T> {
    return this.publishMany([{ projectId, type, data }])[0] as TypedEvent<T>;
  }

  /**
   * Many events in one transaction (console lines come in bursts). `alongside`
   * writes a domain's own rows in the SAME transaction, with the seqs known,
   * so those rows and the events commit together or not at all.
   */
  publishMany(items: PendingEvent[], alongside?: (tx: Db, events: ZeblitEvent[]) => void): ZeblitEvent[] {
    if (items.length === 0) return [];
    const time = this.now();
    const staged = new Map<string, number>();
    const out: ZeblitEvent[] = items.map((item) => {
      const schema = EVENT_PAYLOADS[item.type];
      const data = schema.parse(item.data);
      const seq = (staged.get(item.projectId) ?? this.lastSeq(item.projectId)) + 1;
      staged.set(item.projectId, seq);
      return { id: newId('event', time), type: item.type, topic: topicOf(item.type), project_id: item.projectId, seq, time, data };
    });
    this.db.transaction((tx) => {
      for (let i = 0; i < out.length; i += 200) {
        const chunk = out.slice(i, i + 200);
        tx.insert(events)
          .values(chunk.map((e) => ({ id: e.id, project_id: e.project_id, seq: e.seq, type: e.type, topic: e.topic, data: e.data, created_at: e.time })))
          .run();
      }
      alongside?.(tx as unknown as Db, out);
    });
    for (const [projectId, seq] of staged) this.seqs.set(projectId, seq);
    for (const e of out) this.emit(e);
    return out;
  }

  /** The oldest seq still stored for a project (older ones were pruned); null when none is. */
  oldestSeq(projectId: string): number | null {
    const row = this.db.select({ seq: sql<number | null>`min(${events.seq})` }).from(events).where(eq(events.project_id, projectId)).get();
    return row?.seq ?? null;
  }

  /** Stored events after `sinceSeq`, oldest first, for replay. */
  replay(projectId: string, sinceSeq: number, topics: readonly Topic[], limit = 500, untilSeq?: number): ZeblitEvent[] {
    const filters = [eq(events.project_id, projectId), gt(events.seq, sinceSeq), inArray(events.topic, [...topics])];
    if (untilSeq !== undefined) filters.push(lte(events.seq, untilSeq));
    return this.db
      .select()
      .from(events)
      .where(and(...filters))
      .orderBy(asc(events.seq))
      .limit(limit)
      .all()
      .map((r) => ({ id: r.id, type: r.type as EventType, topic: r.topic as Topic, project_id: r.project_id, seq: r.seq, time: r.created_at, data: r.data }));
  }

  /** Keeps the newest `retainPerProject` events of each project. Returns how many went. */
  prune(): number {
    const res = this.db.run(sql`
      DELETE FROM events WHERE rowid IN (
        SELECT e.rowid FROM events e
        JOIN (SELECT project_id, MAX(seq) AS top FROM events GROUP BY project_id) m ON m.project_id = e.project_id
        WHERE e.seq <= m.top - ${this.retainPerProject}
      )`);
    return res.changes;
  }

  /** Forget cached sequence numbers of a deleted project. */
  forget(projectId: string): void {
    this.seqs.delete(projectId);
  }

  private emit(e: ZeblitEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch (err) {
        // A broken subscriber must not stop the others or the publisher.
        this.opts.onListenerError?.(err);
      }
    }
  }
}
