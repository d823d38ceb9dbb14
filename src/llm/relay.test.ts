/**
 * What the OpenAI-compatible endpoint asks of the service, against the fake
 * LLM server through the real adapters and SDKs, in both wire formats:
 * streamed text and tool-call events, call options as each vendor takes
 * them, images, a pinned provider and its fallback, no retry once output
 * was relayed, the providers' model lists, model resolution, embeddings, and
 * the caller's key on each record.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { ZeblitError } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { JSON_OBJECT_INSTRUCTION } from './providers/anthropic.ts';
import { LlmService } from './service.ts';
import { FakeLlm, fakeVector } from './testing/fake-llm.ts';
import type { LlmRequest, StreamEvent } from './types.ts';

let fake: FakeLlm;
const dirs: string[] = [];
before(async () => {
  fake = await FakeLlm.start();
});
afterEach(() => fake.reset());
after(async () => {
  await fake.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function setup(env?: Record<string, string>, budget: number | null = null) {
  const dir = mkdtempSync(join(tmpdir(), 'zeblit-llm-relay-'));
  dirs.push(dir);
  const database = openDatabase(join(dir, 'zeblit.db'));
  const llm = new LlmService({
    db: database.db,
    secret: randomBytes(32),
    env: env ?? { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, OPENAI_API_KEY: 'sk-openai-test', OPENAI_BASE_URL: fake.openaiBaseUrl },
    backoff: { baseMs: 1, capMs: 5 },
  });
  llm.update({ max_retries: 1, ...(budget === null ? {} : { budgets: { global_monthly_usd: budget } }) });
  return { llm, database };
}

const ask = (extra: Partial<LlmRequest> = {}): LlmRequest => ({
  system: 'Be brief.',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'weather in Paris and Rome?' }] }],
  tools: [{ name: 'get_weather', description: 'The weather of a city', input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
  meta: { project_id: null, agent: null, conversation_id: null, key_id: 'key_x', client_type: 'openai' },
  ...extra,
});

const WEATHER = { text: 'Checking.', tool_calls: [{ name: 'get_weather', input: { city: 'Paris' } }, { name: 'get_weather', input: { city: 'Rome' } }] };

for (const provider of ['anthropic', 'openai'] as const) {
  describe(`streamed events and options through ${provider}`, () => {
    test('text deltas, then each tool call (id and name) followed by its argument pieces, which join into the arguments', async () => {
      const { llm } = setup();
      fake.script([WEATHER]);
      const events: StreamEvent[] = [];
      const res = await llm.complete(ask({ provider, model: provider === 'anthropic' ? 'claude-haiku-4-5' : 'gpt-4.1-mini', onEvent: (e) => events.push(e) }));
      assert.equal(res.provider, provider);
      assert.equal(events.filter((e) => e.type === 'text').map((e) => (e.type === 'text' ? e.delta : '')).join(''), 'Checking.');
      assert.ok(events.filter((e) => e.type === 'text').length > 1, 'text comes in more than one delta');
      const calls = events.filter((e) => e.type === 'tool_call');
      assert.deepEqual(
        calls.map((e) => (e.type === 'tool_call' ? [e.index, e.name] : [])),
        [
          [0, 'get_weather'],
          [1, 'get_weather'],
        ],
      );
      const uses = res.content.filter((b) => b.type === 'tool_use');
      for (const [i, use] of uses.entries()) {
        const call = calls[i];
        assert.ok(call?.type === 'tool_call' && call.id === use.id);
        const args = events.flatMap((e) => (e.type === 'tool_arguments' && e.index === i ? [e.delta] : [])).join('');
        assert.deepEqual(JSON.parse(args), use.input);
        assert.ok(events.filter((e) => e.type === 'tool_arguments' && e.index === i).length > 1, 'arguments come in pieces');
        // An argument piece never comes before its call.
        assert.ok(events.indexOf(call) < events.findIndex((e) => e.type === 'tool_arguments' && e.index === i));
      }
      assert.equal(res.stop_reason, 'tool_use');
    });

    test('options reach the vendor in its own terms', async () => {
      const { llm } = setup();
      fake.script([{ text: '{"a":1}' }]);
      await llm.complete(
        ask({
          provider,
          model: provider === 'anthropic' ? 'claude-haiku-4-5' : 'gpt-4.1-mini',
          options: { temperature: 0.3, top_p: 0.9, stop: ['END', ' '], tool_choice: { type: 'tool', name: 'get_weather' }, parallel_tool_calls: false, user: 'u-42', response_format: { type: 'json_object' } },
        }),
      );
      const raw = fake.requests[0]!.raw;
      if (provider === 'anthropic') {
        assert.deepEqual(raw.tool_choice, { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true });
        assert.deepEqual(raw.stop_sequences, ['END'], 'whitespace-only stop sequences are left out');
        assert.deepEqual(raw.metadata, { user_id: 'u-42' });
        assert.equal(raw.temperature, undefined, 'the Anthropic API of this SDK takes no temperature');
        assert.ok(fake.requests[0]!.system.endsWith(JSON_OBJECT_INSTRUCTION), 'JSON mode is an instruction');
      } else {
        assert.deepEqual(raw.tool_choice, { type: 'function', function: { name: 'get_weather' } });
        assert.equal(raw.parallel_tool_calls, false);
        assert.deepEqual(raw.stop, ['END', ' ']);
        assert.equal(raw.temperature, 0.3);
        assert.equal(raw.top_p, 0.9);
        assert.equal(raw.user, 'u-42');
        assert.deepEqual(raw.response_format, { type: 'json_object' });
      }
    });

    test('a JSON Schema and tool_choice required/none', async () => {
      const { llm } = setup();
      const schema = { type: 'object', properties: { n: { type: 'number' } }, required: ['n'], additionalProperties: false };
      fake.script([{ text: '{"n":1}' }, { text: 'x' }]);
      await llm.complete(ask({ provider, options: { response_format: { type: 'json_schema', name: 'num', schema, strict: true }, tool_choice: { type: 'any' } } }));
      await llm.complete(ask({ provider, options: { tool_choice: { type: 'none' } } }));
      const [a, b] = fake.requests.map((r) => r.raw);
      if (provider === 'anthropic') {
        assert.deepEqual(a!.output_config, { format: { type: 'json_schema', schema } });
        assert.deepEqual(a!.tool_choice, { type: 'any' });
        assert.deepEqual(b!.tool_choice, { type: 'none' });
      } else {
        assert.deepEqual(a!.response_format, { type: 'json_schema', json_schema: { name: 'num', schema, strict: true } });
        assert.equal(a!.tool_choice, 'required');
        assert.equal(b!.tool_choice, 'none');
      }
    });

    test('images in a user message: a URL and inline bytes', async () => {
      const { llm } = setup();
      fake.script([{ text: 'A cat and a dot.' }]);
      await llm.complete(
        ask({
          provider,
          tools: [],
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'What is in these?' },
                { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
                { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
              ],
            },
          ],
        }),
      );
      const content = (fake.requests[0]!.raw.messages as Array<{ content: unknown }>)[provider === 'anthropic' ? 0 : 1]!.content;
      if (provider === 'anthropic')
        assert.deepEqual(content, [
          { type: 'text', text: 'What is in these?' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' }, cache_control: { type: 'ephemeral' } },
        ]);
      else
        assert.deepEqual(content, [
          { type: 'text', text: 'What is in these?' },
          { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        ]);
    });
  });
}

describe('a pinned provider', () => {
  test('is asked first whatever the order, with the model unchanged; a failure falls back to the next in the order', async () => {
    const { llm } = setup();
    llm.update({ order: ['openai', 'anthropic'], max_retries: 0 });
    fake.script([{ text: 'from claude' }]);
    const res = await llm.complete(ask({ provider: 'anthropic', model: 'claude-opus-4-6', tools: [] }));
    assert.equal(res.provider, 'anthropic');
    assert.equal(fake.requests[0]!.model, 'claude-opus-4-6');

    fake.reset();
    fake.script([{ error: { status: 500 } }], 'anthropic');
    fake.script([{ text: 'from gpt' }], 'openai');
    const fell = await llm.complete(ask({ provider: 'anthropic', model: 'claude-opus-4-6', tools: [] }));
    assert.equal(fell.provider, 'openai');
    assert.equal(fell.model, 'gpt-4.1', 'the fallback uses its own default model');
    assert.deepEqual(fell.fallbacks.map((f) => [f.provider, f.status]), [['anthropic', 500]]);
  });

  test('a compatible server gets any model name, even one shaped like a vendor model', async () => {
    const { llm } = setup({ OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' });
    llm.update({ providers: { compatible: { base_url: fake.openaiBaseUrl, model: 'llama3.1' } } });
    fake.script([{ text: 'hi' }]);
    await llm.complete(ask({ provider: 'compatible', model: 'gpt-4o', tools: [] }));
    assert.equal(fake.requests[0]!.model, 'gpt-4o');
  });

  test('that is not usable is refused before any call', async () => {
    const { llm } = setup({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl });
    await assert.rejects(llm.complete(ask({ provider: 'openai', model: 'gpt-4.1' })), (e: ZeblitError) => e.code === 'LLM_NOT_CONFIGURED' && /openai provider is not usable/.test(e.message));
    assert.equal(fake.requests.length, 0);
  });
});

describe('finalAfterOutput', () => {
  test('a stream that breaks after text reached the caller is not retried nor taken over by another provider', async () => {
    const { llm } = setup();
    fake.script([{ text: 'half of an answer that breaks', drop_after_chunks: 6, chunk_delay_ms: 20 }, { text: 'a second try' }], 'anthropic');
    fake.script([{ text: 'from the fallback' }], 'openai');
    const deltas: string[] = [];
    await assert.rejects(
      llm.complete(ask({ tools: [], finalAfterOutput: true, onEvent: (e) => e.type === 'text' && deltas.push(e.delta) })),
      (e: ZeblitError) => e.code === 'PROVIDER_ERROR' && /after part of the answer was sent/.test(e.message),
    );
    assert.ok(deltas.length > 0);
    assert.equal(fake.requests.length, 1, 'no retry, no fallback');
  });

  test('a failure before any output still retries and falls back', async () => {
    const { llm } = setup();
    fake.script([{ error: { status: 529 } }, { error: { status: 529 } }], 'anthropic');
    fake.script([{ text: 'from the fallback' }], 'openai');
    const res = await llm.complete(ask({ tools: [], finalAfterOutput: true }));
    assert.equal(res.provider, 'openai');
    assert.equal(fake.requests.length, 3);
  });
});

describe('model lists and resolution', () => {
  test("each usable provider's own list (kept a while); the configured models when the list cannot be had", async () => {
    const { llm } = setup();
    llm.update({ agent_models: { engineer: 'claude-opus-4-6' } });
    const models = await llm.models();
    assert.deepEqual(
      models.map((m) => `${m.provider}/${m.id}:${m.source}`),
      ['anthropic/fake-claude:provider', 'anthropic/fake-gpt:provider', 'openai/fake-claude:provider', 'openai/fake-gpt:provider'],
    );
    // Cached: a server that goes away is not noticed within the minute.
    await fake.close();
    try {
      assert.equal((await llm.models()).length, 4);
      // A configuration change drops the cache; the list cannot be had, so the configured models stand in.
      llm.update({ max_tokens: 4096 });
      assert.deepEqual(
        (await llm.models()).map((m) => `${m.provider}/${m.id}:${m.source}`),
        ['anthropic/claude-sonnet-4-6:config', 'anthropic/claude-opus-4-6:config', 'openai/gpt-4.1:config'],
      );
    } finally {
      fake = await FakeLlm.start({ port: Number(new URL(fake.url).port) });
    }
  });

  test('prefixed ids name the provider; bare names go to the configured, vendor or listing provider; else why not', async () => {
    const { llm } = setup({ ANTHROPIC_API_KEY: 'k', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl });
    assert.deepEqual(await llm.resolveModel('anthropic/claude-x'), { provider: 'anthropic', model: 'claude-x' });
    assert.deepEqual(await llm.resolveModel('claude-sonnet-4-6'), { provider: 'anthropic', model: 'claude-sonnet-4-6' });
    assert.deepEqual(await llm.resolveModel('claude-opus-4-1'), { provider: 'anthropic', model: 'claude-opus-4-1' });
    assert.deepEqual(await llm.resolveModel('fake-gpt'), { provider: 'anthropic', model: 'fake-gpt' }, 'listed by the anthropic provider');
    assert.match((await llm.resolveModel('openai/gpt-4.1')) && JSON.stringify(await llm.resolveModel('openai/gpt-4.1')), /openai provider is not usable: no API key/);
    assert.match(JSON.stringify(await llm.resolveModel('gpt-4.1')), /no configured provider serves a model named .*gpt-4\.1/);
    assert.match(JSON.stringify(await llm.resolveModel('anthropic/')), /names no model/);
  });
});

describe('embeddings', () => {
  test('from the openai provider: vectors in input order, tokens and cost recorded with the caller', async () => {
    const { llm } = setup();
    const res = await llm.embed({ provider: 'openai', model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 4, meta: { project_id: null, agent: null, conversation_id: null, key_id: 'key_e', client_type: 'openai' } });
    assert.deepEqual(res.embeddings, [fakeVector('alpha', 4), fakeVector('beta', 4)]);
    assert.equal(res.usage.input_tokens, 3);
    assert.equal(fake.embeddingRequests[0]!.raw.dimensions, 4);
    const call = llm.calls.recent(1)[0]!;
    assert.equal(call.outcome, 'ok');
    assert.equal(call.input_tokens, 3);
    assert.equal(call.key_id, 'key_e');
    assert.equal(call.client_type, 'openai');
    assert.ok(call.cost_usd > 0, 'text-embedding-3-small has a price');
  });

  test('anthropic has none (NOT_FOUND); a spent budget refuses before the provider', async () => {
    const { llm } = setup();
    await assert.rejects(llm.embed({ provider: 'anthropic', model: 'x', input: ['a'], meta: { project_id: null, agent: null, conversation_id: null } }), (e: ZeblitError) => e.code === 'NOT_FOUND' && /no embeddings/.test(e.message));
    const spent = setup(undefined, 0);
    await assert.rejects(spent.llm.embed({ provider: 'openai', model: 'text-embedding-3-small', input: ['a'], meta: { project_id: null, agent: null, conversation_id: null } }), (e: ZeblitError) => e.code === 'BUDGET_EXCEEDED');
    assert.equal(fake.embeddingRequests.length, 0);
    assert.equal(spent.llm.calls.recent(1)[0]!.outcome, 'refused');
  });
});

test('every record of a call carries the caller: key and client type', async () => {
  const { llm } = setup();
  fake.script([{ text: 'hi' }]);
  await llm.complete(ask({ tools: [] }));
  const call = llm.calls.recent(1)[0]!;
  assert.equal(call.key_id, 'key_x');
  assert.equal(call.client_type, 'openai');
});
