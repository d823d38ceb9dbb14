import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConversationStore, titleOf } from './store.ts';
import { agentsFixture, type AgentsFixture } from './testing.ts';

describe('conversation store', () => {
  test('titleOf: the first line, whitespace folded, cut at a word near 80 characters', () => {
    assert.equal(titleOf('  Fix   the\tlogin bug  \nmore details here'), 'Fix the login bug');
    const long = titleOf('Please refactor the payment module so that every provider is behind one interface and add tests for each');
    assert.ok(long.length <= 81 && long.endsWith('…'), long);
    assert.ok(!long.slice(0, -1).endsWith(' '));
    assert.equal(titleOf('   '), 'Conversation');
  });

  let f: AgentsFixture;
  before(async () => {
    f = await agentsFixture();
  });
  after(() => f.close());

  test('conversations page newest first with a total; messages keep their order, steps and usage; cost adds up', () => {
    let t = 1_000;
    const store = new ConversationStore(f.database.db, () => t++);
    const p = f.project();
    const ids = Array.from({ length: 5 }, (_, i) => store.create({ projectId: p.id, userId: null, agent: 'engineer', firstMessage: `question ${i}` }).id);
    const page = store.list(p.id, 2, 1);
    assert.equal(page.total, 5);
    assert.deepEqual(page.conversations.map((c) => c.id), [ids[3], ids[2]]);
    const c = ids[0] as string;
    store.append({ conversationId: c, role: 'user', agent: null, content: 'hello' });
    const a = store.append({ conversationId: c, role: 'assistant', agent: 'engineer', content: '' });
    store.saveTurn(a.id, { content: 'hi there', modelContent: [{ role: 'assistant', content: [{ type: 'text', text: 'hi there' }] }], status: 'completed', steps: [], usage: { input_tokens: 3, output_tokens: 2, cache_read_tokens: 0, cache_write_tokens: 0, calls: 1, cost_usd: 0.25 } });
    store.addCost(c, 0.25);
    store.addCost(c, 0.5);
    const msgs = store.messages(c);
    assert.deepEqual(msgs.map((m) => [m.seq, m.role, m.content, m.status]), [
      [1, 'user', 'hello', null],
      [2, 'assistant', 'hi there', 'completed'],
    ]);
    assert.equal(msgs[1]?.usage?.cost_usd, 0.25);
    assert.deepEqual(msgs[1]?.model_content, [{ role: 'assistant', content: [{ type: 'text', text: 'hi there' }] }]);
    const conv = store.conversation(p.id, c);
    assert.equal(conv?.message_count, 2);
    assert.equal(conv?.cost_usd, 0.75);
    assert.equal(store.list(p.id, 1, 0).conversations[0]?.id, c, 'the conversation touched last comes first');
    assert.equal(store.conversation('prj_other', c), undefined);
  });
});
