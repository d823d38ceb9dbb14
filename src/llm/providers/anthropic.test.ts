/** The Anthropic adapter with the real SDK against the fake server over HTTP. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeLlm } from '../testing/fake-llm.ts';
import { providerFailure } from '../testing/provider-failure.ts';
import { useFakeLlm } from '../testing/use-fake-llm.ts';
import type { LlmMessage, ProviderCall, ProviderResult } from '../types.ts';
import { createAnthropicProvider } from './anthropic.ts';
import { invalidToolArguments } from './tool-input.ts';

const KEY = 'sk-ant-api03-very-secret-key-0123456789';
const fake = await useFakeLlm();

const TOOLS = [
  { name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
  { name: 'finish', description: 'Done', input_schema: { type: 'object', properties: { summary: { type: 'string' } } } },
];

function provider(timeoutMs = 10_000, baseURL = fake.anthropicBaseUrl) {
  return createAnthropicProvider({ apiKey: KEY, baseURL, timeoutMs });
}

function call(over: Partial<ProviderCall> = {}): ProviderCall {
  return { model: 'claude-test', system: 'You are a test.', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: [], max_tokens: 512, signal: new AbortController().signal, ...over };
}

const failure = (p: Promise<ProviderResult>) => providerFailure(p, 'anthropic', KEY);

describe('Anthropic provider', () => {
  it('streams text deltas in order and returns the text, stop reason and model', async () => {
    fake.script([{ text: 'Hello there, this is a streamed answer.' }]);
    const deltas: string[] = [];
    const r = await provider().call(call({ onText: (d) => deltas.push(d) }));
    assert.ok(deltas.length > 1, 'more than one delta');
    assert.equal(deltas.join(''), 'Hello there, this is a streamed answer.');
    assert.deepEqual(r.content, [{ type: 'text', text: 'Hello there, this is a streamed answer.' }]);
    assert.equal(r.stop_reason, 'end_turn');
    assert.equal(r.model, 'claude-test');
    const seen = fake.requests[0]!;
    assert.equal(seen.stream, true);
    assert.equal(seen.system, 'You are a test.');
    assert.equal(seen.max_tokens, 512);
    assert.equal(seen.api_key, KEY);
  });

  it('runs a tool round trip: tool_use out, tool_result back, final text', async () => {
    fake.script([{ text: 'Let me read it.', tool_calls: [{ name: 'read_file', input: { path: 'src/app.py' } }] }, { text: 'It prints hi.' }]);
    const p = provider();
    const first = await p.call(call({ tools: TOOLS, messages: [{ role: 'user', content: [{ type: 'text', text: 'what does app.py do?' }] }] }));
    assert.equal(first.stop_reason, 'tool_use');
    const use = first.content[1];
    assert.ok(use?.type === 'tool_use');
    assert.equal(use.name, 'read_file');
    assert.deepEqual(use.input, { path: 'src/app.py' });

    const messages: LlmMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'what does app.py do?' }] },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'print("hi")' }] },
    ];
    const second = await p.call(call({ tools: TOOLS, messages }));
    assert.deepEqual(second.content, [{ type: 'text', text: 'It prints hi.' }]);
    assert.equal(second.stop_reason, 'end_turn');
    const seen = fake.requests[1]!;
    assert.deepEqual(seen.messages, messages);
    assert.deepEqual(seen.tools, ['read_file', 'finish']);
    const rawTools = seen.raw.tools as Array<{ name: string; description: string; input_schema: unknown }>;
    assert.deepEqual(rawTools[0], { name: 'read_file', description: 'Read a file', input_schema: TOOLS[0]!.input_schema });
  });

  it('puts tool results first in a user message and drops empty text blocks, as the API requires', async () => {
    const p = provider();
    await p.call(call({
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'go' }] },
        { role: 'assistant', content: [{ type: 'text', text: '' }, { type: 'tool_use', id: 'toolu_a', name: 'finish', input: {} }] },
        { role: 'user', content: [{ type: 'text', text: 'also this' }, { type: 'tool_result', tool_use_id: 'toolu_a', content: 'done', is_error: true }] },
      ],
    }));
    assert.deepEqual(fake.requests[0]!.messages[1], { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_a', name: 'finish', input: {} }] });
    assert.deepEqual(fake.requests[0]!.messages[2]!.content, [{ type: 'tool_result', tool_use_id: 'toolu_a', content: 'done', is_error: true }, { type: 'text', text: 'also this' }]);
  });

  it('maps usage, cache reads and cache writes, and marks the prefix for caching', async () => {
    fake.script([{ text: 'ok', usage: { input_tokens: 120, output_tokens: 30, cache_read_tokens: 1000, cache_write_tokens: 200 } }]);
    const r = await provider().call(call());
    assert.deepEqual(r.usage, { input_tokens: 120, output_tokens: 30, cache_read_tokens: 1000, cache_write_tokens: 200 });
    const raw = fake.requests[0]!.raw as { system: Array<{ cache_control?: unknown }>; messages: Array<{ content: Array<{ cache_control?: unknown }> }> };
    assert.deepEqual(raw.system[0]!.cache_control, { type: 'ephemeral' });
    assert.deepEqual(raw.messages[0]!.content[0]!.cache_control, { type: 'ephemeral' });
  });

  it('hands tool arguments that are not valid JSON to the loop as a recognisable marker', async () => {
    fake.script([{ tool_calls: [{ name: 'read_file', input: null, arguments_json: '{"path": "a.py"' }] }]);
    const r = await provider().call(call({ tools: TOOLS }));
    const use = r.content[0];
    assert.ok(use?.type === 'tool_use');
    assert.equal(invalidToolArguments(use.input), '{"path": "a.py"');
  });

  it('429 with retry-after: retryable, with the seconds', async () => {
    fake.script([{ error: { status: 429, message: 'rate limited', retry_after_seconds: 7 } }]);
    const f = await failure(provider().call(call()));
    assert.equal(f.status, 429);
    assert.equal(f.retryable, true);
    assert.equal(f.retryAfterSeconds, 7);
    assert.equal(f.cancelled, false);
  });

  it('500 and 529: retryable', async () => {
    fake.script([{ error: { status: 500 } }, { error: { status: 529, message: 'Overloaded' } }]);
    const a = await failure(provider().call(call()));
    assert.equal(a.status, 500);
    assert.equal(a.retryable, true);
    const b = await failure(provider().call(call()));
    assert.equal(b.status, 529);
    assert.equal(b.retryable, true);
    assert.match(b.message, /Overloaded/);
  });

  it('401: not retryable, says the key was refused, and never shows the key', async () => {
    fake.requireKey('another-key');
    const f = await failure(provider().call(call()));
    assert.equal(f.status, 401);
    assert.equal(f.retryable, false);
    assert.match(f.message, /the anthropic API key was refused/);
  });

  it('a vendor message that quotes the key is scrubbed', async () => {
    fake.script([{ error: { status: 400, message: `bad request for key ${KEY}` } }]);
    const f = await failure(provider().call(call()));
    assert.equal(f.retryable, false);
    assert.match(f.message, /bad request for key/);
  });

  it('400 and 404: not retryable, with what the vendor said', async () => {
    fake.script([{ error: { status: 400, message: 'max_tokens: too large' } }, { error: { status: 404, message: 'model: claude-nope' } }]);
    const a = await failure(provider().call(call()));
    assert.equal(a.retryable, false);
    assert.match(a.message, /max_tokens: too large/);
    const b = await failure(provider().call(call()));
    assert.equal(b.retryable, false);
    assert.match(b.message, /404.*claude-nope/);
  });

  it('a dropped connection, before or during the stream: retryable', async () => {
    fake.script([{ drop_connection: true }, { text: 'a long enough answer to be cut', drop_after_chunks: 4 }]);
    const a = await failure(provider().call(call()));
    assert.equal(a.retryable, true);
    assert.equal(a.cancelled, false);
    const b = await failure(provider().call(call()));
    assert.equal(b.retryable, true);
    assert.equal(b.status, null);
  });

  it('an error event inside the stream: overloaded is retryable, an invalid request is not', async () => {
    fake.script([{ text: 'starting to answer', stream_error: { message: 'Overloaded' } }, { text: 'x', stream_error: { type: 'invalid_request_error', message: 'nope', after_chunks: 1 } }]);
    const a = await failure(provider().call(call()));
    assert.equal(a.retryable, true);
    assert.equal(a.status, null);
    assert.match(a.message, /overloaded_error.*Overloaded/);
    const b = await failure(provider().call(call()));
    assert.equal(b.retryable, false);
    assert.match(b.message, /invalid_request_error.*nope/);
  });

  it('a server that is not there: retryable connection failure', async () => {
    const gone = await FakeLlm.start();
    const url = gone.anthropicBaseUrl;
    await gone.close();
    const f = await failure(provider(10_000, url).call(call()));
    assert.equal(f.retryable, true);
    assert.match(f.message, /could not reach anthropic/);
  });

  it('abort mid-stream: cancelled, not retryable', async () => {
    fake.script([{ text: 'one two three four five six', chunk_delay_ms: 300 }]);
    const ctl = new AbortController();
    const deltas: string[] = [];
    const f = await failure(provider().call(call({ signal: ctl.signal, onText: (d) => {
      deltas.push(d);
      ctl.abort();
    } })));
    assert.equal(f.cancelled, true);
    assert.equal(f.retryable, false);
    assert.equal(deltas.length, 1);
  });

  it('an already aborted signal: cancelled without a request', async () => {
    const ctl = new AbortController();
    ctl.abort();
    const f = await failure(provider().call(call({ signal: ctl.signal })));
    assert.equal(f.cancelled, true);
    assert.equal(fake.requests.length, 0);
  });

  it('no answer, or a stream gone quiet, within timeoutMs: a retryable timeout', async () => {
    fake.script([{ text: 'late', delay_ms: 5_000 }, { text: 'stalls after the first events', chunk_delay_ms: 5_000 }]);
    const a = await failure(provider(300).call(call()));
    assert.equal(a.retryable, true);
    assert.equal(a.cancelled, false);
    assert.match(a.message, /did not answer within 300 ms/);
    const b = await failure(provider(300).call(call()));
    assert.equal(b.retryable, true);
    assert.match(b.message, /did not answer within 300 ms/);
  });
});
