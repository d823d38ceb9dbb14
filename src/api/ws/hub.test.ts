import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Auth } from '../../auth/index.ts';
import { zeblitPaths, type WsServerMessage, type ZeblitEvent } from '../../contracts/index.ts';
import { openDatabase, type OpenedDatabase } from '../../db/index.ts';
import { EventBus } from '../../events/index.ts';
import { Projects } from '../../projects/index.ts';
import { Hub } from './hub.ts';
import type { SocketLike } from './connection.ts';

/** A hand-written socket: records what is sent, and lets a test pretend the network is slow. */
class FakeSocket implements SocketLike {
  readyState = 1;
  bufferedAmount = 0;
  messages: WsServerMessage[] = [];
  closedWith: number | null = null;
  pings = 0;
  send(data: string) {
    this.messages.push(JSON.parse(data) as WsServerMessage);
  }
  close(code?: number) {
    this.closedWith = code ?? 1000;
    this.readyState = 3;
  }
  terminate() {
    this.closedWith = 1006;
    this.readyState = 3;
  }
  ping() {
    this.pings++;
  }
  events(): ZeblitEvent[] {
    return this.messages.flatMap((m) => (m.type === 'event' ? [m.event] : []));
  }
}

const line = (text: string) => ({ run_id: null, source: 'exec' as const, stream: 'stdout' as const, text });

describe('Hub', () => {
  let home: string;
  let database: OpenedDatabase;
  let bus: EventBus;
  let projectId: string;
  let otherProject: string;
  let prunedProject: string;

  before(() => {
    home = mkdtempSync(join(tmpdir(), 'zeblit-hub-'));
    const paths = zeblitPaths({ ZEBLIT_HOME: home });
    database = openDatabase(paths.db);
    const auth = Auth.fromSecretFile(database.db, paths.secret);
    const owner = auth.users.ensureOwner('owner');
    const projects = new Projects(database.db, paths);
    projectId = projects.create(owner.id, { name: 'p1' }).id;
    otherProject = projects.create(owner.id, { name: 'p2' }).id;
    prunedProject = projects.create(owner.id, { name: 'p3' }).id;
    bus = new EventBus(database.db);
  });
  after(() => {
    database.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('delivers live events of subscribed topics only, in order, per project', async () => {
    const hub = new Hub(bus, { heartbeatMs: 0 });
    const s = new FakeSocket();
    hub.connect('c1', 'cli', 'u', s);
    await hub.subscribe('c1', projectId, ['console']);
    bus.publish(projectId, 'console.output', line('a'));
    bus.publish(projectId, 'file.changed', { path: 'x', action: 'created', version: 1, author: 'user' });
    bus.publish(otherProject, 'console.output', line('elsewhere'));
    bus.publish(projectId, 'console.output', line('b'));
    const got = s.events();
    assert.deepEqual(got.map((e) => (e.data as { text: string }).text), ['a', 'b']);
    assert.ok((got[1]?.seq ?? 0) > (got[0]?.seq ?? 0));
    hub.close();
  });

  it('resumes from since_seq: stored events first, then live, no gap and no duplicate', async () => {
    const hub = new Hub(bus, { heartbeatMs: 0, replayPageSize: 7 });
    const start = bus.lastSeq(projectId);
    for (let i = 0; i < 50; i++) bus.publish(projectId, 'console.output', line(`old ${i}`));
    const s = new FakeSocket();
    hub.connect('c2', 'cli', 'u', s);
    const pending = hub.subscribe('c2', projectId, ['console'], start + 10);
    // Published while the replay is paging: must arrive once, after the stored ones.
    for (let i = 0; i < 5; i++) bus.publish(projectId, 'console.output', line(`live ${i}`));
    await pending;
    bus.publish(projectId, 'console.output', line('after'));
    const seqs = s.events().map((e) => e.seq);
    const expected = Array.from({ length: 46 }, (_, i) => start + 11 + i);
    assert.deepEqual(seqs, expected);
    const ack = s.messages.find((m) => m.type === 'subscribed');
    // Live events stored during the replay may come through the replay itself; either way once.
    assert.ok(ack?.type === 'subscribed' && ack.replayed >= 40 && ack.replayed <= 45);
    hub.close();
  });

  it('tells a client resuming from before the oldest stored event which events it missed', async () => {
    const small = new EventBus(database.db, { retainPerProject: 10 });
    const hub = new Hub(small, { heartbeatMs: 0 });
    const start = small.lastSeq(prunedProject);
    for (let i = 0; i < 30; i++) small.publish(prunedProject, 'console.output', line(`e ${i}`));
    small.prune();
    const s = new FakeSocket();
    hub.connect('c-gap', 'cli', 'u', s);
    await hub.subscribe('c-gap', prunedProject, ['console'], start + 1);
    const ack = s.messages.find((m) => m.type === 'subscribed');
    assert.ok(ack?.type === 'subscribed');
    assert.deepEqual(ack.gap, { from_seq: start + 2, to_seq: start + 20 });
    assert.deepEqual(s.events().map((e) => e.seq), Array.from({ length: 10 }, (_, i) => start + 21 + i));
    // No gap when nothing was pruned after since_seq.
    const t = new FakeSocket();
    hub.connect('c-nogap', 'cli', 'u', t);
    await hub.subscribe('c-nogap', prunedProject, ['console'], start + 25);
    const ack2 = t.messages.find((m) => m.type === 'subscribed');
    assert.ok(ack2?.type === 'subscribed' && ack2.gap === null && ack2.replayed === 5);
    hub.close();
  });

  it('feeds a client that fell behind from storage, without a gap, and lets the fast one go on live', async () => {
    const hub = new Hub(bus, { heartbeatMs: 0, maxBufferedBytes: 1000, replayPageSize: 4 });
    const lagging = new FakeSocket();
    const fast = new FakeSocket();
    hub.connect('lag', 'cli', 'u', lagging);
    hub.connect('fast2', 'web', 'u', fast);
    await hub.subscribe('lag', projectId, ['console']);
    await hub.subscribe('fast2', projectId, ['console']);
    bus.publish(projectId, 'console.output', line('before'));
    lagging.bufferedAmount = 5000; // its network stopped taking bytes for a while
    for (let i = 0; i < 10; i++) bus.publish(projectId, 'console.output', line(`m${i}`));
    assert.equal(fast.events().length, 11);
    assert.equal(lagging.events().length, 1, 'nothing more is pushed at a client that is behind');
    lagging.bufferedAmount = 0; // it drains
    await new Promise((r) => setTimeout(r, 40));
    bus.publish(projectId, 'console.output', line('after'));
    const texts = lagging.events().map((e) => (e.data as { text: string }).text);
    assert.deepEqual(texts, ['before', ...Array.from({ length: 10 }, (_, i) => `m${i}`), 'after']);
    assert.equal(lagging.closedWith, null);
    hub.close();
  });

  it('closes a client that makes no progress with 1013, without slowing or dropping a fast one', async () => {
    const hub = new Hub(bus, { heartbeatMs: 0, maxBufferedBytes: 1000, stallMs: 30 });
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    hub.connect('slow', 'cli', 'u', slow);
    hub.connect('fast', 'web', 'u', fast);
    await hub.subscribe('slow', projectId, ['console']);
    await hub.subscribe('fast', projectId, ['console']);
    slow.bufferedAmount = 5000; // and it never drains
    for (let i = 0; i < 20; i++) bus.publish(projectId, 'console.output', line(`n${i}`));
    assert.equal(fast.events().length, 20);
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(slow.closedWith, 1013);
    assert.equal(fast.closedWith, null);
    const st = hub.stats();
    assert.equal(st.dropped_slow, 1);
    assert.deepEqual(st.by_client_type, { web: 1 });
    hub.close();
  });

  it('drops a client that stops answering pings', () => {
    let beat: () => void = () => {};
    const hub = new Hub(bus, {
      heartbeatMs: 1000,
      setInterval: ((f: () => void) => ((beat = f), 1)) as unknown as typeof setInterval,
      clearInterval: (() => {}) as unknown as typeof clearInterval,
    });
    const live = new FakeSocket();
    const dead = new FakeSocket();
    hub.connect('live', 'cli', 'u', live);
    hub.connect('dead', 'cli', 'u', dead);
    beat();
    hub.markAlive('live');
    beat();
    assert.equal(dead.closedWith, 1006);
    assert.equal(live.closedWith, null);
    assert.equal(hub.stats().dropped_dead, 1);
    assert.equal(hub.stats().connections, 1);
    hub.close();
  });
});
