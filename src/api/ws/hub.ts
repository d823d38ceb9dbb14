/**
 * The WebSocket hub: the connection manager of the seed (connect,
 * broadcast_to_project, send_to_client) over the event bus. Invariant: a
 * subscriber receives each event of its project and topics once, in seq
 * order, with no gap, whether it came from storage (replay) or live.
 *
 * Storage is the buffer: a client that falls behind (too many unsent bytes)
 * stops getting live events and is fed from the event log at the pace its
 * socket drains, then rejoins the live flow. Daemon memory per client stays
 * bounded; only a client that makes no progress for `stallMs` is closed
 * with 1013 (it can resume with since_seq).
 */
import { TOPICS, type Topic, type WsServerMessage, type ZeblitEvent } from '../../contracts/index.ts';
import type { EventBus } from '../../events/index.ts';
import { Connection, type SocketLike, type Subscription } from './connection.ts';

export interface HubOptions {
  /** Outbound bytes queued for one client before it counts as slow. */
  maxBufferedBytes?: number;
  /** A client behind that drains nothing for this long is closed with 1013. */
  stallMs?: number;
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

type Counters = Pick<HubStats, 'events_sent' | 'dropped_slow' | 'dropped_dead'>;

export class Hub {
  private readonly conns = new Map<string, Connection>();
  private readonly byProject = new Map<string, Set<Connection>>();
  private readonly unsubscribeBus: () => void;
  private readonly heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Since start, for everyone and per user (a user's stats show only their own). */
  private readonly totals: Counters = { events_sent: 0, dropped_slow: 0, dropped_dead: 0 };
  private readonly perUser = new Map<string, Counters>();
  private readonly opts: Required<Omit<HubOptions, 'setInterval' | 'clearInterval'>>;

  constructor(
    private readonly bus: EventBus,
    options: HubOptions = {},
  ) {
    this.opts = {
      maxBufferedBytes: options.maxBufferedBytes ?? 8 * 1024 * 1024,
      stallMs: options.stallMs ?? 5_000,
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
      this.count(c, 'dropped_slow');
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
      if (!sub || sub.catching || !sub.topics.has(event.topic) || event.seq <= sub.lastSent) continue;
      if (conn.behind) {
        // The event is in storage already (published after commit): fetch it from there once the socket drains.
        sub.catching = true;
        void this.catchUp(conn, sub);
        continue;
      }
      if (conn.send({ type: 'event', event })) {
        sub.lastSent = event.seq;
        this.count(conn, 'events_sent');
      }
    }
  }

  /**
   * Subscribes and, with `sinceSeq`, first replays what is stored after it;
   * then live flow begins. Replay and catching up are the same loop.
   */
  async subscribe(clientId: string, projectId: string, topics: readonly Topic[], sinceSeq?: number, ackId?: string): Promise<void> {
    const conn = this.conns.get(clientId);
    if (!conn) return;
    const wanted = new Set<Topic>(topics.length ? topics : TOPICS);
    const lastSeq = this.bus.lastSeq(projectId);
    const replaying = sinceSeq !== undefined && sinceSeq < lastSeq;
    const sub: Subscription = { projectId, topics: wanted, lastSent: sinceSeq ?? lastSeq, catching: replaying };
    conn.subs.set(projectId, sub);
    let set = this.byProject.get(projectId);
    if (!set) this.byProject.set(projectId, (set = new Set()));
    set.add(conn);
    // Resuming from before the oldest stored event: say which events can no longer be replayed, rather than skip them silently.
    const oldest = replaying ? this.bus.oldestSeq(projectId) : null;
    const gap = sinceSeq !== undefined && oldest !== null && oldest > sinceSeq + 1 ? { from_seq: sinceSeq + 1, to_seq: oldest - 1 } : null;
    const replayed = replaying ? await this.catchUp(conn, sub) : 0;
    if (conn.closed || conn.subs.get(projectId) !== sub) return;
    conn.send({ type: 'subscribed', id: ackId, project_id: projectId, topics: [...wanted], last_seq: sub.lastSent, replayed, gap });
  }

  /**
   * Feeds a subscription from storage, page by page, waiting for the socket
   * to drain between pages. The last page is read and `catching` cleared in
   * the same tick, so no live event can fall between storage and live flow.
   */
  private async catchUp(conn: Connection, sub: Subscription): Promise<number> {
    let sent = 0;
    for (;;) {
      if (!(await this.drained(conn))) {
        conn.slow();
        return sent;
      }
      if (conn.closed || conn.subs.get(sub.projectId) !== sub) return sent;
      const page = this.bus.replay(sub.projectId, sub.lastSent, [...sub.topics], this.opts.replayPageSize);
      for (const event of page) {
        if (!conn.send({ type: 'event', event })) return sent;
        sub.lastSent = event.seq;
        sent++;
      }
      this.count(conn, 'events_sent', page.length);
      if (page.length < this.opts.replayPageSize) {
        sub.catching = false;
        return sent;
      }
    }
  }

  isSubscribed(clientId: string, projectId: string): boolean {
    return this.conns.get(clientId)?.subs.has(projectId) ?? false;
  }

  unsubscribe(clientId: string, projectId: string): void {
    const conn = this.conns.get(clientId);
    conn?.subs.delete(projectId);
    if (conn) this.byProject.get(projectId)?.delete(conn);
  }

  /** Connections and counters: everyone's, or with `userId` only that user's own. */
  stats(userId?: string): HubStats {
    const byType: Record<string, number> = {};
    let connections = 0;
    let subscriptions = 0;
    for (const c of this.conns.values()) {
      if (userId !== undefined && c.userId !== userId) continue;
      byType[c.clientType] = (byType[c.clientType] ?? 0) + 1;
      connections++;
      subscriptions += c.subs.size;
    }
    const counters = userId === undefined ? this.totals : (this.perUser.get(userId) ?? { events_sent: 0, dropped_slow: 0, dropped_dead: 0 });
    return { connections, by_client_type: byType, subscriptions, ...counters };
  }

  private count(conn: Connection, key: keyof Counters, n = 1): void {
    this.totals[key] += n;
    let mine = this.perUser.get(conn.userId);
    if (!mine) this.perUser.set(conn.userId, (mine = { events_sent: 0, dropped_slow: 0, dropped_dead: 0 }));
    mine[key] += n;
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
        this.count(c, 'dropped_dead');
        c.terminate();
        this.disconnect(c.id);
        continue;
      }
      c.alive = false;
      c.ping();
    }
  }

  /** Resolves true once the socket is below a quarter of its budget; false if it made no progress for stallMs. */
  private drained(conn: Connection): Promise<boolean> {
    const low = this.opts.maxBufferedBytes / 4;
    if (conn.closed || conn.buffered <= low) return Promise.resolve(!conn.closed);
    return new Promise((resolve) => {
      let best = conn.buffered;
      let progressAt = Date.now();
      const check = () => {
        if (conn.closed) return resolve(false);
        if (conn.buffered <= low) return resolve(true);
        if (conn.buffered < best) {
          best = conn.buffered;
          progressAt = Date.now();
        }
        if (Date.now() - progressAt > this.opts.stallMs) return resolve(false);
        setTimeout(check, 5);
      };
      setTimeout(check, 5);
    });
  }
}
