import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { FakeRequest } from '../llm/testing/fake-llm.ts';
import type { LlmMessage } from '../llm/index.ts';
import { messagesTokens, pathsIn, wellFormed } from './context.ts';
import { systemPrompt } from './definitions.ts';
import { agentsFixture, type AgentsFixture } from './testing.ts';

describe('pathsIn', () => {
  test('finds file-like words, not versions, URLs or abbreviations', () => {
    assert.deepEqual(pathsIn('Fix src/app.py and `tests/test_app.py`, then README.md.'), ['src/app.py', 'tests/test_app.py', 'README.md']);
    assert.deepEqual(pathsIn('see ./lib/util.js (and docs/) e.g. version 1.2.3 at https://x.io/a.js'), ['lib/util.js']);
    assert.deepEqual(pathsIn('edit /workspace/src/app.py please'), ['src/app.py']);
    assert.deepEqual(pathsIn('nothing here'), []);
  });
});

describe('wellFormed', () => {
  test('merges neighbours, answers unanswered tool uses, drops stray results, starts with the user', () => {
    const msgs: LlmMessage[] = [
      { role: 'assistant', content: [{ type: 'text', text: 'hi' }] },
      { role: 'user', content: [{ type: 'text', text: 'a' }] },
      { role: 'user', content: [{ type: 'text', text: 'b' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'list_files', input: {} }] },
      { role: 'user', content: [{ type: 'text', text: 'next' }, { type: 'tool_result', tool_use_id: 'zz', content: 'stray' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't2', name: 'list_files', input: {} }] },
    ];
    const out = wellFormed(msgs);
    assert.deepEqual(out.map((m) => m.role), ['user', 'assistant', 'user', 'assistant', 'user', 'assistant', 'user']);
    assert.deepEqual(out[2]?.content.map((b) => (b.type === 'text' ? b.text : b.type)), ['a', 'b']);
    assert.deepEqual(out[4]?.content.map((b) => b.type), ['tool_result', 'text']);
    assert.equal((out[4]?.content[0] as { tool_use_id: string }).tool_use_id, 't1');
    assert.equal((out[6]?.content[0] as { tool_use_id: string; is_error: boolean }).is_error, true);
  });
});

describe('history within the budget', () => {
  let f: AgentsFixture;
  const BUDGET = 4_000;
  before(async () => {
    f = await agentsFixture({ agents: { contextBudgetTokens: BUDGET } });
  });
  after(() => f.close());
  beforeEach(() => f.fake.reset());

  /** Tokens of what the request carries besides the agent's own prompt: the project section and the messages. */
  const requestTokens = (req: FakeRequest, agent: 'engineer') => Math.ceil((req.system.length - systemPrompt(agent).length) / 4) + messagesTokens(req.messages);
  const isSummary = (req: FakeRequest) => /summarise the earlier part/.test(req.system);

  test('a long conversation stays under budget, keeps the newest turns verbatim, and summarises once per overflow', async () => {
    const p = f.project();
    await f.files.writeText(p.id, 'README.md', '# Demo\nA demo project.\n', 'utf-8', { author: 'test' });
    let summaries = 0;
    f.fake.fallback((req) => {
      if (isSummary(req)) {
        summaries++;
        return { text: `SUMMARY ${summaries}: the user asked many questions about topics.` };
      }
      const ask = JSON.stringify(req.messages.at(-1)?.content);
      const n = /question (\d+)/.exec(ask)?.[1] ?? '?';
      return { text: `Answer ${n}: ${'lorem ipsum dolor sit amet '.repeat(60)}` };
    });
    let conversationId: string | undefined;
    const turns = 30;
    for (let i = 1; i <= turns; i++) {
      const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: `question ${i}: ${'tell me more '.repeat(20)}`, stream: false, agent: 'engineer', conversation_id: conversationId });
      conversationId = res.conversation_id;
      assert.equal(res.status, 'completed');
    }
    const main = f.fake.requests.filter((r) => !isSummary(r));
    assert.equal(main.length, turns);
    for (const req of main) assert.ok(requestTokens(req, 'engineer') <= BUDGET, `request of ${requestTokens(req, 'engineer')} tokens is over the budget of ${BUDGET}`);
    // Summaries happened, but not on every turn: a stored summary is reused until history overflows again.
    assert.ok(summaries >= 2, `summaries: ${summaries}`);
    assert.ok(summaries < turns / 2, `summaries: ${summaries}`);
    // The last request: a summary up front, the previous turn verbatim, the new question last.
    const last = main.at(-1) as FakeRequest;
    const text = JSON.stringify(last.messages);
    assert.match(text, /Summary of the earlier conversation:\\nSUMMARY \d+/);
    assert.match(text, new RegExp(`question ${turns - 1}: `));
    assert.match(text, new RegExp(`Answer ${turns - 1}: (lorem ipsum dolor sit amet ){60}`));
    assert.doesNotMatch(text, /question 1: /);
    assert.match(JSON.stringify(last.messages.at(-1)), new RegExp(`question ${turns}: `));
    // The project section came along: README excerpt and the tree.
    assert.match(last.system, /## README\.md \(excerpt\)\n# Demo/);
    // Summaries are messages of their own in the history.
    const conv = f.agents.history(p.id, { conversation_id: conversationId, limit: 200, offset: 0 });
    assert.ok('messages' in conv);
    assert.equal(conv.messages.filter((m) => m.role === 'summary').length, summaries);
    assert.equal(conv.messages.filter((m) => m.role === 'user').length, turns);
    assert.equal(conv.messages.length, conv.message_count);
    // Paged for people: the newest messages first, each page oldest first, pages meeting without overlap.
    const newest = f.agents.history(p.id, { conversation_id: conversationId, limit: 3, offset: 0 });
    const before = f.agents.history(p.id, { conversation_id: conversationId, limit: 3, offset: 3 });
    assert.ok('messages' in newest && 'messages' in before);
    assert.deepEqual(newest.messages.map((m) => m.id), conv.messages.slice(-3).map((m) => m.id));
    assert.deepEqual(before.messages.map((m) => m.id), conv.messages.slice(-6, -3).map((m) => m.id));
  });

  test('the project section follows the project: a file written between turns is in the next one', async () => {
    const p = f.project();
    f.fake.fallback(() => ({ text: 'ok' }));
    await f.agents.chat({ userId: null, project: p }, { message: 'first', stream: false, agent: 'engineer' });
    assert.doesNotMatch(f.fake.requests.at(-1)?.system ?? '', /fresh\.py/);
    await f.files.writeText(p.id, 'fresh.py', 'print("fresh")\n', 'utf-8', { author: 'test' });
    await f.agents.chat({ userId: null, project: p }, { message: 'second', stream: false, agent: 'engineer' });
    assert.match(f.fake.requests.at(-1)?.system ?? '', /## fresh\.py\n```\nprint\("fresh"\)/);
    // A file the request names is shown even when it is not among the recent ones.
    for (let i = 0; i < 6; i++) await f.files.writeText(p.id, `n${i}.txt`, `n${i}`, 'utf-8', { author: 'test' });
    await f.agents.chat({ userId: null, project: p }, { message: 'look at fresh.py', stream: false, agent: 'engineer' });
    assert.match(f.fake.requests.at(-1)?.system ?? '', /## fresh\.py\n/);
  });

  test('one turn larger than the budget by itself: its tool inputs and outputs are cut, the request fits', async () => {
    const p = f.project();
    const big = (i: number) => ({ name: 'write_file', input: { path: `big${i}.txt`, content: `${i}`.repeat(8_000) } });
    f.fake.script([{ tool_calls: [big(1), big(2), big(3), big(4)] }, { tool_calls: [big(5), big(6), big(7), big(8)] }, { text: 'wrote them' }]);
    const first = await f.agents.chat({ userId: null, project: p }, { message: 'write big files', stream: false, agent: 'engineer' });
    assert.equal(first.status, 'completed');
    f.fake.script([{ text: 'yes' }]);
    await f.agents.chat({ userId: null, project: p }, { message: 'did it work?', stream: false, agent: 'engineer', conversation_id: first.conversation_id });
    const last = f.fake.requests.at(-1) as FakeRequest;
    assert.ok(requestTokens(last, 'engineer') <= BUDGET, `${requestTokens(last, 'engineer')} tokens`);
    // The exchange is still whole in shape: every tool use with its result, the answer, the new question.
    const uses = last.messages.flatMap((m) => m.content.filter((b) => b.type === 'tool_use'));
    assert.equal(uses.length, 8);
    assert.match(JSON.stringify(last.messages), /wrote them/);
  });

  test('when the summary call fails, a digest of asks and answers stands in', async () => {
    const p = f.project();
    f.fake.fallback((req) => {
      if (isSummary(req)) return { error: { status: 400, message: 'no summaries today' } };
      return { text: `Answer: ${'words and more words '.repeat(80)}` };
    });
    let conversationId: string | undefined;
    for (let i = 1; i <= 12; i++) {
      const res = await f.agents.chat({ userId: null, project: p }, { message: `ask ${i}`, stream: false, agent: 'engineer', conversation_id: conversationId });
      conversationId = res.conversation_id;
      assert.equal(res.status, 'completed');
    }
    const last = f.fake.requests.filter((r) => !isSummary(r)).at(-1) as FakeRequest;
    assert.match(JSON.stringify(last.messages), /User asked: ask 1\\nengineer answered: Answer: words/);
    assert.ok(requestTokens(last, 'engineer') <= BUDGET);
  });
});
