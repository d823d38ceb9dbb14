/**
 * The WebSocket hub: the connection manager of the seed (connect,
 * broadcast_to_project, send_to_client) over the event bus. Invariant: a
 * subscriber receives each event of its project and topics once, in seq
 * order, with no gap, whether it came from storage (replay) or live.
 */
import { TOPICS, type Topic, type WsServerMessage, type ZeblitEvent } from '../../contracts/index.ts';
import type { EventBus } from '../../events/index.ts';
import { Connection, type SocketLike } from './connection.ts';

export interface HubOptions {
  /** Outbound bytes queued for one client before it counts as slow. */
  maxBufferedBytes?: number;
  /** Live events held for one client while it replays, before it counts as slow. */
  maxQueuedEvents?: number;
  replayPageSize?: number;
  heartbeatMs?: number;
  setInterval?: typeof setInterval;
  clearInterval?: typeof clearInterval;
}

export interface HubStats {
  connections: number;
  by_client_type: Record<string, number>;
  subscriptions: number;
  events_sent: number;
  dropped_slow: number;
  dropped_dead: number;
}

export class Hub {
  private readonly conns = new Map<string, Connection>();
  private readonly byProject = new Map<string, Set<Connection>>();
  private readonly unsubscribeBus: () => void;
  private readonly heartbeat: ReturnType<typeof setInterval> | undefined;
  private droppedSlow = 0;
  private droppedDead = 0;
  private eventsSent = 0;
  private readonly opts: Required<Omit<HubOptions, 'setInterval' | 'clearInterval'>>;

  constructor(
    private readonly bus: EventBus,
    options: HubOptions = {},
  ) {
    this.opts = {
      maxBufferedBytes: options.maxBufferedBytes ?? 8 * 1024 * 1024,
      maxQueuedEvents: options.maxQueuedEvents ?? 50_000,
      replayPageSize: options.replayPageSize ?? 500,
      heartbeatMs: options.heartbeatMs ?? 30_000,
    };
    this.unsubscribeBus = bus.subscribe((e) => this.broadcastToProject(e.project_id, e));
    if (this.opts.heartbeatMs > 0) {
      this.heartbeat = (options.setInterval ?? setInterval)(() => this.beat(), this.opts.heartbeatMs);
      this.heartbeat.unref?.();
    }
    this.clearTimer = () => this.heartbeat !== undefined && (options.clearInterval ?? clearInterval)(this.heartbeat);
  }

  private readonly clearTimer: () => void;

  connect(clientId: string, clientType: string, userId: string, socket: SocketLike): Connection {
    const conn = new Connection(clientId, clientType, userId, socket, this.opts.maxBufferedBytes, (c) => {
      this.droppedSlow++;
      this.disconnect(c.id);
    });
    this.conns.set(clientId, conn);
    return conn;
  }

  disconnect(clientId: string): void {
    const conn = this.conns.get(clientId);
    if (!conn) return;
    for (const projectId of conn.subs.keys()) this.byProject.get(projectId)?.delete(conn);
    conn.subs.clear();
    this.conns.delete(clientId);
  }

  /** A pong (or any message) proves the client is alive until the next beat. */
  markAlive(clientId: string): void {
    const c = this.conns.get(clientId);
    if (c) c.alive = true;
  }

  sendToClient(clientId: string, msg: WsServerMessage): boolean {
    return this.conns.get(clientId)?.send(msg) ?? false;
  }

  broadcastToProject(projectId: string, event: ZeblitEvent): void {
    const set = this.byProject.get(projectId);
    if (!set) return;
    for (const conn of set) {
      const sub = conn.subs.get(projectId);
      if (!sub || !sub.topics.has(event.topic) || event.seq <= sub.lastSent) continue;
      if (sub.queue) {
        if (sub.queue.length >= this.opts.maxQueuedEvents) {
          conn.close(1013, 'slow consumer: reconnect and resume with since_seq');
          this.droppedSlow++;
          this.disconnect(conn.id);
          continue;
        }
        sub.queue.push(event);
        continue;
      }
      if (conn.send({ type: 'event', event })) {
        sub.lastSent = event.seq;
        this.eventsSent++;
      }
    }
  }

  /**
   * Subscribes and, with `sinceSeq`, first replays what is stored after it,
   * page by page and waiting for the socket to drain, while live events queue;
   * then the queue flushes (skipping what replay already sent) and live flow begins.
   */
  async subscribe(clientId: string, projectId: string, topics: readonly Topic[], sinceSeq?: number, ackId?: string): Promise<void> {
    const conn = this.conns.get(clientId);
    if (!conn) return;
    const wanted = new Set<Topic>(topics.length ? topics : TOPICS);
    const lastSeq = this.bus.lastSeq(projectId);
    const replaying = sinceSeq !== undefined && sinceSeq < lastSeq;
    const sub = { projectId, topics: wanted, lastSent: sinceSeq ?? lastSeq, queue: replaying ? ([] as ZeblitEvent[]) : null };
    conn.subs.set(projectId, sub);
    let set = this.byProject.get(projectId);
    if (!set) this.byProject.set(projectId, (set = new Set()));
    set.add(conn);
    let replayed = 0;
    if (replaying) {
      for (;;) {
        const page = this.bus.replay(projectId, sub.lastSent, [...wanted], this.opts.replayPageSize);
        for (const event of page) {
          if (!conn.send({ type: 'event', event })) return;
          sub.lastSent = event.seq;
          replayed++;
        }
        if (page.length < this.opts.replayPageSize) break;
        await this.drained(conn);
        if (conn.closed || conn.subs.get(projectId) !== sub) return;
      }
      const queued = sub.queue ?? [];
      sub.queue = null;
      for (const event of queued) {
        if (event.seq <= sub.lastSent) continue;
        if (!conn.send({ type: 'event', event })) return;
        sub.lastSent = event.seq;
      }
    }
    this.eventsSent += replayed;
    conn.send({ type: 'subscribed', id: ackId, project_id: projectId, topics: [...wanted], last_seq: sub.lastSent, replayed });
  }

  unsubscribe(clientId: string, projectId: string): void {
    const conn = this.conns.get(clientId);
    conn?.subs.delete(projectId);
    if (conn) this.byProject.get(projectId)?.delete(conn);
  }

  stats(): HubStats {
    const byType: Record<string, number> = {};
    let subscriptions = 0;
    for (const c of this.conns.values()) {
      byType[c.clientType] = (byType[c.clientType] ?? 0) + 1;
      subscriptions += c.subs.size;
    }
    return {
      connections: this.conns.size,
      by_client_type: byType,
      subscriptions,
      events_sent: this.eventsSent,
      dropped_slow: this.droppedSlow,
      dropped_dead: this.droppedDead,
    };
  }

  close(): void {
    this.clearTimer();
    this.unsubscribeBus();
    for (const c of this.conns.values()) c.close(1001, 'zeblitd is shutting down');
    this.conns.clear();
    this.byProject.clear();
  }

  /** Heartbeat: a client that did not answer the previous ping is dropped. */
  private beat(): void {
    for (const c of [...this.conns.values()]) {
      if (!c.alive) {
        this.droppedDead++;
        c.terminate();
        this.disconnect(c.id);
        continue;
      }
      c.alive = false;
      c.ping();
    }
  }

  private drained(conn: Connection): Promise<void> {
    const limit = this.opts.maxBufferedBytes / 4;
    return new Promise((resolve) => {
      const check = () => (conn.closed || conn.buffered <= limit ? resolve() : setTimeout(check, 5));
      check();
    });
  }
}
