import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILTIN_PRICES, costOf, priceFor, priceTable } from './pricing.ts';

test('exact names, then the longest prefix, so dated ids resolve to their family', () => {
  assert.equal(priceFor('gpt-4.1').matched, 'gpt-4.1');
  assert.equal(priceFor('gpt-4.1-mini-2025-04-14').matched, 'gpt-4.1-mini');
  assert.equal(priceFor('gpt-4.1-2025-04-14').matched, 'gpt-4.1');
  assert.equal(priceFor('claude-sonnet-4-5-20250929').matched, 'claude-sonnet-4-5');
  assert.equal(priceFor('claude-sonnet-4-20250514').matched, 'claude-sonnet-4');
  assert.equal(priceFor('claude-haiku-4-5').price?.input, 1);
  assert.equal(priceFor('o4-mini-2025-04-16').matched, 'o4-mini');
  assert.equal(priceFor('gpt-4o-mini').matched, 'gpt-4o-mini');
});

test('unknown models cost 0 and say they are not priced', () => {
  const p = priceFor('llama3.1:8b');
  assert.deepEqual(p, { price: null, matched: null, priced: false });
  assert.equal(costOf({ input_tokens: 1e6, output_tokens: 1e6, cache_read_tokens: 0, cache_write_tokens: 0 }, p.price), 0);
});

test('overrides win over built-in prices, exactly and by prefix', () => {
  const overrides = { 'gpt-4.1': { input: 9, output: 9 }, 'llama3': { input: 0.1, output: 0.2 } };
  assert.equal(priceFor('gpt-4.1', overrides).price?.input, 9);
  assert.equal(priceFor('gpt-4.1-2025-04-14', overrides).price?.input, 9);
  assert.equal(priceFor('llama3.1:8b', overrides).matched, 'llama3');
  assert.equal(priceTable(overrides)['gpt-4.1']?.input, 9);
  assert.equal(BUILTIN_PRICES['gpt-4.1']?.input, 2, 'the built-in table is untouched');
});

test('cost = (input×in + output×out + cache_read×cr + cache_write×cw) / 1e6; missing cache prices charge as input', () => {
  const usage = { input_tokens: 1200, output_tokens: 350, cache_read_tokens: 4000, cache_write_tokens: 800 };
  assert.equal(costOf(usage, { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }), (1200 * 3 + 350 * 15 + 4000 * 0.3 + 800 * 3.75) / 1e6);
  assert.equal(costOf(usage, { input: 2, output: 8 }), (1200 * 2 + 350 * 8 + 4000 * 2 + 800 * 2) / 1e6);
});
