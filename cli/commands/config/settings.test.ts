import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSecretKey, parseSet, parseUnset, readKey, readTelegramKey } from './settings.ts';
import type { LlmConfigView, TelegramConfigView } from '../../../src/contracts/index.ts';

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

test('telegram keys: the token (a secret, checked for its shape) and the allow-list', () => {
  const token = '7012345678:AAE-abcdefghijklmnop_qrst';
  assert.ok(isSecretKey('telegram.bot_token') && !isSecretKey('telegram.allowed_users'));
  assert.deepEqual(parseSet('telegram.bot_token', ` ${token}\n`), { kind: 'telegram', patch: { bot_token: token } });
  assert.throws(() => parseSet('telegram.bot_token', 'sk-ant-oops'), /token @BotFather gave you/);
  assert.deepEqual(parseSet('telegram.allowed_users', '1001, 2002,1001'), { kind: 'telegram', patch: { allowed_users: [1001, 2002] } });
  assert.deepEqual(parseSet('telegram.allowed_users', 'none'), { kind: 'telegram', patch: { allowed_users: [] } });
  assert.throws(() => parseSet('telegram.allowed_users', '1001,@bob'), /not ids: @bob/);
  assert.throws(() => parseSet('telegram.colour', 'x'), /Unknown setting "telegram\.colour"\. Valid keys: .*telegram\.bot_token/);
  assert.deepEqual(parseUnset('telegram.bot_token'), { kind: 'telegram', patch: { bot_token: null } });
  assert.deepEqual(parseUnset('telegram.allowed_users'), { kind: 'telegram', patch: { allowed_users: null } });
});

test('telegram get never shows the token', () => {
  const view: TelegramConfigView = {
    token_set: true,
    token_source: 'config',
    token_hint: '…qrst',
    allowed_users: [1001],
    env_allowed_users: [2002, 1001],
    problem: null,
    bot: { state: 'running', pid: 4242, restarts: 1, last_error: null, since: 1, username: 'zeblit_bot' },
  };
  assert.equal(readTelegramKey(view, 'telegram.bot_token'), 'set (config, …qrst)');
  assert.equal(readTelegramKey(view, 'telegram.allowed_users'), '1001,2002');
  assert.equal(readTelegramKey(view, 'telegram.bot'), 'running (pid 4242, @zeblit_bot, 1 restart)');
  assert.equal(readTelegramKey({ ...view, allowed_users: [], env_allowed_users: [] }, 'telegram.allowed_users'), 'anyone who links');
});
