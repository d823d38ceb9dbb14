/** Which vendor a model name belongs to, and so which providers may be sent it. */
import type { ProviderName } from '../contracts/index.ts';

/** The vendor a model name belongs to; null: neither (a local or other OpenAI-compatible model). */
export function vendorOf(model: string): 'anthropic' | 'openai' | null {
  if (/^claude-/i.test(model)) return 'anthropic';
  if (/^(gpt-|chatgpt-|o1|o3|o4|text-embedding-)/i.test(model)) return 'openai';
  return null;
}

/** Whether a model may be sent to this provider: vendor models to their vendor, any other name to a compatible server. */
export function modelFits(model: string, provider: ProviderName): boolean {
  const vendor = vendorOf(model);
  return provider === 'compatible' ? vendor === null : vendor === provider;
}
