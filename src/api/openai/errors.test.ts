/**
 * Errors under /v1 through the real app (app.request): OpenAI's error shape
 * for every failure, the shared middleware's included, and the refusals
 * that tools act on (no provider, a spent budget, rate limits, the
 * provider's own refusals).
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { addUser, makeTestApp, manualClock } from '../testing.ts';
import { chat, oaiError, startUpstream } from './testing.ts';

const { fake, configure } = await startUpstream();

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
