import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { ZeblitEvent } from '../contracts/index.ts';
import { ConsoleService } from './index.ts';
import { consoleFixture, type ConsoleFixture } from './testing.ts';

const tick = () => new Promise((r) => setImmediate(r));

describe('console capture', () => {
  let fx: ConsoleFixture;
  before(() => (fx = consoleFixture('console', 'c')));
  after(() => fx.close());

  it('joins lines split across chunks, including a UTF-8 character cut in half, and keeps streams apart', async () => {
    const { database, bus, projectId } = fx;
    const svc = new ConsoleService(database.db, bus);
    const seen: ZeblitEvent[] = [];
    const off = bus.subscribe((e) => seen.push(e));
    const euro = Buffer.from('€');
    const base = { projectId, runId: 'run_a', source: 'exec' as const };
    svc.capture.write({ ...base, stream: 'stdout', data: 'hel' });
    svc.capture.write({ ...base, stream: 'stderr', data: 'oops\n' });
    svc.capture.write({ ...base, stream: 'stdout', data: Buffer.concat([Buffer.from('lo '), euro.subarray(0, 1)]) });
    svc.capture.write({ ...base, stream: 'stdout', data: Buffer.concat([euro.subarray(1), Buffer.from('\r\nsecond\nthird')]) });
    await tick();
    svc.capture.endRun(projectId, 'run_a');
    await new Promise<void>((r) => svc.capture.afterDrain(r));
    off();
    const texts = seen.map((e) => `${(e.data as { stream: string }).stream}:${(e.data as { text: string }).text}`);
    assert.deepEqual(texts, ['stderr:oops', 'stdout:hello €', 'stdout:second', 'stdout:third']);
    const hist = svc.store.history(projectId, { run_id: 'run_a' });
    assert.deepEqual(hist.items.map((i) => i.text), ['oops', 'hello €', 'second', 'third']);
    assert.deepEqual(hist.items.map((i) => i.seq), seen.map((e) => e.seq));
    assert.equal(svc.store.history(projectId, { run_id: 'run_a', stream: 'stderr' }).items.length, 1);
  });

  it('flushes a line without an end after the partial timeout', async () => {
    const { database, bus, projectId } = fx;
    const svc = new ConsoleService(database.db, bus, { partialFlushMs: 20 });
    svc.capture.write({ projectId, runId: 'run_b', source: 'exec', stream: 'stdout', data: 'prompt> ' });
    await new Promise((r) => setTimeout(r, 60));
    assert.deepEqual(svc.store.history(projectId, { run_id: 'run_b' }).items.map((i) => i.text), ['prompt> ']);
  });

  it('a late partial timer does not cut a line whose rest already waits unread (the loop was busy)', async () => {
    const { database, bus, projectId } = fx;
    const svc = new ConsoleService(database.db, bus, { partialFlushMs: 20 });
    const base = { projectId, runId: 'run_late', source: 'exec' as const, stream: 'stdout' as const };
    const accepted: Socket[] = [];
    const server = createServer((s) => {
      accepted.push(s);
      s.on('data', (data: Buffer) => svc.capture.write({ ...base, data }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await once(server, 'connection');
    svc.capture.write({ ...base, data: 'half a li' });
    client.write('ne\n');
    // A long commit: the flush timer expires while the rest of the line sits in the socket.
    for (const until = Date.now() + 80; Date.now() < until; );
    await new Promise((r) => setTimeout(r, 60));
    svc.capture.flush();
    client.destroy();
    for (const s of accepted) s.destroy();
    server.close();
    assert.deepEqual(svc.store.history(projectId, { run_id: 'run_late' }).items.map((i) => i.text), ['half a line']);
  });

  it('pages history forward and backward, filters, and prunes to the retention limits', async () => {
    const { database, bus, projectId } = fx;
    const svc = new ConsoleService(database.db, bus, { retention: { maxLines: 50, maxBytes: 1 << 20 } });
    const data = Array.from({ length: 120 }, (_, i) => `line ${i}`).join('\n') + '\n';
    svc.capture.write({ projectId, runId: 'run_c', source: 'exec', stream: 'stdout', data });
    svc.capture.flush();
    const tail = svc.store.history(projectId, { run_id: 'run_c', limit: 10 });
    assert.equal(tail.items.at(-1)?.text, 'line 119');
    assert.equal(tail.items[0]?.text, 'line 110');
    assert.equal(tail.has_more, true);
    const first = svc.store.history(projectId, { run_id: 'run_c', since_seq: 0, limit: 5 });
    assert.deepEqual(first.items.map((i) => i.text), ['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    assert.equal(svc.store.history(projectId, { run_id: 'run_c', q: 'line 11' }).items.length, 11);
    svc.prune();
    const left = svc.store.history(projectId, { limit: 5000 }).items;
    assert.equal(left.length, 50);
    assert.equal(left.at(-1)?.text, 'line 119');
    const bytes = new ConsoleService(database.db, bus, { retention: { maxLines: 1000, maxBytes: 80 } });
    bytes.prune();
    const kept = bytes.store.history(projectId, { limit: 5000 }).items;
    assert.ok(kept.reduce((n, i) => n + Buffer.byteLength(i.text), 0) <= 80);
    assert.equal(kept.at(-1)?.text, 'line 119');
    assert.deepEqual(svc.store.clear(projectId).deleted_lines, kept.length);
  });

  it('commits a big burst in slices, yielding to other work in between, and tells when it has drained', async () => {
    const { database, bus, projectId } = fx;
    const svc = new ConsoleService(database.db, bus);
    const data = Array.from({ length: 3500 }, (_, i) => `burst ${i}`).join('\n') + '\n';
    svc.capture.write({ projectId, runId: 'run_burst', source: 'exec', stream: 'stdout', data });
    let drained = false;
    svc.capture.afterDrain(() => (drained = true));
    await tick();
    const afterOneTick = svc.store.history(projectId, { run_id: 'run_burst', limit: 5000 }).items.length;
    assert.ok(afterOneTick > 0 && afterOneTick < 3500, `one tick committed ${afterOneTick}`);
    assert.equal(drained, false);
    for (let i = 0; i < 10 && !drained; i++) await tick();
    assert.equal(drained, true);
    assert.equal(svc.store.history(projectId, { run_id: 'run_burst', limit: 5000 }).items.length, 3500);
  });
});
