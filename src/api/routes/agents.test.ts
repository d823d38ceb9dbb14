import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AgentDefinition, AgentStatus, Approval, ChatResponse, ChatStreamRecord, Conversation, PageOf, Project } from '../../contracts/index.ts';
import { FakeLlm } from '../../llm/testing/fake-llm.ts';
import { dataOf, errorOf, makeTestApp, ownerWithKey, type TestApp } from '../testing.ts';

/** Reads a text/event-stream body into its records, checking each `event:` names its record's type. */
async function sseRecords(res: Response): Promise<ChatStreamRecord[]> {
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      assert.ok(event && data, `malformed SSE block: ${block}`);
      const rec = JSON.parse(data) as ChatStreamRecord;
      assert.equal(rec.type, event);
      return rec;
    });
}

/** Reads an SSE body record by record, handing each to `on` as it arrives (for tests that act mid-turn). */
async function followSse(res: Response, on: (r: ChatStreamRecord) => void | Promise<void>): Promise<ChatStreamRecord[]> {
  assert.equal(res.status, 200);
  const all: ChatStreamRecord[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = /^data: (.+)$/m.exec(block)?.[1];
      if (!data) continue;
      const rec = JSON.parse(data) as ChatStreamRecord;
      all.push(rec);
      await on(rec);
    }
  }
  return all;
}

const types = (recs: ChatStreamRecord[]) => recs.map((r) => r.type);

/** Each of `wanted` appears, in this order (other records may come between). */
function assertInOrder(recs: ChatStreamRecord[], wanted: ChatStreamRecord['type'][]): void {
  let at = 0;
  for (const r of recs) if (r.type === wanted[at]) at++;
  assert.equal(at, wanted.length, `expected ${wanted.join(' < ')} in ${types(recs).join(', ')}`);
}

describe('agents routes', () => {
  let t: TestApp;
  let fake: FakeLlm;
  let key: string;
  let readKey: string;
  let project: Project;
  let ask: Project;

  const post = (path: string, json: unknown, headers: Record<string, string> = {}) => t.request(`/api/v1${path}`, { method: 'POST', json, token: key, headers });
  const get = (path: string, token = key) => t.request(`/api/v1${path}`, { token });
  const chat = (json: unknown, headers: Record<string, string> = {}) => post(`/projects/${project.id}/chat`, json, headers);
  /** A provider pointing at the fake, with nothing scripted yet. */
  const ready = () => {
    fake.reset();
    configure();
  };
  const configure = () => t.deps.llm.update({ max_retries: 0, providers: { anthropic: { api_key: 'sk-test', base_url: fake.anthropicBaseUrl, model: 'claude-haiku-4-5' } } });

  before(async () => {
    t = makeTestApp();
    fake = await FakeLlm.start();
    key = ownerWithKey(t).key;
    readKey = ownerWithKey(t, ['read']).key;
    const owner = t.deps.auth.users.owner().id;
    project = t.deps.projects.create(owner, { name: 'chatty', template: 'blank' });
    ask = t.deps.projects.create(owner, { name: 'careful', template: 'blank', settings: { approval: 'ask' } });
  });
  after(async () => {
    await fake.close();
    await t.deps.containers.close();
    t.close();
  });

  it('lists the seven agents and their status', async () => {
    const defs = await dataOf<AgentDefinition[]>(await get('/agents'));
    assert.equal(defs.length, 7);
    assert.deepEqual(defs.filter((d) => d.default).map((d) => d.name), ['dev_manager']);
    assert.ok(defs.find((d) => d.name === 'engineer')?.tools.includes('write_file'));
    const status = await dataOf<AgentStatus[]>(await get('/agents/status', readKey));
    assert.equal(status.length, 7);
    assert.ok(status.every((s) => s.status === 'idle' && s.project_id === null));
  });

  it('refuses a chat without a provider with 503 LLM_NOT_CONFIGURED and how to configure one, streamed or not', async () => {
    const plain = await errorOf(await chat({ message: 'hello' }), 503, 'LLM_NOT_CONFIGURED');
    assert.match(plain.suggestion ?? '', /ANTHROPIC_API_KEY/);
    const streamed = await errorOf(await chat({ message: 'hello' }, { accept: 'text/event-stream' }), 503, 'LLM_NOT_CONFIGURED');
    assert.match(streamed.suggestion ?? '', /zeblit config set/);
    await errorOf(await chat({ message: 'hello', stream: true }), 503, 'LLM_NOT_CONFIGURED');
    // Nothing of a refused turn is left behind.
    const page = await dataOf<PageOf<Conversation>>(await get(`/projects/${project.id}/chat/history`));
    assert.equal(page.total, 0);
  });

  it('validates the chat body field by field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ message: '   ' }, 'body.message'],
      [{}, 'body.message'],
      [{ message: 'x', agent: 'wizard' }, 'body.agent'],
      [{ message: 'x', stream: 'yes' }, 'body.stream'],
      [{ message: 'x', colour: 'red' }, 'body'],
      [{ message: 'x'.repeat(100_001) }, 'body.message'],
    ];
    for (const [body, field] of cases) {
      const e = await errorOf(await chat(body), 400, 'VALIDATION_FAILED');
      const fields = (e.details as Array<{ field: string }>).map((d) => d.field);
      assert.ok(fields.includes(field), `${JSON.stringify(body).slice(0, 60)}: ${fields.join(', ')}`);
    }
    const q = await errorOf(await get(`/projects/${project.id}/chat/history?limit=0`), 400, 'VALIDATION_FAILED');
    assert.equal((q.details as Array<{ field: string }>)[0]?.field, 'query.limit');
    const d = await errorOf(await post(`/projects/${project.id}/chat/approvals/apr_x`, { decision: 'maybe' }), 400, 'VALIDATION_FAILED');
    assert.equal((d.details as Array<{ field: string }>)[0]?.field, 'body.decision');
    const s = await errorOf(await get(`/projects/${project.id}/chat/approvals?status=sleeping`), 400, 'VALIDATION_FAILED');
    assert.equal((s.details as Array<{ field: string }>)[0]?.field, 'query.status');
  });

  it('answers 404 for an unknown project, agent, conversation or approval', async () => {
    configure();
    await errorOf(await post('/projects/nope/chat', { message: 'hi' }), 404, 'NOT_FOUND');
    await errorOf(await get('/projects/nope/chat/history'), 404, 'NOT_FOUND');
    const agent = await errorOf(await post(`/projects/${project.id}/agents/wizard/direct`, { message: 'hi' }), 404, 'NOT_FOUND');
    assert.match(agent.suggestion ?? '', /dev_manager, product_manager, architect, engineer/);
    await errorOf(await chat({ message: 'hi', conversation_id: 'cnv_missing' }), 404, 'NOT_FOUND');
    await errorOf(await chat({ message: 'hi', conversation_id: 'cnv_missing' }, { accept: 'text/event-stream' }), 404, 'NOT_FOUND');
    await errorOf(await get(`/projects/${project.id}/chat/history?conversation_id=cnv_missing`), 404, 'NOT_FOUND');
    await errorOf(await post(`/projects/${project.id}/chat/cnv_missing/cancel`, undefined), 404, 'NOT_FOUND');
    await errorOf(await post(`/projects/${project.id}/chat/approvals/apr_missing`, { decision: 'approve' }), 404, 'NOT_FOUND');
    assert.equal(fake.requests.length, 0, 'no model was called');
  });

  it('needs write access to chat and decide, read access to look', async () => {
    await errorOf(await t.request(`/api/v1/projects/${project.id}/chat`, { method: 'POST', json: { message: 'hi' }, token: readKey }), 403, 'FORBIDDEN');
    await errorOf(await t.request(`/api/v1/projects/${project.id}/chat/approvals/apr_x`, { method: 'POST', json: { decision: 'deny' }, token: readKey }), 403, 'FORBIDDEN');
    await dataOf(await get(`/projects/${project.id}/chat/approvals`, readKey));
    await errorOf(await t.request(`/api/v1/projects/${project.id}/chat`, { method: 'POST', json: { message: 'hi' } }), 401, 'UNAUTHORIZED');
  });

  it('streams a turn as SSE: start, the tool call and its result, text, done', async () => {
    ready();
    fake.script([{ text: 'Writing it.', tool_calls: [{ name: 'write_file', input: { path: 'app.py', content: 'print("hi")\n' } }] }, { text: 'Done: app.py prints hi.' }]);
    const recs = await sseRecords(await post(`/projects/${project.id}/agents/engineer/direct`, { message: 'write app.py' }, { accept: 'text/event-stream' }));
    assertInOrder(recs, ['start', 'text', 'tool_call', 'tool_result', 'text', 'done']);
    assert.equal(recs[0]?.type, 'start');
    assert.equal(recs.at(-1)?.type, 'done');
    assert.equal(recs.filter((r) => r.type === 'done').length, 1);
    const call = recs.find((r) => r.type === 'tool_call');
    assert.ok(call?.type === 'tool_call' && call.tool === 'write_file' && call.agent === 'engineer');
    const result = recs.find((r) => r.type === 'tool_result');
    assert.ok(result?.type === 'tool_result' && result.ok && result.call_id === call.call_id);
    const done = recs.at(-1);
    assert.ok(done?.type === 'done');
    assert.equal(done.response.status, 'completed');
    assert.equal(done.response.agent, 'engineer');
    assert.deepEqual(done.response.files_changed, ['app.py']);
    assert.equal(done.response.answer, 'Done: app.py prints hi.');
    assert.equal(done.response.usage.calls, 2);
    const file = await t.deps.files.read(project.id, 'app.py');
    assert.equal(file.content, 'print("hi")\n');
  });

  it('answers a turn as JSON without streaming, and continues the conversation', async () => {
    ready();
    fake.script([{ text: 'First answer.' }, { text: 'Second answer.' }]);
    const first = await dataOf<ChatResponse>(await chat({ message: 'one' }));
    assert.equal(first.status, 'completed');
    assert.equal(first.agent, 'dev_manager');
    assert.equal(first.answer, 'First answer.');
    const second = await dataOf<ChatResponse>(await chat({ message: 'two', conversation_id: first.conversation_id }));
    assert.equal(second.conversation_id, first.conversation_id);
    assert.equal(second.answer, 'Second answer.');
    // The second call saw the first exchange.
    const seen = JSON.stringify(fake.requests[1]?.messages);
    assert.match(seen, /First answer/);
  });

  it('pages the history, and shows one conversation with its messages and steps', async () => {
    ready();
    const before = await dataOf<PageOf<Conversation>>(await get(`/projects/${project.id}/chat/history`));
    for (const n of [1, 2, 3]) {
      fake.script([{ text: `answer ${n}` }]);
      await dataOf<ChatResponse>(await chat({ message: `question ${n}` }));
    }
    const all = before.total + 3;
    const p1 = await dataOf<PageOf<Conversation>>(await get(`/projects/${project.id}/chat/history?limit=2`));
    assert.deepEqual([p1.items.length, p1.total, p1.limit, p1.offset], [2, all, 2, 0]);
    assert.equal(p1.items[0]?.title, 'question 3', 'newest first');
    const p2 = await dataOf<PageOf<Conversation>>(await get(`/projects/${project.id}/chat/history?limit=2&offset=2`));
    assert.equal(p2.items.length, Math.min(2, all - 2));
    assert.ok(!p2.items.some((c) => p1.items.some((d) => d.id === c.id)), 'pages do not overlap');

    const withSteps = p1.items.concat(p2.items).find((c) => c.agent === 'engineer') ?? before.items.find((c) => c.agent === 'engineer');
    assert.ok(withSteps, 'the engineer conversation of the SSE test');
    const one = await dataOf<Conversation & { messages: Array<{ role: string; steps: Array<{ tool: string }>; status: string | null }> }>(
      await get(`/projects/${project.id}/chat/history?conversation_id=${withSteps.id}`),
    );
    assert.equal(one.id, withSteps.id);
    assert.deepEqual(one.messages.map((m) => m.role), ['user', 'assistant']);
    assert.deepEqual(one.messages[1]?.steps.map((s) => s.tool), ['write_file']);
    assert.equal(one.messages[1]?.status, 'completed');
  });

  it('cancels a running turn: the stream ends with status cancelled, and history keeps it', async () => {
    ready();
    fake.script([{ tool_calls: [{ name: 'list_files', input: {} }] }, { delay_ms: 120_000, text: 'too late' }]);
    let cancel: { cancelled: boolean } | null = null;
    let conversation = '';
    const res = await chat({ message: 'take your time', stream: true });
    const recs = await followSse(res, async (r) => {
      if (r.type === 'start') conversation = r.conversation_id;
      if (r.type !== 'tool_result' || cancel) return;
      // Cancel only once the slow call is in the fake's hands: one still on its way would take the next test's scripted reply.
      await fake.waitForRequests(2);
      cancel = await dataOf<{ cancelled: boolean }>(await post(`/projects/${project.id}/chat/${conversation}/cancel`, undefined));
    });
    assert.deepEqual(cancel, { cancelled: true });
    const done = recs.at(-1);
    assert.ok(done?.type === 'done', types(recs).join(','));
    assert.equal(done.response.status, 'cancelled');
    const again = await dataOf<{ cancelled: boolean }>(await post(`/projects/${project.id}/chat/${done.response.conversation_id}/cancel`, undefined));
    assert.deepEqual(again, { cancelled: false });
    const h = await dataOf<{ messages: Array<{ role: string; status: string | null }> }>(await get(`/projects/${project.id}/chat/history?conversation_id=${done.response.conversation_id}`));
    assert.equal(h.messages.at(-1)?.status, 'cancelled');
  });

  it('a busy conversation refuses a second turn with 409', async () => {
    ready();
    fake.script([{ tool_calls: [{ name: 'list_files', input: {} }] }, { delay_ms: 120_000, text: 'slow' }]);
    let conversation = '';
    let conflict: { code: string } | null = null;
    const recs = await followSse(await chat({ message: 'slow one', stream: true }), async (r) => {
      if (r.type === 'start') conversation = r.conversation_id;
      if (r.type === 'tool_result' && !conflict) {
        conflict = await errorOf(await chat({ message: 'meanwhile', conversation_id: conversation }), 409, 'CONFLICT');
        await errorOf(await chat({ message: 'meanwhile', conversation_id: conversation }, { accept: 'text/event-stream' }), 409, 'CONFLICT');
        await fake.waitForRequests(2);
        await dataOf(await post(`/projects/${project.id}/chat/${conversation}/cancel`, undefined));
      }
    });
    assert.ok(conflict);
    assert.equal(recs.at(-1)?.type, 'done');
  });

  it('approvals: a write outside the task waits; approve and deny over HTTP; a second decision is 409', async () => {
    ready();
    fake.script([
      { tool_calls: [{ name: 'write_file', input: { path: 'notes.txt', content: 'a' } }] },
      { tool_calls: [{ name: 'write_file', input: { path: 'other.txt', content: 'b' } }] },
      { text: 'Wrote one, the other was refused.' },
    ]);
    const decided: Approval[] = [];
    const recs = await followSse(await post(`/projects/${ask.id}/agents/engineer/direct`, { message: 'make some files' }, { accept: 'text/event-stream' }), async (r) => {
      if (r.type !== 'approval_needed') return;
      const pending = await dataOf<Approval[]>(await get(`/projects/${ask.id}/chat/approvals?status=pending`));
      assert.deepEqual(pending.map((a) => a.id), [r.approval_id]);
      assert.equal(pending[0]?.tool, 'write_file');
      const decision = decided.length === 0 ? { decision: 'approve' } : { decision: 'deny', note: 'not that one' };
      const a = await dataOf<Approval>(await post(`/projects/${ask.id}/chat/approvals/${r.approval_id}`, decision));
      decided.push(a);
      const again = await errorOf(await post(`/projects/${ask.id}/chat/approvals/${r.approval_id}`, { decision: 'approve' }), 409, 'CONFLICT');
      assert.ok(again.message);
    });
    assert.deepEqual(decided.map((a) => a.status), ['approved', 'denied']);
    assert.equal(decided[1]?.note, 'not that one');
    // Decided by a person the agent (and a reader of the list) can name.
    assert.deepEqual(decided.map((a) => a.decided_by), ['owner', 'owner']);
    const results = recs.filter((r): r is Extract<ChatStreamRecord, { type: 'tool_result' }> => r.type === 'tool_result');
    assert.deepEqual(results.map((r) => r.ok), [true, false]);
    assert.match(results[1]?.output ?? '', /denied by owner: not that one/);
    const done = recs.at(-1);
    assert.ok(done?.type === 'done');
    assert.deepEqual(done.response.files_changed, ['notes.txt']);
    assert.deepEqual((await dataOf<Approval[]>(await get(`/projects/${ask.id}/chat/approvals`))).map((a) => a.status).sort(), ['approved', 'denied']);
    assert.deepEqual(await dataOf<Approval[]>(await get(`/projects/${ask.id}/chat/approvals?status=pending`)), []);
  });

  it('a streamed turn opens at once: it can be cancelled during its first model call; a provider failing then is the stream\'s error record', async () => {
    ready();
    fake.script([{ text: 'too late', delay_ms: 10_000 }]);
    const res = await chat({ message: 'think for a long time' }, { accept: 'text/event-stream' });
    let cancelled: unknown = null;
    const recs = await followSse(res, async (r) => {
      if (r.type !== 'start') return;
      await fake.waitForRequests(1); // the model is being asked (it answers in 10 s)
      cancelled = await dataOf(await post(`/projects/${project.id}/chat/${r.conversation_id}/cancel`, undefined));
    });
    assert.deepEqual(cancelled, { cancelled: true });
    const done = recs.at(-1);
    assert.ok(done?.type === 'done', JSON.stringify(done));
    assert.equal(done.response.status, 'cancelled');

    ready();
    fake.script([{ error: { status: 401, message: 'invalid x-api-key' } }]);
    const failing = await followSse(await chat({ message: 'hello?' }, { accept: 'text/event-stream' }), () => {});
    const last = failing.at(-1);
    assert.equal(failing[0]?.type, 'start');
    assert.ok(last?.type === 'error', JSON.stringify(last));
    assert.equal(last.code, 'PROVIDER_ERROR');
    assert.doesNotMatch(last.message, /sk-test/);
  });

  it('a client that hangs up does not stop the turn', async () => {
    ready();
    fake.script([{ tool_calls: [{ name: 'list_files', input: {} }] }, { text: 'finished anyway' }]);
    const ac = new AbortController();
    const res = await t.request(`/api/v1/projects/${project.id}/chat`, { method: 'POST', json: { message: 'go on without me' }, token: key, headers: { accept: 'text/event-stream' }, signal: ac.signal });
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    const conversation = /"conversation_id":"([^"]+)"/.exec(first)?.[1];
    assert.ok(conversation, first);
    await reader.cancel();
    ac.abort();
    const h = await waitForStatus(conversation);
    assert.equal(h, 'completed');
  });

  async function waitForStatus(conversation: string): Promise<string> {
    for (;;) {
      // The stream opens before the first model answer; a new conversation is stored with that answer.
      const r = await get(`/projects/${project.id}/chat/history?conversation_id=${conversation}`);
      if (r.status !== 404) {
        const h = await dataOf<{ messages: Array<{ status: string | null }> }>(r);
        const s = h.messages.at(-1)?.status;
        if (s) return s;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }
});
