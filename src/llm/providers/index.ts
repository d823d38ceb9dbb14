/** The vendor adapters: one function builds the Provider for a configured name. The SDKs stay in this folder. */
import type { ProviderName } from '../../contracts/index.ts';
import type { Provider } from '../types.ts';
import { createAnthropicProvider } from './anthropic.ts';
import { createOpenAIProvider } from './openai.ts';

export { createAnthropicProvider, type AnthropicProviderOptions } from './anthropic.ts';
export { createOpenAIProvider, type OpenAIProviderOptions } from './openai.ts';
export { INVALID_JSON_KEY, invalidToolArguments } from './tool-input.ts';

export interface ProviderOptions {
  apiKey: string;
  /** '' or null: the vendor's public endpoint ('compatible' has none and fails every call without one). */
  baseURL?: string | null;
  timeoutMs: number;
}

/** Fits LlmService's `createProvider` option. */
export function createProvider(name: ProviderName, opts: ProviderOptions): Provider {
  if (name === 'anthropic') return createAnthropicProvider(opts);
  return createOpenAIProvider({ name, ...opts });
}
