import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSecretKey, parseSet, parseUnset, readKey } from './settings.ts';
import type { LlmConfigView } from '../../../src/contracts/index.ts';

test('set: each key becomes the matching change', () => {
  assert.deepEqual(parseSet('anthropic.api_key', 'sk-1'), { kind: 'llm', patch: { providers: { anthropic: { api_key: 'sk-1' } } } });
  assert.deepEqual(parseSet('openai.enabled', 'no'), { kind: 'llm', patch: { providers: { openai: { enabled: false } } } });
  assert.deepEqual(parseSet('order', 'openai, anthropic'), { kind: 'llm', patch: { order: ['openai', 'anthropic'] } });
  assert.deepEqual(parseSet('model.engineer', 'gpt-4.1'), { kind: 'llm', patch: { agent_models: { engineer: 'gpt-4.1' } } });
  assert.deepEqual(parseSet('price.my-model', '1,2,0.1'), { kind: 'llm', patch: { price_overrides: { 'my-model': { input: 1, output: 2, cache_read: 0.1 } } } });
  assert.deepEqual(parseSet('budget.global', '$12.5'), { kind: 'llm', patch: { budgets: { global_monthly_usd: 12.5 } } });
  assert.deepEqual(parseSet('budget.global', 'none'), { kind: 'llm', patch: { budgets: { global_monthly_usd: null } } });
  assert.deepEqual(parseSet('budget.project', '5'), { kind: 'project-budget', usd: 5 });
  assert.deepEqual(parseSet('timeout_ms', '60000'), { kind: 'llm', patch: { timeout_ms: 60000 } });
  assert.ok(isSecretKey('compatible.api_key') && !isSecretKey('compatible.model'));
});

test('set: mistakes are usage errors that say what is expected', () => {
  assert.throws(() => parseSet('anthropic.colour', 'x'), /Unknown setting "anthropic\.colour"\. Valid keys: .*openai\.base_url.*max_tokens/);
  assert.throws(() => parseSet('model.wizard', 'x'), /Unknown agent "wizard".*engineer/);
  assert.throws(() => parseSet('order', 'openai,mistral'), /unknown: mistral/);
  assert.throws(() => parseSet('price.x', '1'), /input,output/);
  assert.throws(() => parseSet('price.x', '1,abc'), /must be a number/);
  assert.throws(() => parseSet('budget.project', '-1'), />= 0/);
  assert.throws(() => parseSet('max_retries', '1.5'), /integer/);
  assert.throws(() => parseSet('openai.enabled', 'maybe'), /true or false/);
  assert.throws(() => parseSet('openai.model', ' '), /needs a value/);
});

test('unset resets to the default or removes', () => {
  assert.deepEqual(parseUnset('openai.api_key'), { kind: 'llm', patch: { providers: { openai: { api_key: null } } } });
  assert.deepEqual(parseUnset('compatible.enabled'), { kind: 'llm', patch: { providers: { compatible: { enabled: true } } } });
  assert.deepEqual(parseUnset('order'), { kind: 'llm', patch: { order: ['anthropic', 'openai', 'compatible'] } });
  assert.deepEqual(parseUnset('max_tokens'), { kind: 'llm', patch: { max_tokens: 8192 } });
  assert.deepEqual(parseUnset('budget.project'), { kind: 'project-budget', usd: null });
});

test('get never shows a key', () => {
  const provider = { name: 'anthropic' as const, enabled: true, base_url: null, effective_base_url: 'https://api.anthropic.com', model: 'claude-sonnet-4-5', key_set: true, key_source: 'env' as const, key_hint: '…abcd', usable: true };
  const view: LlmConfigView = { providers: [provider], order: ['anthropic'], agent_models: {}, prices: {}, price_overrides: {}, budgets: { global_monthly_usd: null }, timeout_ms: 1, max_retries: 2, max_tokens: 3 };
  assert.equal(readKey(view, 'anthropic.api_key'), 'set (env, …abcd)');
  assert.equal(readKey(view, 'anthropic.base_url'), 'https://api.anthropic.com (default)');
  assert.equal(readKey(view, 'order'), 'anthropic');
});
