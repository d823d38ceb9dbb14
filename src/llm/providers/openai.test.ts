/** The OpenAI and compatible adapters with the real SDK against the fake server over HTTP. */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { ProviderName } from '../../contracts/index.ts';
import { providerFailure } from '../testing/provider-failure.ts';
import { useFakeLlm } from '../testing/use-fake-llm.ts';
import type { LlmMessage, ProviderCall, ProviderResult } from '../types.ts';
import { createProvider } from './index.ts';
import { createOpenAIProvider, toMessages } from './openai.ts';
import { invalidToolArguments } from './tool-input.ts';

const KEY = 'sk-proj-very-secret-key-0123456789abcdef';
const fake = await useFakeLlm();

const TOOLS = [
  { name: 'read_file', description: 'Read a file', input_schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } },
  { name: 'run_command', description: 'Run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } },
];

function provider(name: 'openai' | 'compatible' = 'openai', timeoutMs = 10_000, baseURL: string | null = fake.openaiBaseUrl) {
  return createOpenAIProvider({ name, apiKey: KEY, baseURL, timeoutMs });
}

function call(over: Partial<ProviderCall> = {}): ProviderCall {
  return { model: 'gpt-test', system: 'You are a test.', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], tools: [], max_tokens: 256, signal: new AbortController().signal, ...over };
}

const failure = (p: Promise<ProviderResult>, provider: ProviderName = 'openai') => providerFailure(p, provider, KEY);

describe('OpenAI provider', () => {
  it('streams text deltas in order, with usage and the system prompt as a system message', async () => {
    fake.script([{ text: 'Hello there, this is a streamed answer.' }]);
    const deltas: string[] = [];
    const r = await provider().call(call({ onText: (d) => deltas.push(d) }));
    assert.ok(deltas.length > 1);
    assert.equal(deltas.join(''), 'Hello there, this is a streamed answer.');
    assert.deepEqual(r.content, [{ type: 'text', text: 'Hello there, this is a streamed answer.' }]);
    assert.equal(r.stop_reason, 'end_turn');
    assert.equal(r.model, 'gpt-test');
    const seen = fake.requests[0]!;
    assert.equal(seen.system, 'You are a test.');
    assert.equal(seen.stream, true);
    assert.deepEqual(seen.raw.stream_options, { include_usage: true });
    assert.equal(seen.raw.max_completion_tokens, 256);
    assert.equal(seen.api_key, KEY);
  });

  it('runs a tool round trip with two parallel calls: tool_calls out, tool messages back, final text', async () => {
    fake.script([
      { text: 'Checking.', tool_calls: [{ name: 'read_file', input: { path: 'a.py' } }, { name: 'run_command', input: { command: 'ls -la' } }] },
      { text: 'All good.' },
    ]);
    const p = provider();
    const first = await p.call(call({ tools: TOOLS }));
    assert.equal(first.stop_reason, 'tool_use');
    const uses = first.content.filter((b) => b.type === 'tool_use');
    assert.deepEqual(uses.map((u) => [u.name, u.input]), [['read_file', { path: 'a.py' }], ['run_command', { command: 'ls -la' }]]);
    const messages: LlmMessage[] = [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: first.content },
      { role: 'user', content: uses.map((u) => ({ type: 'tool_result' as const, tool_use_id: u.id, content: `result of ${u.name}` })) },
    ];
    const second = await p.call(call({ tools: TOOLS, messages }));
    assert.deepEqual(second.content, [{ type: 'text', text: 'All good.' }]);
    assert.deepEqual(fake.requests[1]!.messages, messages);
    const raw = fake.requests[1]!.raw as { tools: unknown[]; messages: Array<{ role: string }> };
    assert.deepEqual(raw.tools[0], { type: 'function', function: { name: 'read_file', description: 'Read a file', parameters: TOOLS[0]!.input_schema } });
    assert.deepEqual(raw.messages.map((m) => m.role), ['system', 'user', 'assistant', 'tool', 'tool']);
  });

  it('maps usage: cached tokens are cache reads and not counted again as input', async () => {
    fake.script([{ text: 'ok', usage: { input_tokens: 100, output_tokens: 25, cache_read_tokens: 900 } }]);
    const r = await provider().call(call());
    assert.deepEqual(r.usage, { input_tokens: 100, output_tokens: 25, cache_read_tokens: 900, cache_write_tokens: 0 });
  });

  it('maps finish reasons: length → max_tokens', async () => {
    fake.script([{ text: 'cut', stop_reason: 'max_tokens' }]);
    assert.equal((await provider().call(call())).stop_reason, 'max_tokens');
  });

  it('hands arguments that are not JSON to the loop as a marker, and sends them back as written', async () => {
    fake.script([{ tool_calls: [{ name: 'read_file', input: null, arguments_json: "{path: 'a.py'}" }] }, { text: 'sorry' }]);
    const p = provider();
    const first = await p.call(call({ tools: TOOLS }));
    const use = first.content[0];
    assert.ok(use?.type === 'tool_use');
    assert.equal(invalidToolArguments(use.input), "{path: 'a.py'}");
    await p.call(call({ tools: TOOLS, messages: [
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
      { role: 'assistant', content: first.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'arguments were not valid JSON', is_error: true }] },
    ] }));
    const raw = fake.requests[1]!.raw as { messages: Array<{ tool_calls?: Array<{ function: { arguments: string } }>; content?: string }> };
    assert.equal(raw.messages[2]!.tool_calls![0]!.function.arguments, "{path: 'a.py'}");
    assert.equal(raw.messages[3]!.content, 'Error: arguments were not valid JSON');
  });

  it('429 with retry-after: retryable with the seconds; 500: retryable', async () => {
    fake.script([{ error: { status: 429, retry_after_seconds: 12 } }, { error: { status: 500, message: 'The server had an error' } }]);
    const a = await failure(provider().call(call()));
    assert.equal(a.status, 429);
    assert.equal(a.retryable, true);
    assert.equal(a.retryAfterSeconds, 12);
    const b = await failure(provider().call(call()));
    assert.equal(b.status, 500);
    assert.equal(b.retryable, true);
  });

  it('401: not retryable and never shows the key, even though OpenAI quotes it', async () => {
    fake.script([{ error: { status: 401, message: `Incorrect API key provided: ${KEY.slice(0, 8)}************cdef.` } }]);
    const f = await failure(provider().call(call()));
    assert.equal(f.retryable, false);
    assert.match(f.message, /the openai API key was refused/);
    assert.ok(!f.message.includes(KEY.slice(0, 8)));
  });

  it('a dropped connection: retryable; abort mid-stream: cancelled', async () => {
    fake.script([{ drop_connection: true }, { text: 'one two three four five six', chunk_delay_ms: 300 }]);
    const a = await failure(provider().call(call()));
    assert.equal(a.retryable, true);
    const ctl = new AbortController();
    const b = await failure(provider().call(call({ signal: ctl.signal, onText: () => ctl.abort() })));
    assert.equal(b.cancelled, true);
    assert.equal(b.retryable, false);
  });

  it('an error inside the stream: a retryable failure with what the server said', async () => {
    fake.script([{ text: 'starting to answer', stream_error: { message: 'upstream hiccup' } }]);
    const f = await failure(provider().call(call()));
    assert.equal(f.retryable, true);
    assert.match(f.message, /server_error.*upstream hiccup/);
  });

  it('a stream cut before its finish: retryable', async () => {
    fake.script([{ text: 'a long enough answer to be cut', drop_after_chunks: 2 }]);
    const f = await failure(provider().call(call()));
    assert.equal(f.retryable, true);
  });

  it('a base URL that redirects: not followed, the failure names where it points', async () => {
    const server = createServer((req, res) => res.writeHead(308, { location: `https://llm.example.test${req.url ?? ''}` }).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const f = await failure(provider('compatible', 10_000, `http://127.0.0.1:${port}/v1`).call(call()), 'compatible');
      assert.equal(f.retryable, false);
      assert.match(f.message, /\(308\).*redirects to https:\/\/llm\.example\.test\/v1\/chat\/completions: use that as the base URL/);
    } finally {
      server.close();
    }
  });

  it('a server that never sends the response head: a retryable timeout', async () => {
    fake.script([{ text: 'too late', delay_ms: 5_000 }]);
    const f = await failure(provider('openai', 300).call(call()));
    assert.equal(f.retryable, true);
    assert.match(f.message, /did not answer within 300 ms/);
  });

  it('keeps its connection alive: calls one after another share it, a call after a dropped one opens another', async () => {
    const p = provider();
    for (let i = 0; i < 3; i++) await p.call(call());
    fake.script([{ drop_connection: true }]);
    await failure(p.call(call()));
    await p.call(call());
    const conns = fake.requests.map((r) => r.connection);
    assert.deepEqual(conns.slice(0, 4), [conns[0], conns[0], conns[0], conns[0]], 'the first four share a connection');
    assert.notEqual(conns[4], conns[0]);
  });

  it('a stream gone quiet longer than timeoutMs: a retryable timeout', async () => {
    fake.script([{ text: 'stalls after the first chunk', chunk_delay_ms: 5_000 }]);
    const f = await failure(provider('openai', 300).call(call()));
    assert.equal(f.retryable, true);
    assert.match(f.message, /did not answer within 300 ms/);
  });
});

describe('compatible provider', () => {
  it('works against the OpenAI endpoint, sending max_tokens', async () => {
    fake.script([{ text: 'local answer', tool_calls: [{ name: 'read_file', input: { path: 'x' } }] }]);
    const p = createProvider('compatible', { apiKey: KEY, baseURL: fake.openaiBaseUrl, timeoutMs: 10_000 });
    assert.equal(p.name, 'compatible');
    const r = await p.call(call({ model: 'llama3.1', tools: TOOLS }));
    assert.equal(r.model, 'llama3.1');
    assert.equal(r.stop_reason, 'tool_use');
    assert.equal(fake.requests[0]!.raw.max_tokens, 256);
    assert.equal(fake.requests[0]!.raw.max_completion_tokens, undefined);
  });

  it('asks once more without stream_options when the server refuses them, then stops sending them', async () => {
    fake.fallback((req) => (req.raw.stream_options !== undefined ? { error: { status: 400, message: 'unknown field stream_options' } } : { text: 'fine' }));
    const p = provider('compatible');
    const r = await p.call(call());
    assert.deepEqual(r.content, [{ type: 'text', text: 'fine' }]);
    assert.deepEqual(r.usage, { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 });
    await p.call(call());
    assert.deepEqual(fake.requests.map((q) => q.raw.stream_options !== undefined), [true, false, false]);
  });

  it('a 400 that is not about stream_options is reported as it was, and stream_options stay', async () => {
    fake.fallback(() => ({ error: { status: 400, message: 'context too long' } }));
    const p = provider('compatible');
    const f = await failure(p.call(call()), 'compatible');
    assert.equal(f.retryable, false);
    assert.match(f.message, /context too long/);
    await failure(p.call(call()), 'compatible');
    assert.deepEqual(fake.requests.map((q) => q.raw.stream_options !== undefined), [true, false, true, false]);
  });

  it('an OpenAI 400 is not retried without stream_options', async () => {
    fake.script([{ error: { status: 400, message: 'bad' } }]);
    const f = await failure(provider('openai').call(call()));
    assert.equal(f.retryable, false);
    assert.equal(fake.requests.length, 1);
  });

  it('without a base URL: a clear, non-retryable failure', async () => {
    const f = await failure(provider('compatible', 10_000, null).call(call()), 'compatible');
    assert.equal(f.retryable, false);
    assert.match(f.message, /no base URL/);
  });

  it('createProvider builds anthropic and openai too', () => {
    assert.equal(createProvider('anthropic', { apiKey: 'k', baseURL: fake.anthropicBaseUrl, timeoutMs: 1000 }).name, 'anthropic');
    assert.equal(createProvider('openai', { apiKey: 'k', baseURL: '', timeoutMs: 1000 }).name, 'openai');
  });
});

describe('toMessages', () => {
  it('puts tool results before the text of the same user turn, and drops nothing', () => {
    const out = toMessages('', [
      { role: 'user', content: [{ type: 'text', text: 'go' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'c1', name: 'run_command', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'c1', content: 'a.py' }, { type: 'text', text: 'now run it' }] },
    ]);
    assert.deepEqual(out, [
      { role: 'user', content: 'go' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'run_command', arguments: '{"command":"ls"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: 'a.py' },
      { role: 'user', content: 'now run it' },
    ]);
  });
});
