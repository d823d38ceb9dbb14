/** The LLM domain: configuration with sealed keys, prices, call records, budgets, and the service agents call. */
export { LlmService, LlmCancelledError, isCancelled, modelFits, vendorOf, type LlmServiceOptions, type EmbedRequest, type EmbedResponse, type ProviderFactory, type Backoff, type LlmLog } from './service.ts';
export { LlmConfigStore, DEFAULT_MODELS, type ResolvedConfig, type ResolvedProvider } from './config.ts';
export { BUILTIN_PRICES, costOf, priceFor, priceTable } from './pricing.ts';
export { CallLog, monthKey, monthStart, type CallRecord, type UsageGroup } from './calls.ts';
export { Budgets, type ProjectLookup } from './budget.ts';
export { createProvider, invalidToolArguments, INVALID_JSON_KEY } from './providers/index.ts';
export { SecretBox, SealedSecretError } from './secrets.ts';
export { ProviderFailure } from './types.ts';
export type * from './types.ts';
export * as llmTables from './llm.sql.ts';
export { ModelCatalog, configuredModels, type ModelEntry, type ModelCatalogOptions } from './models.ts';
export * as openaiCompat from './openai-compat/index.ts';
