import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ZeblitError, type ChatStreamRecord } from '../contracts/index.ts';
import type { FakeRequest } from '../llm/testing/fake-llm.ts';
import type { ToolResultBlock } from '../llm/index.ts';
import { agentsFixture, type AgentsFixture } from './testing.ts';

const chat = (f: AgentsFixture, project: ReturnType<AgentsFixture['project']>, message: string, more: { agent?: 'engineer' | 'dev_manager' | 'architect'; conversation_id?: string } = {}) =>
  f.agents.chat({ userId: f.ownerId, project }, { message, stream: false, agent: more.agent ?? 'engineer', conversation_id: more.conversation_id });

/** The tool_result blocks of the last user message of a request. */
function lastResults(req: FakeRequest | undefined): ToolResultBlock[] {
  const last = req?.messages.at(-1);
  return (last?.content ?? []).filter((b): b is ToolResultBlock => b.type === 'tool_result');
}

describe('agent loop', () => {
  let f: AgentsFixture;
  before(async () => {
    f = await agentsFixture();
  });
  after(() => f.close());
  beforeEach(() => f.fake.reset());

  test('write, read, finish: files versioned by the agent, steps and usage returned, history replayable', async () => {
    const p = f.project();
    f.fake.script([
      { text: 'Writing it.', tool_calls: [{ name: 'write_file', input: { path: 'hello.py', content: 'print("hi")\n' } }] },
      { tool_calls: [{ name: 'read_file', input: { path: 'hello.py' } }] },
      { text: 'All good.', tool_calls: [{ name: 'finish', input: { summary: 'Created hello.py.' } }] },
    ]);
    const records: ChatStreamRecord[] = [];
    const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'Create hello.py that prints hi', stream: false, agent: 'engineer' }, { onRecord: (r) => records.push(r) });
    assert.equal(res.status, 'completed');
    assert.equal(res.answer, 'Created hello.py.\n\nAll good.');
    assert.deepEqual(res.steps.map((s) => [s.agent, s.tool, s.ok]), [
      ['engineer', 'write_file', true],
      ['engineer', 'read_file', true],
      ['engineer', 'finish', true],
    ]);
    assert.deepEqual(res.files_changed, ['hello.py']);
    assert.equal(res.usage.calls, 3);
    assert.ok(res.usage.input_tokens > 0 && res.usage.output_tokens > 0);
    const versions = await f.files.versions(p.id, 'hello.py');
    assert.equal(versions.items[0]?.author, 'agent:engineer');
    // The model saw the tools and the project section.
    const first = f.fake.requests[0];
    assert.ok(first?.tools.includes('write_file') && first.tools.includes('finish'));
    assert.match(first?.system ?? '', /# Project\nname: /);
    // The second request carries the first tool result.
    assert.match(lastResults(f.fake.requests[1])[0]?.content ?? '', /hello\.py/);
    // Records: start, status, text, tool_call/result pairs, done.
    assert.equal(records[0]?.type, 'start');
    assert.equal(records.at(-1)?.type, 'done');
    assert.ok(records.some((r) => r.type === 'tool_call' && r.tool === 'write_file'));
    // Events on the bus.
    const types = f.events.filter((e) => e.project_id === p.id).map((e) => e.type);
    assert.ok(types.includes('agent.tool_call') && types.includes('agent.tool_result') && types.includes('agent.status') && types.includes('agent.message'));
    const done = f.events.filter((e) => e.type === 'agent.message' && (e.data as { done: boolean }).done);
    assert.ok(done.length >= 1);

    // History: the conversation, its title, its messages; cost adds up with the recorded calls.
    const list = f.agents.history(p.id, { limit: 20, offset: 0 });
    assert.ok('conversations' in list);
    assert.equal(list.conversations[0]?.title, 'Create hello.py that prints hi');
    const conv = f.agents.history(p.id, { conversation_id: res.conversation_id, limit: 20, offset: 0 });
    assert.ok('messages' in conv);
    assert.deepEqual(conv.messages.map((m) => m.role), ['user', 'assistant']);
    assert.equal(conv.messages[1]?.status, 'completed');
    assert.equal(conv.messages[1]?.steps.length, 3);
    const recorded = f.llm.calls.recent(50, res.conversation_id);
    assert.equal(recorded.length, 3);
    const sum = recorded.reduce((n, c) => n + c.cost_usd, 0);
    assert.ok(Math.abs(sum - res.usage.cost_usd) < 1e-9);
    assert.ok(res.usage.cost_usd > 0);
    assert.ok(Math.abs(conv.cost_usd - res.usage.cost_usd) < 1e-9);

    // A second turn replays the first one exactly (tool uses and results included).
    f.fake.script([{ text: 'It prints hi.' }]);
    const again = await chat(f, p, 'What does it print?', { conversation_id: res.conversation_id });
    assert.equal(again.answer, 'It prints hi.');
    const replayed = f.fake.requests.at(-1)?.messages ?? [];
    assert.equal(replayed.length, 7); // user, (assistant, user)×3; the new request joins the last tool results
    assert.deepEqual(replayed[6]?.content.map((b) => b.type), ['tool_result', 'text']);
    assert.equal(replayed[1]?.content.find((b) => b.type === 'tool_use')?.type, 'tool_use');
  });

  test('tool errors reach the model as is_error results: unknown tool, invalid input, ToolError', async () => {
    const p = f.project();
    f.fake.script([
      {
        tool_calls: [
          { name: 'no_such_tool', input: {} },
          { name: 'write_file', input: { path: 'a.txt' } },
          { name: 'read_file', input: { path: 'missing.txt' } },
          { name: 'write_file', input: {}, arguments_json: '{"path": "b.txt", "content": "unterminated' },
        ],
      },
      (req) => {
        const results = lastResults(req);
        assert.equal(results.length, 4);
        assert.match(results[3]?.content ?? '', /invalid input for write_file: the arguments are not a JSON object/);
        assert.ok(results.every((r) => r.is_error));
        assert.match(results[0]?.content ?? '', /unknown tool "no_such_tool"/);
        assert.match(results[1]?.content ?? '', /invalid input for write_file: content/);
        assert.match(results[2]?.content ?? '', /not found/i);
        return { text: 'I see the errors.' };
      },
    ]);
    const res = await chat(f, p, 'try things');
    assert.equal(res.status, 'completed');
    assert.equal(res.answer, 'I see the errors.');
    assert.deepEqual(res.steps.map((s) => s.ok), [false, false, false, false]);
    assert.equal(f.fake.remaining(), 0);
  });

  test('step limit: status step_limit, the steps taken are kept', async () => {
    const p = f.project();
    const svc = f.service({ stepLimit: 3 });
    f.fake.fallback(() => ({ tool_calls: [{ name: 'list_files', input: {} }] }));
    const res = await svc.chat({ userId: f.ownerId, project: p }, { message: 'loop forever', stream: false, agent: 'engineer' });
    assert.equal(res.status, 'step_limit');
    assert.equal(res.steps.length, 3);
    assert.equal(f.fake.requests.length, 3);
    assert.match(res.answer, /step limit/);
  });

  test('cost limit: the turn stops once it spent its limit', async () => {
    const p = f.project();
    const svc = f.service({ turnCostLimitUsd: 0.000001 });
    f.fake.fallback(() => ({ tool_calls: [{ name: 'list_files', input: {} }], usage: { input_tokens: 1000, output_tokens: 1000 } }));
    const res = await svc.chat({ userId: f.ownerId, project: p }, { message: 'spend', stream: false, agent: 'engineer' });
    assert.equal(res.status, 'cost_limit');
    assert.match(res.answer, /cost limit/);
    assert.equal(f.fake.requests.length, 1);
    assert.equal(res.steps.length, 1);
  });

  test('delegation: the Dev Manager hands a sub-task to the Engineer; both agents\' steps are recorded', async () => {
    const p = f.project();
    f.fake.script([
      { tool_calls: [{ name: 'delegate', input: { agent: 'engineer', task: 'Write notes.md saying hello' } }] },
      (req) => {
        assert.ok(!req.tools.includes('delegate'), 'a delegate cannot delegate');
        assert.equal(req.messages.length, 1);
        assert.match(JSON.stringify(req.messages[0]), /Write notes\.md/);
        return { tool_calls: [{ name: 'write_file', input: { path: 'notes.md', content: 'hello\n' } }] };
      },
      { tool_calls: [{ name: 'delegate', input: { agent: 'architect', task: 'nested' } }] },
      { tool_calls: [{ name: 'finish', input: { summary: 'notes.md written' } }] },
      (req) => {
        const r = lastResults(req)[0];
        assert.equal(r?.is_error, undefined);
        assert.match(r?.content ?? '', /engineer answered:\nnotes\.md written/);
        return { tool_calls: [{ name: 'finish', input: { summary: 'The engineer wrote notes.md.' } }] };
      },
    ]);
    const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'Get notes written', stream: false });
    assert.equal(res.agent, 'dev_manager');
    assert.equal(res.status, 'completed');
    assert.equal(res.answer, 'The engineer wrote notes.md.');
    assert.deepEqual(res.steps.map((s) => [s.agent, s.tool, s.ok]), [
      ['dev_manager', 'delegate', true],
      ['engineer', 'write_file', true],
      ['engineer', 'delegate', false],
      ['engineer', 'finish', true],
      ['dev_manager', 'finish', true],
    ]);
    assert.deepEqual(res.files_changed, ['notes.md']);
    assert.equal(res.usage.calls, 5);
    const calls = f.llm.calls.recent(50, res.conversation_id);
    assert.deepEqual(new Set(calls.map((c) => c.agent)), new Set(['dev_manager', 'engineer']));
  });

  test('cancellation while the model thinks: status cancelled, the request is recorded, the call is cancelled', async () => {
    const p = f.project();
    f.fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'x.txt', content: 'x' } }] }, { text: 'late', delay_ms: 3_000 }]);
    const records: ChatStreamRecord[] = [];
    let conversationId = '';
    const turn = f.agents.chat({ userId: f.ownerId, project: p }, { message: 'slow one', stream: false, agent: 'engineer' }, {
      onRecord: (r) => {
        records.push(r);
        if (r.type === 'start') conversationId = r.conversation_id;
        if (r.type === 'tool_result') setTimeout(() => assert.deepEqual(f.agents.cancel(p.id, conversationId), { cancelled: true }), 50);
      },
    });
    const res = await turn;
    assert.equal(res.status, 'cancelled');
    assert.deepEqual(res.files_changed, ['x.txt']);
    const conv = f.agents.history(p.id, { conversation_id: res.conversation_id, limit: 20, offset: 0 });
    assert.ok('messages' in conv);
    assert.equal(conv.messages[1]?.status, 'cancelled');
    assert.equal(conv.messages[1]?.steps.length, 1);
    assert.ok(f.llm.calls.recent(50, res.conversation_id).some((c) => c.outcome === 'cancelled'));
    // Not running any more: nothing to cancel; an unknown conversation is NOT_FOUND.
    assert.deepEqual(f.agents.cancel(p.id, res.conversation_id), { cancelled: false });
    assert.throws(() => f.agents.cancel(p.id, 'cnv_nope'), (e: unknown) => e instanceof ZeblitError && e.code === 'NOT_FOUND');
    // The next turn replays a well-formed conversation (the fake refuses unpaired tool uses).
    f.fake.script([{ text: 'resumed' }]);
    const next = await chat(f, p, 'go on', { conversation_id: res.conversation_id });
    assert.equal(next.answer, 'resumed');
  });

  test('cancellation by the caller\'s signal before the model answered', async () => {
    const p = f.project();
    f.fake.script([{ text: 'never', delay_ms: 3_000 }]);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const res = await f.agents.chat({ userId: null, project: p }, { message: 'x', stream: false, agent: 'engineer' }, { signal: ac.signal });
    assert.equal(res.status, 'cancelled');
    assert.equal(res.steps.length, 0);
  });

  test('one turn at a time per conversation: a second chat is CONFLICT with a suggestion', async () => {
    const p = f.project();
    f.fake.script([{ text: 'first' }]);
    const first = await chat(f, p, 'hello');
    f.fake.script([{ text: 'slow', delay_ms: 1_000 }]);
    const busy = chat(f, p, 'again', { conversation_id: first.conversation_id });
    await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(chat(f, p, 'and again', { conversation_id: first.conversation_id }), (e: unknown) => e instanceof ZeblitError && e.code === 'CONFLICT' && /cancel/.test(e.suggestion ?? ''));
    assert.equal((await busy).answer, 'slow');
    await assert.rejects(chat(f, p, 'x', { conversation_id: 'cnv_unknown' }), (e: unknown) => e instanceof ZeblitError && e.code === 'NOT_FOUND');
  });

  test('a provider failure on the first call throws and stores nothing; mid-turn it returns failed with the work kept', async () => {
    const p = f.project();
    f.fake.script([{ error: { status: 400, message: 'bad request from test' } }]);
    await assert.rejects(chat(f, p, 'fail at once'), (e: unknown) => e instanceof ZeblitError && e.code === 'PROVIDER_ERROR');
    const list = f.agents.history(p.id, { limit: 20, offset: 0 });
    assert.ok('conversations' in list && list.total === 0);

    f.fake.script([{ tool_calls: [{ name: 'write_file', input: { path: 'k.txt', content: 'k' } }] }, { error: { status: 400, message: 'broken later' } }]);
    const res = await chat(f, p, 'fail later');
    assert.equal(res.status, 'failed');
    assert.equal(res.error?.code, 'PROVIDER_ERROR');
    assert.match(res.error?.message ?? '', /broken later/);
    assert.equal(res.steps.length, 1);
    assert.deepEqual(res.files_changed, ['k.txt']);
  });

  test('streamed text: every delta to the stream, batched deltas on the bus, done at the end', async () => {
    const p = f.project();
    const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    f.fake.script([{ text }]);
    const records: ChatStreamRecord[] = [];
    const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'talk', stream: true, agent: 'architect' }, { onRecord: (r) => records.push(r) });
    assert.equal(res.answer, text);
    const deltas = records.flatMap((r) => (r.type === 'text' ? [r.delta] : []));
    assert.equal(deltas.join(''), text);
    const onBus = f.events.filter((e) => e.project_id === p.id && e.type === 'agent.message').map((e) => e.data as { delta: string; done: boolean; message_id: string });
    assert.equal(onBus.map((d) => d.delta).join(''), text);
    assert.ok(onBus.length <= deltas.length + 1);
    assert.equal(onBus.at(-1)?.done, true);
    assert.ok(onBus.every((d) => d.message_id === res.message_id));
  });

  test('explainErrors: the Engineer explains, no tools, usage returned', async () => {
    const p = f.project();
    f.fake.script([{ text: 'The list is empty, so len(xs) is 0.' }]);
    const res = await f.agents.explainErrors(p, 'ZeroDivisionError: division by zero at calc.py:2');
    assert.equal(res.text, 'The list is empty, so len(xs) is 0.');
    assert.equal(res.usage.calls, 1);
    const req = f.fake.requests.at(-1);
    assert.deepEqual(req?.tools, []);
    assert.match(JSON.stringify(req?.messages), /ZeroDivisionError/);
  });

  test('status: agents are idle after their turns; calls and cost today come from the call records', () => {
    const s = f.agents.status();
    assert.equal(s.length, 7);
    const eng = s.find((a) => a.name === 'engineer');
    assert.equal(eng?.status, 'idle');
    assert.ok((eng?.calls_today ?? 0) > 0 && (eng?.cost_today_usd ?? 0) > 0);
    assert.equal(f.agents.definitions().length, 7);
  });
});

describe('no provider configured', () => {
  let f: AgentsFixture;
  before(async () => {
    f = await agentsFixture({ configured: false });
  });
  after(() => f.close());

  test('chat throws LLM_NOT_CONFIGURED with the suggestion, and stores nothing', async () => {
    const p = f.project();
    const records: ChatStreamRecord[] = [];
    await assert.rejects(
      f.agents.chat({ userId: f.ownerId, project: p }, { message: 'hi', stream: false }, { onRecord: (r) => records.push(r) }),
      (e: unknown) => e instanceof ZeblitError && e.code === 'LLM_NOT_CONFIGURED' && e.status === 503 && /ANTHROPIC_API_KEY/.test(e.suggestion ?? ''),
    );
    assert.equal(records.at(-1)?.type, 'error');
    const list = f.agents.history(p.id, { limit: 20, offset: 0 });
    assert.ok('conversations' in list && list.total === 0);
    await assert.rejects(f.agents.explainErrors(p, 'Traceback: boom'), (e: unknown) => e instanceof ZeblitError && e.code === 'LLM_NOT_CONFIGURED');
  });
});

describe('through the OpenAI SDK', () => {
  let f: AgentsFixture;
  before(async () => {
    f = await agentsFixture({ vendor: 'openai' });
  });
  after(() => f.close());

  test('a delegated turn with tools, then a second turn that replays it', async () => {
    const p = f.project();
    f.fake.script([
      { tool_calls: [{ name: 'delegate', input: { agent: 'engineer', task: 'write a.txt' } }] },
      { tool_calls: [{ name: 'write_file', input: { path: 'a.txt', content: 'a' } }, { name: 'read_file', input: { path: 'a.txt' } }] },
      { tool_calls: [{ name: 'finish', input: { summary: 'a.txt written' } }] },
      { text: 'Done: a.txt exists.' },
    ]);
    const res = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'make a.txt', stream: false });
    assert.equal(res.status, 'completed');
    assert.equal(res.answer, 'Done: a.txt exists.');
    assert.deepEqual(res.steps.map((s) => s.tool), ['delegate', 'write_file', 'read_file', 'finish']);
    assert.ok(f.fake.requests.every((r) => r.vendor === 'openai'));
    f.fake.script([{ text: 'Yes.' }]);
    const next = await f.agents.chat({ userId: f.ownerId, project: p }, { message: 'is it there?', stream: false, conversation_id: res.conversation_id });
    assert.equal(next.answer, 'Yes.');
    assert.equal(f.fake.requests.at(-1)?.messages.length, 5);
  });
});
