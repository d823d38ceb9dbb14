/**
 * The OpenAI-compatible API through the real app (app.request), with the fake
 * LLM server as the upstream in both wire formats: OpenAI's error shape for
 * every failure (the shared middleware's included), models, completions
 * (plain and streamed, tool calls, usage), the agents as models, embeddings.
 * The official SDK against the built daemon is in test/e2e/openai.test.ts.
 */
import assert from 'node:assert/strict';
import { after, afterEach, describe, test } from 'node:test';
import type { ChatCompletion, ChatCompletionChunk, CreatedKey, EmbeddingResponse, OpenAIErrorBody, OpenAIModelList, Project, ZeblitEvent } from '../../contracts/index.ts';
import type { ConversationWithMessages } from '../../agents/index.ts';
import { FakeLlm, fakeVector } from '../../llm/testing/fake-llm.ts';
import { addUser, dataOf, errorOf, makeTestApp, manualClock, type TestApp, type TestUser } from '../testing.ts';

// Started before the suites are defined: their bodies configure providers with its address.
const fake = await FakeLlm.start();
afterEach(() => fake.reset());
after(() => fake.close());

/** The body of an OpenAI error, after checking the status, the shape (never the envelope) and type/code. */
async function oaiError(res: Response, status: number, type: string, code: string | null): Promise<OpenAIErrorBody['error']> {
  const body = (await res.json()) as Record<string, unknown>;
  assert.equal(res.status, status, JSON.stringify(body));
  assert.deepEqual(Object.keys(body), ['error'], 'OpenAI shape, not the envelope');
  const e = body.error as OpenAIErrorBody['error'];
  assert.deepEqual(Object.keys(e).sort(), ['code', 'message', 'param', 'type']);
  assert.equal(e.type, type);
  assert.equal(e.code, code);
  assert.match(res.headers.get('x-request-id') ?? '', /^req_/);
  return e;
}

/** The data chunks of an SSE response (and whether it ended with [DONE]). */
async function sse(res: Response): Promise<{ chunks: ChatCompletionChunk[]; done: boolean; errors: OpenAIErrorBody[] }> {
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const text = await res.text();
  const chunks: ChatCompletionChunk[] = [];
  const errors: OpenAIErrorBody[] = [];
  let done = false;
  for (const block of text.split('\n\n')) {
    const data = block.split('\n').find((l) => l.startsWith('data: '))?.slice(6);
    if (!data) continue;
    if (data === '[DONE]') done = true;
    else {
      const parsed = JSON.parse(data) as ChatCompletionChunk | OpenAIErrorBody;
      if ('error' in parsed) errors.push(parsed);
      else chunks.push(parsed);
    }
  }
  return { chunks, done, errors };
}

function configure(t: TestApp, vendor: 'anthropic' | 'openai'): void {
  const key = vendor === 'anthropic' ? 'sk-ant-test' : 'sk-openai-test';
  t.deps.llm.update({ max_retries: 0, order: [vendor], providers: { [vendor]: { api_key: key, base_url: vendor === 'anthropic' ? fake.anthropicBaseUrl : fake.openaiBaseUrl, model: vendor === 'anthropic' ? 'claude-haiku-4-5' : 'gpt-4.1-mini' } } });
}

const chat = (t: TestApp, token: string | undefined, body: unknown, headers: Record<string, string> = {}) => t.request('/v1/chat/completions', { method: 'POST', token, json: body, headers });

describe('errors under /v1 are OpenAI-shaped, the middleware included', () => {
  const t = makeTestApp({ maxBodyBytes: 1 << 20, openaiMaxBodyBytes: 4096 });
  after(() => t.close());
  const ann = addUser(t, 'ann', { client_type: 'openai' });
  configure(t, 'anthropic');

  test('401 without a key on TCP, and with a bad one: invalid_api_key', async () => {
    const none = await oaiError(await t.request('/v1/models'), 401, 'invalid_request_error', 'invalid_api_key');
    assert.match(none.message, /Authentication required/);
    await oaiError(await t.request('/v1/models', { token: 'zbl_' + '0'.repeat(26) + '_' + 'A'.repeat(43) }), 401, 'invalid_request_error', 'invalid_api_key');
    await oaiError(await t.request('/v1/models', { token: 'sk-not-ours' }), 401, 'invalid_request_error', 'invalid_api_key');
  });

  test('the socket: the owner, even with a placeholder key (SDKs insist on one); a Zeblit key there still decides', async () => {
    assert.equal((await t.request('/v1/models', { transport: 'unix' })).status, 200);
    assert.equal((await t.request('/v1/models', { transport: 'unix', token: 'unused' })).status, 200);
    await oaiError(await t.request('/v1/models', { transport: 'unix', token: 'zbl_' + '0'.repeat(26) + '_' + 'A'.repeat(43) }), 401, 'invalid_request_error', 'invalid_api_key');
    // Elsewhere on the socket a foreign token is still a 401 (in the envelope).
    assert.equal((await t.request('/api/v1/users/me', { transport: 'unix', token: 'unused' })).status, 401);
  });

  test('Host and Origin checks, unknown paths, wrong methods', async () => {
    await oaiError(await t.request('/v1/models', { token: ann.key, headers: { host: 'evil.example' } }), 403, 'permission_error', 'forbidden');
    await oaiError(await t.request('/v1/models', { token: ann.key, headers: { origin: 'https://evil.example' } }), 403, 'permission_error', 'forbidden');
    const e = await oaiError(await t.request('/v1/completions', { method: 'POST', token: ann.key, json: {} }), 404, 'invalid_request_error', 'unknown_url');
    assert.match(e.message, /Unknown request URL: POST \/v1\/completions/);
    const res = await t.request('/v1/chat/completions', { token: ann.key });
    await oaiError(res, 405, 'invalid_request_error', 'method_not_allowed');
    assert.equal(res.headers.get('allow'), 'POST');
  });

  test('bad JSON, a schema failure per field, too large a body', async () => {
    await oaiError(await t.request('/v1/chat/completions', { method: 'POST', token: ann.key, body: '{nope', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request_error', 'invalid_json');
    const role = await oaiError(await chat(t, ann.key, { model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'wizard', content: 'hi' }] }), 400, 'invalid_request_error', 'invalid_union');
    assert.equal(role.param, 'messages[0].role');
    const temp = await oaiError(await chat(t, ann.key, { model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], temperature: 3 }), 400, 'invalid_request_error', 'too_big');
    assert.equal(temp.param, 'temperature');
    const part = await oaiError(await chat(t, ann.key, { model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: {} }] }] }), 400, 'invalid_request_error', 'invalid_type');
    assert.equal(part.param, 'messages[0].content[1].image_url.url');
    const empty = await oaiError(await chat(t, ann.key, { model: 'anthropic/claude-haiku-4-5', messages: [] }), 400, 'invalid_request_error', 'too_small');
    assert.equal(empty.param, 'messages');
    await oaiError(await chat(t, ann.key, { model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'x'.repeat(5000) }] }), 413, 'invalid_request_error', 'request_too_large');
  });

  test('what cannot be honoured is a 400 naming the field: n > 1, logprobs, functions, audio parts, a tool_choice without tools', async () => {
    const base = { model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] };
    assert.equal((await oaiError(await chat(t, ann.key, { ...base, n: 2 }), 400, 'invalid_request_error', 'unsupported_value')).param, 'n');
    assert.equal((await oaiError(await chat(t, ann.key, { ...base, logprobs: true }), 400, 'invalid_request_error', 'unsupported_value')).param, 'logprobs');
    assert.equal((await oaiError(await chat(t, ann.key, { ...base, functions: [] }), 400, 'invalid_request_error', 'unsupported_parameter')).param, 'functions');
    const audio = { ...base, messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] };
    assert.equal((await oaiError(await chat(t, ann.key, audio), 400, 'invalid_request_error', 'unsupported_value')).param, 'messages[0].content[0].type');
    assert.equal((await oaiError(await chat(t, ann.key, { ...base, tool_choice: 'required' }), 400, 'invalid_request_error', 'invalid_value')).param, 'tool_choice');
    const schemaless = { ...base, response_format: { type: 'json_schema', json_schema: { name: 'x' } } };
    assert.equal((await oaiError(await chat(t, ann.key, schemaless), 400, 'invalid_request_error', 'missing_required_parameter')).param, 'response_format.json_schema.schema');
    assert.equal(fake.requests.length, 0, 'nothing reached the provider');
  });

  test('unknown models: 404 model_not_found naming the reason and the ids there are', async () => {
    const e = await oaiError(await chat(t, ann.key, { model: 'gpt-9', messages: [{ role: 'user', content: 'hi' }] }), 404, 'invalid_request_error', 'model_not_found');
    assert.equal(e.param, 'model');
    assert.match(e.message, /`gpt-9` does not exist.*no configured provider serves.*Models here: anthropic\/fake-claude, .*zeblit\/engineer/);
    await oaiError(await chat(t, ann.key, { model: 'zeblit/intern', messages: [{ role: 'user', content: 'hi' }] }), 404, 'invalid_request_error', 'model_not_found');
    assert.match((await oaiError(await chat(t, ann.key, { model: 'openai/gpt-4.1', messages: [{ role: 'user', content: 'hi' }] }), 404, 'invalid_request_error', 'model_not_found')).message, /openai provider is not usable/);
  });
});

describe('refusals that tools act on', () => {
  test('no provider at all: 503 no_provider_configured, not to be retried', async () => {
    const t = makeTestApp();
    try {
      const u = addUser(t, 'u');
      const res = await chat(t, u.key, { model: 'claude-sonnet-4-6', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.headers.get('x-should-retry'), 'false');
      assert.match((await oaiError(res, 503, 'server_error', 'no_provider_configured')).message, /No LLM provider is configured.*ANTHROPIC_API_KEY/);
    } finally {
      t.close();
    }
  });

  test('a spent budget: 429 insufficient_quota before the provider, not to be retried; the refusal is recorded with the key', async () => {
    const t = makeTestApp();
    try {
      configure(t, 'anthropic');
      t.deps.llm.update({ budgets: { global_monthly_usd: 0 } });
      const u = addUser(t, 'u', { client_type: 'openai' });
      const res = await chat(t, u.key, { model: 'anthropic/claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.headers.get('x-should-retry'), 'false');
      assert.match((await oaiError(res, 429, 'insufficient_quota', 'insufficient_quota')).message, /global monthly budget/);
      assert.equal(fake.requests.length, 0);
      const call = t.deps.llm.calls.recent(1)[0]!;
      assert.deepEqual([call.outcome, call.key_id, call.client_type], ['refused', u.keyId, 'openai']);
    } finally {
      t.close();
    }
  });

  test('the rate limit: 429 rate_limit_exceeded with Retry-After', async () => {
    const clock = manualClock();
    const t = makeTestApp({ rateLimit: { perSecond: 1, burst: 1, now: clock.now } as never });
    try {
      const u = addUser(t, 'u');
      assert.equal((await t.request('/v1/models', { token: u.key })).status, 200);
      const res = await t.request('/v1/models', { token: u.key });
      await oaiError(res, 429, 'rate_limit_error', 'rate_limit_exceeded');
      assert.equal(res.headers.get('retry-after'), '1');
    } finally {
      t.close();
    }
  });

  test('the provider refusing our key is 502 (the caller\'s key is fine); its 400 is the request\'s; its 429s are a 429', async () => {
    const t = makeTestApp();
    try {
      configure(t, 'openai');
      const u = addUser(t, 'u');
      const ask = () => chat(t, u.key, { model: 'openai/gpt-4.1-mini', messages: [{ role: 'user', content: 'hi' }] });
      fake.requireKey('another-key');
      await oaiError(await ask(), 502, 'server_error', 'upstream_error');
      fake.requireKey(null);
      fake.script([{ error: { status: 400, message: 'context too long' } }]);
      assert.match((await oaiError(await ask(), 400, 'invalid_request_error', 'upstream_invalid_request')).message, /context too long/);
      fake.script([{ error: { status: 429 } }]);
      await oaiError(await ask(), 429, 'rate_limit_error', 'upstream_rate_limited');
    } finally {
      t.close();
    }
  });
});

describe('models', () => {
  const t = makeTestApp();
  after(() => t.close());
  const u = addUser(t, 'u');
  configure(t, 'anthropic');

  test("the provider's own list as provider/model, then the seven agents as zeblit/<agent>", async () => {
    const res = await t.request('/v1/models', { token: u.key });
    const list = (await res.json()) as OpenAIModelList;
    assert.equal(list.object, 'list');
    assert.deepEqual(
      list.data.map((m) => `${m.id} ${m.owned_by}`),
      [
        'anthropic/fake-claude anthropic',
        'anthropic/fake-gpt anthropic',
        ...['dev-manager', 'product-manager', 'architect', 'engineer', 'data-analyst', 'platform-engineer', 'security-engineer'].map((a) => `zeblit/${a} zeblit`),
      ],
    );
    assert.ok(list.data.every((m) => m.object === 'model' && Number.isInteger(m.created)));
  });

  test('one model by id, its slash sent as is or encoded; an unknown one is 404', async () => {
    for (const path of ['/v1/models/anthropic/fake-claude', '/v1/models/anthropic%2Ffake-claude']) {
      const m = (await (await t.request(path, { token: u.key })).json()) as { id: string };
      assert.equal(m.id, 'anthropic/fake-claude');
    }
    assert.equal(((await (await t.request('/v1/models/zeblit/dev-manager', { token: u.key })).json()) as { id: string }).id, 'zeblit/dev-manager');
    await oaiError(await t.request('/v1/models/anthropic/nope', { token: u.key }), 404, 'invalid_request_error', 'model_not_found');
    // A broken percent escape (found by proof 1's fuzzer: it was a 500).
    await oaiError(await t.request('/v1/models/%E0%A4%A', { token: u.key }), 404, 'invalid_request_error', 'model_not_found');
  });
});

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

describe('embeddings', () => {
  test('openai: floats, or base64 of float32 as the SDKs ask; the call recorded', async () => {
    const t = makeTestApp();
    try {
      configure(t, 'openai');
      const u = addUser(t, 'u', { client_type: 'openai' });
      const floats = (await (await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'text-embedding-3-small', input: ['a b', 'c'], dimensions: 4 } })).json()) as EmbeddingResponse;
      assert.deepEqual(floats.data.map((d) => d.embedding), [fakeVector('a b', 4), fakeVector('c', 4)]);
      assert.equal(floats.model, 'openai/text-embedding-3-small');
      assert.deepEqual(floats.usage, { prompt_tokens: 2, total_tokens: 2 });
      const b64 = (await (await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'openai/text-embedding-3-small', input: 'a b', encoding_format: 'base64' } })).json()) as EmbeddingResponse;
      const bytes = Buffer.from(b64.data[0]!.embedding as string, 'base64');
      assert.deepEqual(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)), fakeVector('a b', 8));
      assert.equal(t.deps.llm.calls.recent(1)[0]!.key_id, u.keyId);
    } finally {
      t.close();
    }
  });

  test('with Anthropic only, or an agent: 404 naming the reason', async () => {
    const t = makeTestApp();
    try {
      configure(t, 'anthropic');
      const u = addUser(t, 'u');
      const e = await oaiError(await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'text-embedding-3-small', input: 'x' } }), 404, 'invalid_request_error', 'model_not_found');
      assert.match(e.message, /neither the openai provider nor a compatible server is configured/);
      assert.match((await oaiError(await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'anthropic/claude-haiku-4-5', input: 'x' } }), 404, 'invalid_request_error', 'model_not_found')).message, /Anthropic has no embeddings/);
      assert.match((await oaiError(await t.request('/v1/embeddings', { method: 'POST', token: u.key, json: { model: 'zeblit/engineer', input: 'x' } }), 404, 'invalid_request_error', 'model_not_found')).message, /agents do not make embeddings/);
    } finally {
      t.close();
    }
  });
});

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
