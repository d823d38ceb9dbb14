/**
 * The page's live events: one WebSocket to /api/v1/ws for the whole page.
 * A browser cannot send headers on a WebSocket, so the CSRF token rides as
 * the subprotocol `csrf.<token>` next to `zeblit.v1` (the server selects
 * zeblit.v1, never echoing the token); the cookie comes by itself. After a
 * drop it reconnects and resubscribes from the last seq it saw, so no event
 * is lost or repeated.
 */
import type { Topic, WsServerMessage, ZeblitEvent } from '../../src/contracts/index.ts';
import { CSRF_PROTOCOL_PREFIX } from '../../src/contracts/web-names.ts';
import { API_BASE } from './http.ts';

/** Every topic the page shows: one subscription per project serves all views of it. */
const PAGE_TOPICS: Topic[] = ['console', 'files', 'agent', 'container', 'tasks'];

interface Subscription {
  projectId: string;
  lastSeq: number | undefined;
  listeners: Set<{ topics: Topic[]; fn: (e: ZeblitEvent) => void }>;
}

export class EventSocket {
  private ws: WebSocket | null = null;
  private readonly subs = new Map<string, Subscription>();
  private retry = 500;
  private closed = false;

  constructor(private readonly csrf: () => string | null) {}

  /**
   * Follows a project's events of `topics`; the first follower of a project
   * may start from `sinceSeq` (a history's last seq), later ones join live.
   * Returns the unsubscribe.
   */
  follow(projectId: string, topics: Topic[], sinceSeq: number | undefined, fn: (e: ZeblitEvent) => void): () => void {
    let sub = this.subs.get(projectId);
    if (!sub) {
      sub = { projectId, lastSeq: sinceSeq, listeners: new Set() };
      this.subs.set(projectId, sub);
      this.send(sub);
    }
    const listener = { topics, fn };
    sub.listeners.add(listener);
    this.open();
    const s = sub;
    return () => {
      s.listeners.delete(listener);
      if (s.listeners.size > 0) return;
      this.subs.delete(projectId);
      this.raw({ type: 'unsubscribe', project_id: projectId });
    };
  }

  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  private open(): void {
    if (this.ws || this.closed) return;
    const csrf = this.csrf();
    if (!csrf) return;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${API_BASE}/ws`;
    const ws = new WebSocket(url, ['zeblit.v1', `${CSRF_PROTOCOL_PREFIX}${csrf}`]);
    this.ws = ws;
    ws.addEventListener('open', () => {
      this.retry = 500;
      for (const sub of this.subs.values()) this.send(sub);
    });
    ws.addEventListener('message', (m: MessageEvent<string>) => this.receive(m.data));
    ws.addEventListener('close', () => {
      this.ws = null;
      if (this.closed || this.subs.size === 0) return;
      setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 10_000);
    });
  }

  private send(sub: Subscription): void {
    this.raw({ type: 'subscribe', project_id: sub.projectId, topics: PAGE_TOPICS, ...(sub.lastSeq !== undefined ? { since_seq: sub.lastSeq } : {}) });
  }

  private raw(msg: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  private receive(text: string): void {
    const msg = JSON.parse(text) as WsServerMessage;
    if (msg.type === 'subscribed') {
      const sub = this.subs.get(msg.project_id);
      if (sub && sub.lastSeq === undefined) sub.lastSeq = msg.last_seq;
      return;
    }
    if (msg.type !== 'event') return;
    const e = msg.event;
    const sub = this.subs.get(e.project_id);
    if (!sub || (sub.lastSeq !== undefined && e.seq <= sub.lastSeq)) return;
    sub.lastSeq = e.seq;
    for (const l of sub.listeners) if (l.topics.includes(e.topic)) l.fn(e);
  }
}
