/** The fake LLM server against the real SDKs, over HTTP on loopback. */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { FakeLlm } from './fake-llm.ts';

let fake: FakeLlm;
let anthropic: Anthropic;
let openai: OpenAI;

before(async () => {
  fake = await FakeLlm.start();
  anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: fake.anthropicBaseUrl, maxRetries: 0 });
  openai = new OpenAI({ apiKey: 'sk-test', baseURL: fake.openaiBaseUrl, maxRetries: 0 });
});
after(() => fake.close());
beforeEach(() => fake.reset());

const tools = [{ name: 'read_file', description: 'Read a file', input_schema: { type: 'object' as const, properties: { path: { type: 'string' } }, required: ['path'] } }];
const oaTools = [{ type: 'function' as const, function: { name: 'read_file', description: 'Read a file', parameters: tools[0]!.input_schema } }];

describe('FakeLlm with the Anthropic SDK', () => {
  it('answers a plain call and records it in the neutral shape', async () => {
    fake.script([{ text: 'hello there', usage: { input_tokens: 10, output_tokens: 3, cache_read_tokens: 4, cache_write_tokens: 2 } }]);
    const msg = await anthropic.messages.create({ model: 'claude-x', max_tokens: 100, system: 'be brief', messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(msg.content, [{ type: 'text', text: 'hello there' }]);
    assert.equal(msg.stop_reason, 'end_turn');
    assert.equal(msg.model, 'claude-x');
    assert.deepEqual(msg.usage, { input_tokens: 10, output_tokens: 3, cache_read_input_tokens: 4, cache_creation_input_tokens: 2 });
    const r = fake.requests[0]!;
    assert.equal(r.vendor, 'anthropic');
    assert.equal(r.model, 'claude-x');
    assert.equal(r.system, 'be brief');
    assert.equal(r.stream, false);
    assert.equal(r.max_tokens, 100);
    assert.deepEqual(r.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    assert.equal(r.api_key, 'sk-ant-test');
  });

  it('streams text in several deltas and a tool use assembled from JSON deltas', async () => {
    fake.script([{ text: 'Let me look at the file.', tool_calls: [{ name: 'read_file', input: { path: 'src/app.py' }, id: 'toolu_1' }] }]);
    const stream = anthropic.messages.stream({ model: 'claude-x', max_tokens: 100, tools, messages: [{ role: 'user', content: 'read app.py' }] });
    const deltas: string[] = [];
    stream.on('text', (t) => deltas.push(t));
    const msg = await stream.finalMessage();
    assert.ok(deltas.length > 1);
    assert.equal(deltas.join(''), 'Let me look at the file.');
    assert.equal(msg.stop_reason, 'tool_use');
    assert.deepEqual(msg.content[1], { type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'src/app.py' } });
    assert.ok(msg.usage.input_tokens > 0 && msg.usage.output_tokens > 0);
    assert.deepEqual(fake.requests[0]!.tools, ['read_file']);
    assert.equal(fake.requests[0]!.stream, true);
  });

  it('takes the tool result back and records the round trip', async () => {
    fake.script([{ text: 'The file prints hi.' }]);
    const msg = await anthropic.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      tools,
      messages: [
        { role: 'user', content: 'read app.py' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'read_file', input: { path: 'app.py' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'print("hi")' }] },
      ],
    });
    assert.deepEqual(msg.content, [{ type: 'text', text: 'The file prints hi.' }]);
    assert.deepEqual(fake.requests[0]!.messages[2], { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'print("hi")' }] });
  });

  it('refuses a tool result that answers no tool use, as the real API does', async () => {
    await assert.rejects(
      anthropic.messages.create({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_9', content: 'x' }] }] }),
      (e: unknown) => e instanceof Anthropic.BadRequestError && /toolu_9/.test(e.message),
    );
  });

  it('answers scripted errors as APIError with status, type and retry-after', async () => {
    fake.script([{ error: { status: 429, message: 'slow down', retry_after_seconds: 7 } }, { error: { status: 529 } }]);
    await assert.rejects(anthropic.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.ok(e instanceof Anthropic.RateLimitError);
      assert.equal(e.status, 429);
      assert.equal(e.type, 'rate_limit_error');
      assert.equal(e.headers.get('retry-after'), '7');
      return true;
    });
    await assert.rejects(anthropic.messages.stream({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).finalMessage(), (e: unknown) => {
      assert.ok(e instanceof Anthropic.APIError);
      assert.equal(e.status, 529);
      assert.equal(e.type, 'overloaded_error');
      return true;
    });
  });

  it('refuses a wrong key with 401 when a key is required', async () => {
    fake.requireKey('right-key');
    await assert.rejects(anthropic.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), Anthropic.AuthenticationError);
    const ok = new Anthropic({ apiKey: 'right-key', baseURL: fake.anthropicBaseUrl, maxRetries: 0 });
    const msg = await ok.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(msg.content, [{ type: 'text', text: 'ok' }]);
  });

  it('drops the connection when asked: a connection error', async () => {
    fake.script([{ drop_connection: true }]);
    await assert.rejects(anthropic.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), Anthropic.APIConnectionError);
  });

  it('lists models', async () => {
    const page = await anthropic.models.list();
    assert.ok(page.data.length > 0);
  });
});

describe('FakeLlm with the OpenAI SDK', () => {
  it('answers a plain call and records it in the neutral shape', async () => {
    fake.script([{ text: 'hello', usage: { input_tokens: 10, output_tokens: 3, cache_read_tokens: 4 } }]);
    const c = await openai.chat.completions.create({ model: 'gpt-x', max_completion_tokens: 50, messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] });
    assert.equal(c.choices[0]!.message.content, 'hello');
    assert.equal(c.choices[0]!.finish_reason, 'stop');
    assert.equal(c.usage!.prompt_tokens, 14);
    assert.equal(c.usage!.prompt_tokens_details!.cached_tokens, 4);
    const r = fake.requests[0]!;
    assert.equal(r.vendor, 'openai');
    assert.equal(r.system, 'be brief');
    assert.equal(r.max_tokens, 50);
    assert.deepEqual(r.messages, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
    assert.equal(r.headers.authorization, 'Bearer sk-test');
    assert.equal(r.api_key, 'sk-test');
  });

  it('streams text, tool call deltas with index, finish_reason and a usage chunk', async () => {
    fake.script([{ text: 'Reading it now.', tool_calls: [{ name: 'read_file', input: { path: 'a.py' }, id: 'call_1' }, { name: 'read_file', input: { path: 'b.py' } }] }]);
    const stream = await openai.chat.completions.create({ model: 'gpt-x', stream: true, stream_options: { include_usage: true }, tools: oaTools, messages: [{ role: 'user', content: 'read both' }] });
    let text = '';
    const args = new Map<number, { id?: string; name?: string; args: string }>();
    let finish: string | null = null;
    let usage: OpenAI.CompletionUsage | null | undefined = null;
    let textChunks = 0;
    for await (const chunk of stream) {
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      if (choice.delta.content) {
        text += choice.delta.content;
        textChunks++;
      }
      for (const tc of choice.delta.tool_calls ?? []) {
        const cur = args.get(tc.index) ?? { args: '' };
        if (tc.id) cur.id = tc.id;
        if (tc.function?.name) cur.name = tc.function.name;
        cur.args += tc.function?.arguments ?? '';
        args.set(tc.index, cur);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
    }
    assert.equal(text, 'Reading it now.');
    assert.ok(textChunks > 1);
    assert.equal(finish, 'tool_calls');
    assert.equal(args.get(0)!.id, 'call_1');
    assert.deepEqual(JSON.parse(args.get(0)!.args), { path: 'a.py' });
    assert.equal(args.get(1)!.name, 'read_file');
    assert.deepEqual(JSON.parse(args.get(1)!.args), { path: 'b.py' });
    assert.ok(usage && usage.prompt_tokens > 0 && usage.completion_tokens > 0);
  });

  it('runs a tool round trip and normalises tool messages into a user turn', async () => {
    fake.script([{ tool_calls: [{ name: 'read_file', input: { path: 'a.py' } }] }, { text: 'It is empty.' }]);
    const first = await openai.chat.completions.create({ model: 'gpt-x', tools: oaTools, messages: [{ role: 'user', content: 'read a.py' }] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    assert.equal(first.choices[0]!.finish_reason, 'tool_calls');
    assert.ok(call.type === 'function');
    const second = await openai.chat.completions.create({
      model: 'gpt-x',
      tools: oaTools,
      messages: [
        { role: 'user', content: 'read a.py' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: '' },
        { role: 'user', content: 'and?' },
      ],
    });
    assert.equal(second.choices[0]!.message.content, 'It is empty.');
    assert.deepEqual(fake.requests[1]!.messages, [
      { role: 'user', content: [{ type: 'text', text: 'read a.py' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: call.id, name: 'read_file', input: { path: 'a.py' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: '' }, { type: 'text', text: 'and?' }] },
    ]);
  });

  it('answers scripted errors as APIError in the OpenAI shape', async () => {
    fake.script([{ error: { status: 429, retry_after_seconds: 3 } }, { error: { status: 500, message: 'boom' } }], 'openai');
    await assert.rejects(openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.code, 'rate_limit_exceeded');
      assert.equal(e.headers.get('retry-after'), '3');
      return true;
    });
    await assert.rejects(openai.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
      assert.ok(e instanceof OpenAI.InternalServerError);
      assert.match(e.message, /boom/);
      return true;
    });
  });

  it('serves replies scripted for one vendor only to that vendor', async () => {
    fake.script([{ text: 'for anthropic' }], 'anthropic').script([{ text: 'for openai' }], 'openai');
    const c = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(c.choices[0]!.message.content, 'for openai');
    const m = await anthropic.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
    assert.deepEqual(m.content, [{ type: 'text', text: 'for anthropic' }]);
    assert.equal(fake.remaining(), 0);
  });

  it('computes a reply from the request with a responder function and a fallback', async () => {
    fake.script([(req) => ({ text: `you said ${JSON.stringify(req.messages[0]!.content[0])}` })]).fallback((req) => ({ text: `fallback for ${req.model}` }));
    const a = await openai.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(a.choices[0]!.message.content, 'you said {"type":"text","text":"hi"}');
    const b = await openai.chat.completions.create({ model: 'm2', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(b.choices[0]!.message.content, 'fallback for m2');
  });

  it('waits for requests to arrive, and says how many came when they do not', async () => {
    fake.script([{ text: 'slow', delay_ms: 60_000 }]);
    const ctl = new AbortController();
    const pending = openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }, { signal: ctl.signal }).catch((e: unknown) => e);
    const seen = await fake.waitForRequests(1);
    assert.equal(seen[0]!.model, 'm');
    ctl.abort();
    assert.ok((await pending) instanceof OpenAI.APIUserAbortError);
    await assert.rejects(fake.waitForRequests(5, 50), /waited 50 ms for 5 request\(s\), 1 came/);
  });

  it('lists models', async () => {
    const page = await openai.models.list();
    assert.ok(page.data.length > 0);
  });
});
