/**
 * Turns and the daemon's life: a shutdown cancels running turns and waits for
 * them to record themselves; a turn a killed daemon left unfinished is marked
 * failed at the next start instead of looking as if it still ran.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { agentsFixture, type AgentsFixture } from './testing.ts';

describe('turns across a daemon stop', () => {
  let f: AgentsFixture;
  before(async () => {
    f = await agentsFixture();
  });
  after(() => f?.close());

  test('close() cancels a running turn and returns once it is recorded as cancelled', async () => {
    const p = f.project();
    const service = f.service();
    f.fake.reset();
    f.fake.fallback(() => ({ text: 'slow', delay_ms: 5_000 }));
    const turn = service.chat({ userId: null, project: p }, { message: 'take your time', stream: false, agent: 'engineer' });
    await f.fake.waitForRequests(1);
    await service.close();
    const res = await turn;
    assert.equal(res.status, 'cancelled');
    const h = service.history(p.id, { conversation_id: res.conversation_id, limit: 20, offset: 0 });
    assert.ok('messages' in h);
    assert.equal(h.messages.at(-1)?.status, 'cancelled');
  });

  test('an assistant message left without a status by a killed daemon is failed at the next start, with a note', async () => {
    const p = f.project();
    const first = f.service();
    f.fake.reset();
    f.fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'half.txt', content: 'done before the crash\n' } }] }]);
    f.fake.fallback(() => ({ text: 'never seen', delay_ms: 10_000 }));
    // The "killed" daemon: its turn took a step (its rows exist) and never ended; nothing of it runs in the next one.
    const lost = first.chat({ userId: null, project: p }, { message: 'do something long', stream: false, agent: 'engineer' });
    lost.catch(() => {});
    await f.fake.waitForRequests(2);
    const next = f.service();
    const list = next.history(p.id, { limit: 20, offset: 0 });
    assert.ok('conversations' in list);
    const id = list.conversations[0]!.id;
    assert.equal(next.failOrphanTurns(), 1);
    const h = next.history(p.id, { conversation_id: id, limit: 20, offset: 0 });
    assert.ok('messages' in h);
    const last = h.messages.at(-1)!;
    assert.equal(last.role, 'assistant');
    assert.equal(last.status, 'failed');
    assert.match(last.content, /daemon stopped during this turn/);
    assert.deepEqual(last.steps.map((st) => [st.tool, st.ok]), [['write_file', true]], 'the work done before is kept');
    assert.equal(next.failOrphanTurns(), 0);
    await first.close(1_000);
  });
});
