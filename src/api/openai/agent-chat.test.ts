/**
 * The agents as models (zeblit/<agent>) through the real app: the project a
 * turn works in, what the agents cannot honour, a turn's answer, history and
 * events, the conversation a transcript continues, the audit log.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ChatCompletion, CreatedKey, Project, ZeblitEvent } from '../../contracts/index.ts';
import type { ConversationWithMessages } from '../../agents/index.ts';
import { addUser, dataOf, errorOf, makeTestApp } from '../testing.ts';
import { chat, oaiError, sse, startUpstream } from './testing.ts';

const { fake, configure } = await startUpstream();

describe('zeblit/<agent> models', () => {
  const t = makeTestApp();
  after(() => t.close());
  const u = addUser(t, 'u', { client_type: 'openai' });
  configure(t, 'anthropic');
  const shop: Project = t.deps.projects.create(u.user.id, { name: 'shop', template: 'blank' });

  test('no project named: 400 saying the three ways; an unknown or foreign one: 404', async () => {
    const e = await oaiError(await chat(t, u.key, { model: 'zeblit/engineer', messages: [{ role: 'user', content: 'hi' }] }), 400, 'invalid_request_error', 'project_required');
    assert.match(e.message, /X-Zeblit-Project header.*user: "project:<id or name>".*--create-key --project/s);
    const other = addUser(t, 'other');
    await oaiError(await chat(t, other.key, { model: 'zeblit/engineer', messages: [{ role: 'user', content: 'hi' }] }, { 'x-zeblit-project': 'shop' }), 404, 'invalid_request_error', 'not_found');
  });

  test('what the agents cannot honour is a 400: a tool_choice that demands a client tool, JSON output, images', async () => {
    const base = { model: 'zeblit/engineer', user: 'project:shop', messages: [{ role: 'user', content: 'hi' }] };
    const tools = [{ type: 'function', function: { name: 'mine' } }];
    assert.equal((await oaiError(await chat(t, u.key, { ...base, tools, tool_choice: 'required' }), 400, 'invalid_request_error', 'unsupported_value')).param, 'tool_choice');
    assert.equal((await oaiError(await chat(t, u.key, { ...base, response_format: { type: 'json_object' } }), 400, 'invalid_request_error', 'unsupported_value')).param, 'response_format');
    const img = { ...base, messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://x/y.png' } }] }] };
    assert.equal((await oaiError(await chat(t, u.key, img), 400, 'invalid_request_error', 'unsupported_value')).param, 'messages[0].content[0].type');
    assert.equal(fake.requests.length, 0);
  });

  test('a turn that writes a file: the text shows the tool line, the file exists, the turn is in history; the client\'s own tools are ignored', async () => {
    fake.script([{ text: 'Writing it.', tool_calls: [{ name: 'write_file', input: { path: 'app.py', content: 'print("hi")\n' } }] }, { text: 'Done: app.py prints hi.', usage: { input_tokens: 100, output_tokens: 10 } }]);
    const events: ZeblitEvent[] = [];
    const unsubscribe = t.deps.bus.subscribe((e) => {
      if (e.project_id === shop.id) events.push(e);
    });
    const res = await chat(t, u.key, { model: 'zeblit/engineer', messages: [{ role: 'system', content: 'You are a helpful assistant.' }, { role: 'user', content: 'Write app.py that prints hi' }], tools: [{ type: 'function', function: { name: 'mine' } }] }, { 'x-zeblit-project': 'shop' });
    const body = (await res.json()) as ChatCompletion;
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.model, 'zeblit/engineer');
    assert.equal(body.choices[0]!.message.content, 'Writing it.\n→ write_file app.py\nDone: app.py prints hi.');
    assert.equal(body.choices[0]!.finish_reason, 'stop');
    const turnCalls = t.deps.llm.calls.recent(2);
    assert.equal(body.usage.completion_tokens, turnCalls.reduce((n, c) => n + c.output_tokens, 0), 'usage is the sum of the turn\'s calls');
    assert.equal(body.usage.prompt_tokens, turnCalls.reduce((n, c) => n + c.input_tokens + c.cache_read_tokens + c.cache_write_tokens, 0));
    assert.ok(!fake.requests[0]!.tools.includes('mine'), 'the client tools are not the agent\'s');
    assert.ok(!fake.requests[0]!.system.includes('helpful assistant'), 'the agents keep their own prompt');
    assert.equal((await t.deps.files.read(shop.id, 'app.py')).content, 'print("hi")\n');
    const calls = t.deps.llm.calls.recent(2);
    assert.ok(calls.every((c) => c.agent === 'engineer' && c.project_id === shop.id && c.key_id === u.keyId && c.client_type === 'openai'));
    const list = t.deps.agents.history(shop.id, { limit: 10, offset: 0 });
    assert.ok('conversations' in list && list.conversations.length === 1);
    unsubscribe();
    // The whole turn is on the project's event stream, as for `zeblit chat`.
    const types = events.map((e) => e.type);
    for (const type of ['agent.status', 'agent.message', 'agent.tool_call', 'agent.tool_result', 'file.changed'] as const) assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
    assert.ok(events.some((e) => e.type === 'agent.tool_call' && (e.data as { tool: string }).tool === 'write_file'));
  });

  test('the same history continues the conversation (streamed this time); other history starts a new one', async () => {
    const first = t.deps.agents.history(shop.id, { limit: 10, offset: 0 });
    assert.ok('conversations' in first);
    const cnv = first.conversations[0]!.id;
    fake.script([{ text: 'It prints hi.' }]);
    const history = [
      { role: 'user', content: 'Write app.py that prints hi' },
      { role: 'assistant', content: 'Writing it.\n→ write_file app.py\nDone: app.py prints hi.\n' },
      { role: 'user', content: 'What does it print?' },
    ];
    const { chunks, done } = await sse(await chat(t, u.key, { model: 'zeblit/engineer', user: 'project:shop', stream: true, stream_options: { include_usage: true }, messages: history }));
    assert.ok(done);
    assert.equal(chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join(''), 'It prints hi.');
    assert.ok((chunks.at(-1)?.usage?.prompt_tokens ?? 0) > 0);
    const again = t.deps.agents.history(shop.id, { conversation_id: cnv, limit: 10, offset: 0 }) as ConversationWithMessages;
    assert.equal(again.messages.length, 4, 'two turns in one conversation');
    assert.match(JSON.stringify(fake.requests.at(-1)!.messages), /Done: app\.py prints hi/, 'the model saw the first turn');

    fake.script([{ text: 'Fresh.' }]);
    await chat(t, u.key, { model: 'zeblit/engineer', user: 'project:shop', messages: [{ role: 'user', content: 'Something else' }, { role: 'assistant', content: 'never said' }, { role: 'user', content: 'go on' }] });
    const all = t.deps.agents.history(shop.id, { limit: 10, offset: 0 });
    assert.ok('conversations' in all && all.conversations.length === 2);
  });

  test("the key's default project (set at creation) is used when nothing names one", async () => {
    const key = await dataOf<CreatedKey>(await t.request('/api/v1/auth/keys', { method: 'POST', token: u.key, json: { name: 'editor', client_type: 'openai', project: 'shop' } }), 201);
    assert.equal(key.project_id, shop.id);
    assert.equal(key.client_type, 'openai');
    fake.script([{ text: 'Hello from shop.' }]);
    const body = (await (await chat(t, key.key, { model: 'zeblit/dev_manager', messages: [{ role: 'user', content: 'hello' }] })).json()) as ChatCompletion;
    assert.equal(body.choices[0]!.message.content, 'Hello from shop.');
    assert.equal(t.deps.llm.calls.recent(1)[0]!.project_id, shop.id);
    await errorOf(await t.request('/api/v1/auth/keys', { method: 'POST', token: u.key, json: { name: 'bad', project: 'nope' } }), 404, 'NOT_FOUND');
  });

  test('every /v1 POST is in the audit log with the key', async () => {
    const entries = t.deps.audit.list({ limit: 100 }).items.filter((e) => e.path === '/v1/chat/completions');
    assert.ok(entries.length > 0);
    assert.ok(entries.some((e) => e.key_id === u.keyId && e.client_type === 'openai' && e.status === 200));
  });
});
