/**
 * What a call costs: a built-in price table in USD per million tokens (the
 * vendors' list prices), config overrides on top. A model is found by its
 * exact name first, then by the longest name that prefixes it, so a dated id
 * (claude-sonnet-4-5-20250929, gpt-4.1-2025-04-14) takes its family's price.
 * An unknown model costs 0 and says so (`priced: false`).
 */
import type { ModelPrice, TokenUsage } from '../contracts/index.ts';

export const BUILTIN_PRICES: Readonly<Record<string, ModelPrice>> = {
  // Anthropic: cache_write is the 5-minute cache write price.
  'claude-opus-4-6': { input: 5, output: 25, cache_read: 0.5, cache_write: 6.25 },
  'claude-opus-4-5': { input: 5, output: 25, cache_read: 0.5, cache_write: 6.25 },
  'claude-opus-4-1': { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 },
  'claude-opus-4': { input: 15, output: 75, cache_read: 1.5, cache_write: 18.75 },
  'claude-sonnet-4-6': { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  'claude-sonnet-4-5': { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  'claude-sonnet-4': { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  'claude-haiku-4-5': { input: 1, output: 5, cache_read: 0.1, cache_write: 1.25 },
  'claude-3-7-sonnet': { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cache_read: 0.08, cache_write: 1 },
  // OpenAI: cache_read is the cached-input price; OpenAI has no cache write charge.
  'gpt-5': { input: 1.25, output: 10, cache_read: 0.125, cache_write: 0 },
  'gpt-5-mini': { input: 0.25, output: 2, cache_read: 0.025, cache_write: 0 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cache_read: 0.005, cache_write: 0 },
  'gpt-4.1': { input: 2, output: 8, cache_read: 0.5, cache_write: 0 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6, cache_read: 0.1, cache_write: 0 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4, cache_read: 0.025, cache_write: 0 },
  'gpt-4o': { input: 2.5, output: 10, cache_read: 1.25, cache_write: 0 },
  'gpt-4o-mini': { input: 0.15, output: 0.6, cache_read: 0.075, cache_write: 0 },
  o1: { input: 15, output: 60, cache_read: 7.5, cache_write: 0 },
  'o1-mini': { input: 1.1, output: 4.4, cache_read: 0.55, cache_write: 0 },
  'o1-pro': { input: 150, output: 600, cache_write: 0 },
  o3: { input: 2, output: 8, cache_read: 0.5, cache_write: 0 },
  'o3-mini': { input: 1.1, output: 4.4, cache_read: 0.55, cache_write: 0 },
  'o3-pro': { input: 20, output: 80, cache_write: 0 },
  'o4-mini': { input: 1.1, output: 4.4, cache_read: 0.275, cache_write: 0 },
  // OpenAI embeddings: input only.
  'text-embedding-3-small': { input: 0.02, output: 0, cache_write: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0, cache_write: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0, cache_write: 0 },
};

export interface PriceLookup {
  price: ModelPrice | null;
  /** The table entry that matched (the model itself or a prefix of it). */
  matched: string | null;
  priced: boolean;
}

/** The table in force: built-in prices with the overrides applied. */
export function priceTable(overrides: Readonly<Record<string, ModelPrice>> = {}): Record<string, ModelPrice> {
  return { ...BUILTIN_PRICES, ...overrides };
}

export function priceFor(model: string, overrides: Readonly<Record<string, ModelPrice>> = {}): PriceLookup {
  // Overrides win at each step: an exact override, then an exact built-in, then the longest prefix among both.
  const table = priceTable(overrides);
  const exact = table[model];
  if (exact) return { price: exact, matched: model, priced: true };
  let best: string | null = null;
  for (const name of Object.keys(table)) if (model.startsWith(name) && (best === null || name.length > best.length)) best = name;
  const price = best === null ? undefined : table[best];
  return price ? { price, matched: best, priced: true } : { price: null, matched: null, priced: false };
}

/**
 * USD for these tokens at this price. A price without cache rates charges
 * cached tokens as plain input (the conservative reading).
 */
export function costOf(usage: TokenUsage, price: ModelPrice | null): number {
  if (!price) return 0;
  const cacheRead = price.cache_read ?? price.input;
  const cacheWrite = price.cache_write ?? price.input;
  return (usage.input_tokens * price.input + usage.output_tokens * price.output + usage.cache_read_tokens * cacheRead + usage.cache_write_tokens * cacheWrite) / 1e6;
}
