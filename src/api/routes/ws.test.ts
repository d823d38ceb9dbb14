/**
 * The multiplexed WebSocket over a real socket on loopback (the app served as
 * the daemon serves it): every kind of client message gets an answer, a
 * `pong`, an ack or an `error`, and nothing a handler throws escapes it: no
 * stack trace on stderr, the connection stays usable.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import type { Topic, WsServerMessage } from '../../contracts/index.ts';
import { createApp } from '../app.ts';
import type { AppBindings } from '../env.ts';
import { addUser, makeTestApp, ownerWithKey, type TestApp } from '../testing.ts';
import { Hub } from '../ws/hub.ts';

/** A hub whose subscribe and unsubscribe fail as a bug would: a plain Error, thrown or rejected. */
class BrokenHub extends Hub {
  override subscribe(): Promise<void> {
    return Promise.reject(new Error('replay exploded'));
  }
  override unsubscribe(): void {
    throw new Error('unsubscribe exploded');
  }
}

/** Serves an app over HTTP + WebSocket on 127.0.0.1, as daemon/listeners.ts does. */
async function serve(app: ReturnType<typeof createApp>): Promise<{ url: string; close(): Promise<void> }> {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1 << 20 });
  const server = createAdaptorServer({
    fetch: (req, env) => {
      (env as AppBindings).transport = 'tcp';
      return app.fetch(req, env as AppBindings);
    },
    websocket: { server: wss },
  }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/api/v1/ws`,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** One client: every message it received, and a way to wait for the next. */
class Client {
  readonly ws: WebSocket;
  readonly messages: WsServerMessage[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<number>;

  constructor(url: string, key: string) {
    this.ws = new WebSocket(url, { headers: { authorization: `Bearer ${key}` } });
    this.ws.on('message', (raw) => {
      this.messages.push(JSON.parse(String(raw)) as WsServerMessage);
      for (const w of this.waiters.splice(0)) w();
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code) => resolve(code)));
  }

  async open(): Promise<void> {
    await this.next((m) => m.type === 'hello');
  }

  /** The first message from now on (or already received after `from`) that matches. */
  next(match: (m: WsServerMessage) => boolean, from = 0, timeoutMs = 5_000): Promise<WsServerMessage> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message; got ${JSON.stringify(this.messages.slice(from))}`)), timeoutMs);
      const look = () => {
        const found = this.messages.slice(from).find(match);
        if (!found) return void this.waiters.push(look);
        clearTimeout(timer);
        resolve(found);
      };
      look();
    });
  }

  /** Sends raw data and resolves with the answer carrying `id`, or else the next message after it. */
  async ask(data: string | Buffer, id?: string): Promise<WsServerMessage> {
    const from = this.messages.length;
    this.ws.send(data);
    return this.next((m) => (id === undefined ? true : 'id' in m && m.id === id), from);
  }

  /** Proves the connection still answers. */
  async stillUsable(): Promise<void> {
    const id = `ping-${this.messages.length}`;
    const pong = await this.ask(JSON.stringify({ type: 'ping', id }), id);
    assert.equal(pong.type, 'pong');
  }

  close(): void {
    this.ws.terminate();
  }
}

/** Captures everything written to stderr (and console.error) while `fn` runs. */
async function stderrDuring(fn: () => Promise<void>): Promise<string> {
  let out = '';
  const write = process.stderr.write.bind(process.stderr);
  const error = console.error;
  process.stderr.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stderr.write;
  console.error = (...args: unknown[]) => void (out += `${args.map(String).join(' ')}\n`);
  try {
    await fn();
  } finally {
    process.stderr.write = write;
    console.error = error;
  }
  return out;
}

const expectError = (m: WsServerMessage, code: string, pattern?: RegExp) => {
  assert.equal(m.type, 'error', JSON.stringify(m));
  if (m.type !== 'error') return;
  assert.equal(m.code, code, m.message);
  if (pattern) assert.match(m.message, pattern);
};

describe('WebSocket /ws: every client message is answered, nothing escapes the handler', () => {
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serve>>;
  let key: string;
  let mine: string;
  let foreign: string;
  const clients: Client[] = [];
  const connect = async () => {
    const c = new Client(server.url, key);
    clients.push(c);
    await c.open();
    return c;
  };

  before(async () => {
    t = makeTestApp();
    key = ownerWithKey(t).key;
    mine = t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'mine' }).id;
    const bob = addUser(t, 'bob');
    foreign = t.deps.projects.create(bob.user.id, { name: 'bobs' }).id;
    server = await serve(t.app);
  });
  after(async () => {
    for (const c of clients) c.close();
    await server.close();
    t.close();
  });

  it('unsubscribe of an unknown project: an error naming it, the connection stays usable, nothing on stderr', async () => {
    const c = await connect();
    let answer: WsServerMessage | undefined;
    const stderr = await stderrDuring(async () => {
      answer = await c.ask(JSON.stringify({ type: 'unsubscribe', project_id: 'prj_nothing_here', id: 'u1' }), 'u1');
      await c.stillUsable();
    });
    expectError(answer as WsServerMessage, 'NOT_FOUND', /prj_nothing_here/);
    assert.equal(stderr, '', 'nothing written to stderr');
  });

  it('ping, subscribe and unsubscribe of your own project are acknowledged with their ids', async () => {
    const c = await connect();
    const pong = await c.ask(JSON.stringify({ type: 'ping', id: 'p1' }), 'p1');
    assert.equal(pong.type, 'pong');
    const sub = await c.ask(JSON.stringify({ type: 'subscribe', project_id: 'mine', topics: ['files'] satisfies Topic[], id: 's1' }), 's1');
    assert.equal(sub.type, 'subscribed', JSON.stringify(sub));
    const unsub = await c.ask(JSON.stringify({ type: 'unsubscribe', project_id: mine, id: 'u2' }), 'u2');
    assert.deepEqual(unsub, { type: 'unsubscribed', id: 'u2', project_id: mine });
  });

  it("another user's project is not found, to subscribe and to unsubscribe", async () => {
    const c = await connect();
    expectError(await c.ask(JSON.stringify({ type: 'subscribe', project_id: foreign, id: 's2' }), 's2'), 'NOT_FOUND', new RegExp(foreign));
    expectError(await c.ask(JSON.stringify({ type: 'subscribe', project_id: 'bobs', id: 's3' }), 's3'), 'NOT_FOUND', /bobs/);
    expectError(await c.ask(JSON.stringify({ type: 'unsubscribe', project_id: foreign, id: 'u3' }), 'u3'), 'NOT_FOUND', new RegExp(foreign));
    await c.stillUsable();
  });

  it('malformed JSON, the wrong shape, unknown types, binary and oversize messages each get an error, and the connection goes on', async () => {
    const c = await connect();
    expectError(await c.ask('{not json'), 'INVALID_JSON');
    expectError(await c.ask('42'), 'VALIDATION_FAILED', /types: subscribe, unsubscribe, ping/);
    expectError(await c.ask('[]'), 'VALIDATION_FAILED');
    expectError(await c.ask('null'), 'VALIDATION_FAILED');
    // The id of a message that failed validation still comes back, so the client can match the error to it.
    expectError(await c.ask(JSON.stringify({ type: 'teleport', id: 'x1' }), 'x1'), 'VALIDATION_FAILED');
    expectError(await c.ask(JSON.stringify({ type: 'subscribe', id: 'x2' }), 'x2'), 'VALIDATION_FAILED', /project_id/);
    expectError(await c.ask(JSON.stringify({ type: 'subscribe', project_id: mine, topics: ['nope'], id: 'x3' }), 'x3'), 'VALIDATION_FAILED', /topics/);
    expectError(await c.ask(JSON.stringify({ type: 'ping', id: 'x4', extra: true }), 'x4'), 'VALIDATION_FAILED');
    expectError(await c.ask(Buffer.from('{"type":"ping"}')), 'BAD_REQUEST', /text/);
    expectError(await c.ask(''), 'BAD_REQUEST');
    expectError(await c.ask(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) })), 'BAD_REQUEST', /64 KiB/);
    // 64 KiB counted in bytes, not characters: 30,000 three-byte characters are 90,000 bytes.
    expectError(await c.ask(JSON.stringify({ type: 'ping', pad: '€'.repeat(30_000) })), 'BAD_REQUEST', /64 KiB/);
    await c.stillUsable();
  });

  it('a subscription to a project deleted since can still be ended', async () => {
    const c = await connect();
    const owner = t.deps.auth.users.owner().id;
    const doomed = t.deps.projects.create(owner, { name: 'doomed' });
    assert.equal((await c.ask(JSON.stringify({ type: 'subscribe', project_id: doomed.id, id: 's4' }), 's4')).type, 'subscribed');
    await t.deps.projects.delete(owner, doomed.id);
    assert.deepEqual(await c.ask(JSON.stringify({ type: 'unsubscribe', project_id: doomed.id, id: 'u4' }), 'u4'), { type: 'unsubscribed', id: 'u4', project_id: doomed.id });
    // Once ended it is unknown like any other.
    expectError(await c.ask(JSON.stringify({ type: 'unsubscribe', project_id: doomed.id, id: 'u5' }), 'u5'), 'NOT_FOUND');
  });
});

describe('WebSocket /ws: a handler that throws (a bug) is answered INTERNAL and logged, never printed', () => {
  const logged: string[] = [];
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serve>>;
  let key: string;

  before(async () => {
    t = makeTestApp();
    key = ownerWithKey(t).key;
    t.deps.projects.create(t.deps.auth.users.owner().id, { name: 'mine' });
    const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _enc, done) => (logged.push(String(chunk)), done()) }));
    server = await serve(createApp({ ...t.deps, logger, hub: new BrokenHub(t.deps.bus) }));
  });
  after(async () => {
    await server.close();
    t.close();
  });

  it('a thrown error and a rejected promise each become an error message; the connection stays usable', async () => {
    const c = new Client(server.url, key);
    try {
      await c.open();
      let sub: WsServerMessage | undefined;
      let unsub: WsServerMessage | undefined;
      const stderr = await stderrDuring(async () => {
        sub = await c.ask(JSON.stringify({ type: 'subscribe', project_id: 'mine', id: 'a' }), 'a');
        unsub = await c.ask(JSON.stringify({ type: 'unsubscribe', project_id: 'mine', id: 'b' }), 'b');
        await c.stillUsable();
      });
      expectError(sub as WsServerMessage, 'INTERNAL', /subscribe message could not be handled/);
      expectError(unsub as WsServerMessage, 'INTERNAL', /unsubscribe message could not be handled/);
      for (const m of [sub, unsub]) assert.doesNotMatch(JSON.stringify(m), /exploded/, 'the internal error is not shown to the client');
      assert.equal(stderr, '');
      assert.equal(logged.filter((l) => /exploded/.test(l)).length, 2, 'both failures are in the log with their cause');
    } finally {
      c.close();
    }
  });
});
