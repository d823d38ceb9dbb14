/**
 * The service end to end against the fake LLM server, through the real
 * provider adapters and the official SDKs: retries, fallback, budgets,
 * cancellation, costs and the records of every attempt.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { ZeblitError } from '../contracts/index.ts';
import { openDatabase } from '../db/index.ts';
import { createProvider } from './providers/index.ts';
import { isCancelled, LlmService, modelFits } from './service.ts';
import { FakeLlm } from './testing/fake-llm.ts';
import type { LlmRequest } from './types.ts';

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

interface Setup {
  env?: Record<string, string>;
  caps?: { project?: number | null };
}

function setup(opts: Setup = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'zeblit-llm-service-'));
  dirs.push(dir);
  const database = openDatabase(join(dir, 'zeblit.db'));
  const project = { id: 'prj_1', name: 'shop', settings: { monthly_budget_usd: opts.caps?.project ?? null } };
  const warnings: string[] = [];
  const llm = new LlmService({
    db: database.db,
    secret: randomBytes(32),
    createProvider,
    env: opts.env ?? { ANTHROPIC_API_KEY: 'sk-ant-test', ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, OPENAI_API_KEY: 'sk-openai-test', OPENAI_BASE_URL: fake.openaiBaseUrl },
    projects: { findById: (id) => (id === project.id ? project : undefined) },
    backoff: { baseMs: 1, capMs: 5 },
    log: { warn: (_o, msg) => warnings.push(msg) },
  });
  return { llm, database, project, warnings };
}

const ask = (extra: Partial<LlmRequest> = {}): LlmRequest => ({
  system: 'You are terse.',
  messages: [{ role: 'user', content: [{ type: 'text', text: 'hello' }] }],
  tools: [],
  meta: { project_id: 'prj_1', agent: 'engineer', conversation_id: 'cnv_1' },
  ...extra,
});

describe('LlmService', () => {
  test('no usable provider: LLM_NOT_CONFIGURED with the way to configure one', async () => {
    const { llm } = setup({ env: {} });
    await assert.rejects(llm.complete(ask()), (e: unknown) => {
      assert.ok(e instanceof ZeblitError);
      assert.equal(e.code, 'LLM_NOT_CONFIGURED');
      assert.equal(e.message, 'No LLM provider is configured');
      assert.match(e.suggestion ?? '', /ANTHROPIC_API_KEY/);
      assert.match(e.suggestion ?? '', /zeblit config set anthropic\.api_key -/);
      assert.match(e.suggestion ?? '', /compatible\.base_url http:\/\/127\.0\.0\.1:11434\/v1/);
      return true;
    });
    assert.equal(fake.requests.length, 0);
  });

  test('cost = tokens × the price table, recorded with the call; text streams through onText', async () => {
    const { llm } = setup();
    fake.script([{ text: 'Hi there', usage: { input_tokens: 1234, output_tokens: 567, cache_read_tokens: 2000, cache_write_tokens: 300 } }], 'anthropic');
    const deltas: string[] = [];
    const res = await llm.complete(ask({ onText: (d) => deltas.push(d) }));
    assert.equal(res.provider, 'anthropic');
    assert.equal(res.model, 'claude-sonnet-4-6');
    assert.deepEqual(res.content, [{ type: 'text', text: 'Hi there' }]);
    assert.equal(deltas.join(''), 'Hi there');
    assert.deepEqual(res.usage, { input_tokens: 1234, output_tokens: 567, cache_read_tokens: 2000, cache_write_tokens: 300 });
    assert.equal(res.cost_usd, (1234 * 3 + 567 * 15 + 2000 * 0.3 + 300 * 3.75) / 1e6);
    const [call] = llm.calls.recent(1);
    assert.equal(call?.id, res.call_id);
    assert.equal(call?.cost_usd, res.cost_usd);
    assert.deepEqual([call?.outcome, call?.agent, call?.project_id, call?.conversation_id, call?.attempt], ['ok', 'engineer', 'prj_1', 'cnv_1', 1]);
    assert.equal(fake.requests[0]?.api_key, 'sk-ant-test');
  });

  test('Anthropic failing with 500 then 529: retries, then falls back to OpenAI, every attempt recorded', async () => {
    const { llm } = setup();
    fake.script([{ error: { status: 500 } }, { error: { status: 529, type: 'overloaded_error' } }, { error: { status: 529, type: 'overloaded_error' } }], 'anthropic');
    fake.script([{ text: 'from openai', usage: { input_tokens: 100, output_tokens: 10 } }], 'openai');
    const res = await llm.complete(ask());
    assert.equal(res.provider, 'openai');
    assert.equal(res.model, 'gpt-4.1');
    assert.equal(res.fallbacks.length, 1);
    assert.equal(res.fallbacks[0]?.provider, 'anthropic');
    assert.equal(res.cost_usd, (100 * 2 + 10 * 8) / 1e6);
    const calls = llm.calls.recent(10).reverse();
    assert.deepEqual(
      calls.map((c) => [c.provider, c.outcome, c.attempt, c.fallback_from]),
      [
        ['anthropic', 'error', 1, null],
        ['anthropic', 'error', 2, null],
        ['anthropic', 'error', 3, null],
        ['openai', 'ok', 1, 'anthropic'],
      ],
    );
    assert.match(calls[2]?.error ?? '', /529/);
    assert.deepEqual(fake.requests.map((r) => r.vendor), ['anthropic', 'anthropic', 'anthropic', 'openai']);
  });

  test('a 429 with retry-after is retried on the same provider and then succeeds', async () => {
    const { llm } = setup();
    fake.script([{ error: { status: 429, type: 'rate_limit_error', retry_after_seconds: 1 } }, { text: 'second time' }], 'anthropic');
    const res = await llm.complete(ask());
    assert.equal(res.provider, 'anthropic');
    assert.deepEqual(res.fallbacks, []);
    assert.deepEqual(llm.calls.recent(10).reverse().map((c) => [c.outcome, c.attempt]), [['error', 1], ['ok', 2]]);
  });

  test('a 401 is not retried: the next provider is asked at once', async () => {
    const { llm } = setup();
    fake.script([{ error: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' } }], 'anthropic');
    const res = await llm.complete(ask());
    assert.equal(res.provider, 'openai');
    assert.deepEqual(fake.requests.map((r) => r.vendor), ['anthropic', 'openai']);
    assert.match(res.fallbacks[0]?.error ?? '', /401|invalid/);
  });

  test('all providers failing: PROVIDER_ERROR naming each one', async () => {
    const { llm } = setup();
    llm.update({ max_retries: 0 });
    fake.script([{ error: { status: 503 } }], 'anthropic');
    fake.script([{ error: { status: 400, message: 'bad model' } }], 'openai');
    await assert.rejects(llm.complete(ask()), (e: unknown) => e instanceof ZeblitError && e.code === 'PROVIDER_ERROR' && /^anthropic: .* ; openai: .*/.test(e.message) && Boolean(e.suggestion));
  });

  test('budgets refuse BEFORE any provider is reached, and the refusal is recorded', async () => {
    const { llm, project } = setup();
    fake.script([{ text: 'spend', usage: { input_tokens: 1_000_000, output_tokens: 0 } }], 'anthropic');
    await llm.complete(ask()); // $3.00
    const before = fake.requests.length;

    project.settings.monthly_budget_usd = 3;
    await assert.rejects(llm.complete(ask()), (e: unknown) => e instanceof ZeblitError && e.code === 'BUDGET_EXCEEDED' && /project shop \(\$3\.00\) is spent: \$3\.00/.test(e.message));
    project.settings.monthly_budget_usd = null;
    llm.update({ budgets: { global_monthly_usd: 2.5 } });
    await assert.rejects(llm.complete(ask({ meta: { project_id: null, agent: null, conversation_id: null } })), /global monthly budget \(\$2\.50\)/);
    await assert.rejects(llm.complete(ask({ turnCostLimitUsd: 0.1, turnCostSoFarUsd: 0.2 })), /turn/);

    assert.equal(fake.requests.length, before, 'no request reached the provider');
    assert.deepEqual(llm.calls.recent(3).map((c) => c.outcome), ['refused', 'refused', 'refused']);
    const report = llm.usage({ group_by: 'project', project_id: 'prj_1' });
    assert.equal(report.totals.cost_usd, 3);
    assert.deepEqual(report.budgets.map((b) => [b.scope, b.limit_usd, b.spent_usd]), [['global', 2.5, 3], ['project', null, 3]]);
    assert.equal(report.groups[0]?.label, 'shop');
  });

  test('aborting the signal ends the call as cancelled, recognisable by isCancelled', async () => {
    const { llm } = setup();
    fake.script([{ text: 'slow', delay_ms: 10_000 }], 'anthropic');
    const ctrl = new AbortController();
    const pending = llm.complete(ask({ signal: ctrl.signal }));
    while (fake.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ctrl.abort();
    await assert.rejects(pending, (e: unknown) => isCancelled(e));
    assert.equal(llm.calls.recent(1)[0]?.outcome, 'cancelled');
    assert.equal(fake.requests.length, 1, 'no fallback after a cancel');
  });

  test('models: the request model only for its vendor, then the agent override, then the default', async () => {
    const { llm } = setup();
    llm.update({ agent_models: { engineer: 'claude-opus-4-5', architect: 'gpt-4.1-mini' } });
    await llm.complete(ask({ model: 'claude-haiku-4-5' }));
    await llm.complete(ask({ model: 'gpt-4o' })); // not Anthropic's: the agent override
    await llm.complete(ask({ meta: { project_id: null, agent: 'architect', conversation_id: null } })); // override for OpenAI only: the default
    llm.update({ order: ['openai', 'anthropic'] });
    await llm.complete(ask({ meta: { project_id: null, agent: 'architect', conversation_id: null } }));
    assert.deepEqual(fake.requests.map((r) => r.model), ['claude-haiku-4-5', 'claude-opus-4-5', 'claude-sonnet-4-6', 'gpt-4.1-mini']);
    assert.ok(modelFits('llama3.1', 'compatible') && !modelFits('claude-x', 'compatible') && modelFits('o3-mini', 'openai'));
  });

  test('a config change rebuilds the provider clients (new key, new base URL)', async () => {
    const { llm } = setup();
    await llm.complete(ask());
    llm.update({ providers: { anthropic: { api_key: 'sk-ant-stored-2' } } });
    await llm.complete(ask());
    assert.deepEqual(fake.requests.map((r) => r.api_key), ['sk-ant-test', 'sk-ant-stored-2']);
  });

  test('a compatible server (OpenAI wire format) with its own model and no key', async () => {
    const { llm } = setup({ env: {} });
    llm.update({ providers: { compatible: { base_url: fake.openaiBaseUrl, model: 'llama3.1' } } });
    fake.script([{ text: 'local', usage: { input_tokens: 10, output_tokens: 5 } }]);
    const res = await llm.complete(ask());
    assert.deepEqual([res.provider, res.model, res.cost_usd], ['compatible', 'llama3.1', 0]);
  });
});
