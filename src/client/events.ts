/**
 * A resuming event subscription over /api/v1/ws: subscribes to one project's
 * topics, remembers the last seq it delivered, and when the connection drops
 * (network, daemon restart, 1013 for a slow consumer) reconnects with
 * since_seq, so the caller sees every event once, in order.
 */
import type WebSocket from 'ws';
import type { Topic, WsServerMessage, ZeblitEvent } from '../contracts/index.ts';

export interface EventStreamOptions {
  projectId: string;
  topics: Topic[];
  /** Deliver events after this seq (history already shown up to it). */
  sinceSeq?: number;
  onEvent: (e: ZeblitEvent) => void;
  /** Told about (re)connections, for a status line. */
  onStatus?: (status: 'connected' | 'reconnecting', detail?: string) => void;
  signal?: AbortSignal;
  maxBackoffMs?: number;
}

export type SocketOpener = () => Promise<WebSocket>;

export async function followEvents(open: SocketOpener, opts: EventStreamOptions): Promise<void> {
  let since = opts.sinceSeq;
  let backoff = 250;
  const maxBackoff = opts.maxBackoffMs ?? 5_000;
  while (!opts.signal?.aborted) {
    let ws: WebSocket;
    try {
      ws = await open();
    } catch (e) {
      const status = (e as { status?: number }).status;
      // Refusals (auth, not found) do not get better by retrying.
      if (status !== undefined && status >= 400 && status < 500) throw e;
      opts.onStatus?.('reconnecting', (e as Error).message);
      await sleep(backoff, opts.signal);
      backoff = Math.min(maxBackoff, backoff * 2);
      continue;
    }
    const closed = await new Promise<{ code: number; fatal?: Error }>((resolve) => {
      const onAbort = () => ws.close(1000, 'bye');
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('message', (raw) => {
        let msg: WsServerMessage;
        try {
          msg = JSON.parse(String(raw)) as WsServerMessage;
        } catch {
          return;
        }
        if (msg.type === 'hello') {
          ws.send(JSON.stringify({ type: 'subscribe', project_id: opts.projectId, topics: opts.topics, ...(since !== undefined ? { since_seq: since } : {}) }));
        } else if (msg.type === 'subscribed') {
          backoff = 250;
          opts.onStatus?.('connected');
        } else if (msg.type === 'event') {
          if (since !== undefined && msg.event.seq <= since) return;
          since = msg.event.seq;
          opts.onEvent(msg.event);
        } else if (msg.type === 'error') {
          const err = Object.assign(new Error(msg.message), { code: msg.code });
          resolve({ code: 4000, fatal: err });
          ws.close(1000);
        }
      });
      ws.on('close', (code) => {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve({ code });
      });
      ws.on('error', () => {});
    });
    if (closed.fatal) throw closed.fatal;
    if (opts.signal?.aborted) return;
    opts.onStatus?.('reconnecting', closed.code === 1013 ? 'too slow; resuming' : `closed (${closed.code})`);
    await sleep(closed.code === 1013 ? 0 : backoff, opts.signal);
    backoff = Math.min(maxBackoff, backoff * 2);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}
