import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import type { WsServerMessage, ZeblitEvent } from '../contracts/index.ts';
import { ZeblitApiError, ZeblitClient, followEvents } from './index.ts';

interface Subscribe {
  type: 'subscribe';
  project_id: string;
  topics: string[];
  since_seq?: number;
}

/** One accepted connection as the server saw it. */
interface Session {
  ws: WebSocket;
  subscribe: Promise<Subscribe>;
  openedAt: number;
}

/** Says hello on open, like /api/v1/ws; what happens next is up to the test. */
function scriptedServer(): { server: Server; sessions: Session[]; onSession: (f: (s: Session) => void) => void } {
  const server = createServer();
  const wss = new WebSocketServer({ server, path: '/api/v1/ws' });
  const sessions: Session[] = [];
  let handler: (s: Session) => void = () => undefined;
  wss.on('connection', (ws) => {
    const subscribe = new Promise<Subscribe>((resolve) =>
      ws.on('message', (raw) => {
        const m = JSON.parse(String(raw)) as { type: string };
        if (m.type === 'subscribe') resolve(m as Subscribe);
      }),
    );
    const s = { ws, subscribe, openedAt: Date.now() };
    sessions.push(s);
    send(ws, { type: 'hello', client_id: `ws_${sessions.length}`, user: 'owner' });
    handler(s);
  });
  return { server, sessions, onSession: (f) => (handler = f) };
}

function send(ws: WebSocket, msg: WsServerMessage): void {
  ws.send(JSON.stringify(msg));
}

const event = (seq: number): ZeblitEvent => ({
  id: `evt_${seq}`,
  type: 'console.output',
  topic: 'console',
  project_id: 'prj_1',
  seq,
  time: 0,
  data: { run_id: null, source: 'exec', stream: 'stdout', text: `line ${seq}` },
});

/** Acknowledges the subscribe, then sends events `from`..`to` (inclusive). */
async function serve(s: Session, from: number, to: number): Promise<Subscribe> {
  const sub = await s.subscribe;
  send(s.ws, { type: 'subscribed', project_id: sub.project_id, topics: ['console'], last_seq: to, replayed: 0, gap: null });
  for (let seq = from; seq <= to; seq++) send(s.ws, { type: 'event', event: event(seq) });
  return sub;
}

describe('followEvents against a WebSocket server on loopback', () => {
  const { server, sessions, onSession } = scriptedServer();
  let client: ZeblitClient;

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    client = new ZeblitClient({ transport: { kind: 'tcp', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } });
  });
  beforeEach(() => {
    sessions.length = 0;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  /** Follows until `stop()` says enough; returns what was delivered and the statuses. */
  function follow(stop: (seen: number[]) => boolean, sinceSeq?: number) {
    const ac = new AbortController();
    const seen: number[] = [];
    const statuses: string[] = [];
    const done = followEvents(() => client.connectWebSocket('/ws'), {
      projectId: 'prj_1',
      topics: ['console'],
      sinceSeq,
      signal: ac.signal,
      onStatus: (s, detail) => statuses.push(detail ? `${s}: ${detail}` : s),
      onEvent: (e) => {
        seen.push(e.seq);
        if (stop(seen)) ac.abort();
      },
    });
    return { done, seen, statuses };
  }

  it('resumes with since_seq after the server drops the connection: every event once, in order', async () => {
    const subs: Subscribe[] = [];
    onSession((s) => {
      if (sessions.length === 1) {
        void serve(s, 6, 8).then((sub) => {
          subs.push(sub);
          s.ws.terminate(); // no close frame: the network went away
        });
      } else {
        // The server replays from storage; it may repeat what the client already has.
        void serve(s, 7, 11).then((sub) => subs.push(sub));
      }
    });
    const f = follow((seen) => seen.at(-1) === 11, 5);
    await f.done;
    assert.deepEqual(f.seen, [6, 7, 8, 9, 10, 11]);
    assert.deepEqual(
      subs.map((s) => s.since_seq),
      [5, 8],
    );
    assert.deepEqual(subs[1]?.topics, ['console']);
    assert.equal(sessions.length, 2);
    assert.deepEqual(f.statuses, ['connected', 'reconnecting: closed (1006)', 'connected']);
  });

  it('without since_seq, subscribes from now on, then resumes from the last event it delivered', async () => {
    const subs: Subscribe[] = [];
    onSession((s) => {
      void serve(s, sessions.length === 1 ? 1 : 3, sessions.length === 1 ? 2 : 3).then((sub) => {
        subs.push(sub);
        if (sessions.length === 1) s.ws.close(1001, 'going away');
      });
    });
    const f = follow((seen) => seen.at(-1) === 3);
    await f.done;
    assert.equal('since_seq' in (subs[0] ?? {}), false, 'no since_seq on the first subscribe');
    assert.equal(subs[1]?.since_seq, 2);
    assert.deepEqual(f.seen, [1, 2, 3]);
  });

  it('1013 (too slow) resumes at once; another close waits for the back-off first', async () => {
    onSession((s) => {
      void serve(s, sessions.length, sessions.length).then(() => {
        if (sessions.length === 1) s.ws.close(1013, 'slow consumer: reconnect and resume with since_seq');
        if (sessions.length === 2) s.ws.close(1011, 'server error');
      });
    });
    const f = follow((seen) => seen.length === 3);
    await f.done;
    assert.deepEqual(f.seen, [1, 2, 3]);
    const [first, second, third] = sessions;
    assert.ok(first && second && third);
    const afterSlow = second.openedAt - first.openedAt;
    const afterError = third.openedAt - second.openedAt;
    // The back-off starts at 250 ms; after 1013 there is none (only a connect and a handshake on loopback).
    assert.ok(afterError >= 240, `reconnected ${afterError} ms after a 1011`);
    assert.ok(afterSlow < afterError, `after 1013: ${afterSlow} ms, after 1011: ${afterError} ms`);
    assert.ok(afterSlow < 200, `reconnected ${afterSlow} ms after a 1013`);
    assert.ok(f.statuses.includes('reconnecting: too slow; resuming'), f.statuses.join(' | '));
    assert.equal((await sessions[1]?.subscribe)?.since_seq, 1);
    assert.equal((await sessions[2]?.subscribe)?.since_seq, 2);
  });

  it('an error message (another user’s project) rejects with its code and does not reconnect', async () => {
    onSession((s) => {
      void s.subscribe.then((sub) => send(s.ws, { type: 'error', code: 'NOT_FOUND', message: `Project ${sub.project_id} not found` }));
    });
    const f = follow(() => false);
    await assert.rejects(f.done, (e: unknown) => e instanceof Error && (e as Error & { code?: string }).code === 'NOT_FOUND' && /prj_1 not found/.test(e.message));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(sessions.length, 1, 'no second connection');
    assert.deepEqual(f.seen, []);
  });

  it('a refused handshake (4xx) rejects at once instead of retrying', async () => {
    const refusing = new ZeblitClient({ transport: { kind: 'tcp', baseUrl: client.transport.kind === 'tcp' ? client.transport.baseUrl : '' } });
    const started = Date.now();
    await assert.rejects(
      followEvents(() => refusing.connectWebSocket('/no-such-path'), { projectId: 'prj_1', topics: ['console'], onEvent: () => undefined }),
      (e: unknown) => e instanceof ZeblitApiError && e.status === 400,
    );
    assert.ok(Date.now() - started < 1_000);
    assert.equal(sessions.length, 0);
  });
});
