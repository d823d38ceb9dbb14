/**
 * Chat completions with an upstream model through the real app, with the
 * fake LLM server as the upstream in both wire formats: the translated
 * request, plain and streamed answers, tool calls, usage.
 * The official SDK against the built daemon is in test/e2e/openai.test.ts.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { ChatCompletion } from '../../contracts/index.ts';
import { addUser, makeTestApp, type TestUser } from '../testing.ts';
import { chat, oaiError, sse, startUpstream } from './testing.ts';

const { fake, configure } = await startUpstream();

for (const vendor of ['anthropic', 'openai'] as const) {
  describe(`completions with an upstream model (${vendor} wire format)`, () => {
    const t = makeTestApp();
    after(() => t.close());
    const u: TestUser = addUser(t, 'u', { client_type: 'openai' });
    configure(t, vendor);
    const model = vendor === 'anthropic' ? 'anthropic/claude-haiku-4-5' : 'openai/gpt-4.1-mini';
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];

    test('non-streamed: the translated request, the answer with tool calls, usage; the call recorded with the key', async () => {
      fake.script([{ text: 'Checking both.', tool_calls: [{ name: 'get_weather', input: { city: 'Paris' } }, { name: 'get_weather', input: { city: 'Rome' } }], usage: { input_tokens: 40, output_tokens: 12, cache_read_tokens: 8 } }]);
      const res = await chat(t, u.key, {
        model,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'developer', content: 'Use tools.' },
          { role: 'user', content: 'Weather?' },
        ],
        tools,
        tool_choice: 'auto',
        stop: 'END',
        max_completion_tokens: 300,
        seed: 7,
      });
      const body = (await res.json()) as ChatCompletion;
      assert.equal(res.status, 200, JSON.stringify(body));
      const sent = fake.requests[0]!;
      assert.equal(sent.system, 'Be brief.\n\nUse tools.');
      assert.deepEqual(sent.tools, ['get_weather']);
      assert.equal(sent.max_tokens, 300);
      assert.equal(body.object, 'chat.completion');
      assert.match(body.id, /^chatcmpl-req_/);
      assert.equal(body.model, model);
      const choice = body.choices[0]!;
      assert.equal(choice.finish_reason, 'tool_calls');
      assert.equal(choice.message.content, 'Checking both.');
      assert.deepEqual(
        choice.message.tool_calls?.map((c) => [c.type, c.function.name, JSON.parse(c.function.arguments)]),
        [
          ['function', 'get_weather', { city: 'Paris' }],
          ['function', 'get_weather', { city: 'Rome' }],
        ],
      );
      assert.deepEqual(body.usage, { prompt_tokens: 48, completion_tokens: 12, total_tokens: 60, prompt_tokens_details: { cached_tokens: 8 } });
      const call = t.deps.llm.calls.recent(1)[0]!;
      assert.deepEqual([call.outcome, call.provider, call.key_id, call.client_type, call.input_tokens, call.cache_read_tokens], ['ok', vendor, u.keyId, 'openai', 40, 8]);
      assert.ok(call.cost_usd > 0);
    });

    test('the tool round trip: assistant tool_calls and tool results go back as the vendor wants them', async () => {
      fake.script([{ text: 'Paris 18°C, Rome 24°C.' }]);
      const res = await chat(t, u.key, {
        model,
        tools,
        messages: [
          { role: 'user', content: 'Weather?' },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }, { id: 'call_b', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Rome"}' } }] },
          { role: 'tool', tool_call_id: 'call_a', content: '18°C' },
          { role: 'tool', tool_call_id: 'call_b', content: [{ type: 'text', text: '24°C' }] },
        ],
      });
      const body = (await res.json()) as ChatCompletion;
      assert.equal(res.status, 200, JSON.stringify(body));
      assert.equal(body.choices[0]!.finish_reason, 'stop');
      const sent = fake.requests[0]!.messages;
      assert.deepEqual(sent.map((m) => m.role), ['user', 'assistant', 'user']);
      assert.deepEqual(sent[1]!.content.map((b) => (b.type === 'tool_use' ? [b.id, b.input] : b.type)), [['call_a', { city: 'Paris' }], ['call_b', { city: 'Rome' }]]);
      assert.deepEqual(sent[2]!.content.map((b) => (b.type === 'tool_result' ? [b.tool_use_id, b.content] : b.type)), [['call_a', '18°C'], ['call_b', '24°C']]);
    });

    test('streamed: role, text deltas, tool calls with argument deltas, the finish reason, usage with include_usage, [DONE]', async () => {
      fake.script([{ text: 'Let me check.', tool_calls: [{ name: 'get_weather', input: { city: 'Paris' } }, { name: 'get_weather', input: { city: 'Rome' } }], usage: { input_tokens: 30, output_tokens: 9 } }]);
      const { chunks, done, errors } = await sse(await chat(t, u.key, { model, tools, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Weather?' }] }));
      assert.deepEqual(errors, []);
      assert.ok(done);
      assert.equal(chunks[0]!.choices[0]!.delta.role, 'assistant');
      const text = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');
      assert.equal(text, 'Let me check.');
      const deltas = chunks.flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []));
      const starts = deltas.filter((d) => d.id);
      assert.deepEqual(starts.map((d) => [d.index, d.type, d.function.name, d.function.arguments]), [
        [0, 'function', 'get_weather', ''],
        [1, 'function', 'get_weather', ''],
      ]);
      for (const i of [0, 1]) {
        const pieces = deltas.filter((d) => d.index === i && !d.id).map((d) => d.function.arguments ?? '');
        assert.ok(pieces.length > 1, 'arguments stream in pieces');
        assert.deepEqual(JSON.parse(pieces.join('')), { city: i === 0 ? 'Paris' : 'Rome' });
      }
      const last = chunks[chunks.length - 1]!;
      assert.deepEqual(last.choices, []);
      assert.deepEqual(last.usage, { prompt_tokens: 30, completion_tokens: 9, total_tokens: 39, prompt_tokens_details: { cached_tokens: 0 } });
      assert.equal(chunks[chunks.length - 2]!.choices[0]!.finish_reason, 'tool_calls');
      assert.ok(chunks.slice(0, -1).every((c) => c.usage === null), 'usage: null until the last chunk');
      assert.ok(chunks.every((c) => c.id === chunks[0]!.id && c.model === model));
    });

    test('streamed, a failure before the first piece is the response itself; after it, an error chunk and no [DONE]', async () => {
      fake.script([{ error: { status: 500, message: 'boom' } }]);
      await oaiError(await chat(t, u.key, { model, stream: true, messages: [{ role: 'user', content: 'hi' }] }), 502, 'server_error', 'upstream_error');
      fake.script([{ text: 'a long answer that breaks off', drop_after_chunks: vendor === 'anthropic' ? 5 : 3, chunk_delay_ms: 20 }]);
      const broken = await sse(await chat(t, u.key, { model, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
      assert.equal(broken.done, false);
      assert.equal(broken.errors.length, 1);
      assert.equal(broken.errors[0]!.error.type, 'server_error');
      assert.match(broken.errors[0]!.error.message, /after part of the answer was sent/);
    });
  });
}
