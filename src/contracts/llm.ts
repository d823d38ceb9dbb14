import { z } from 'zod';

/**
 * LLM providers, their configuration, and what every call cost. Provider keys
 * travel only inward (PUT); what comes back says whether a key is set and
 * where it came from, never the key.
 */
export const PROVIDER_NAMES = ['anthropic', 'openai', 'compatible'] as const;
export const ProviderName = z.enum(PROVIDER_NAMES).describe('anthropic (Messages API), openai (Chat Completions), compatible (any OpenAI-compatible server: Ollama, LM Studio, vLLM)');
export type ProviderName = z.infer<typeof ProviderName>;

export const KeySource = z.enum(['config', 'env']);

export const ProviderView = z.object({
  name: ProviderName,
  enabled: z.boolean(),
  base_url: z.string().nullable().describe('null: the vendor default (or ANTHROPIC_BASE_URL / OPENAI_BASE_URL)'),
  effective_base_url: z.string().nullable(),
  model: z.string().nullable().describe('Default model of this provider'),
  key_set: z.boolean(),
  key_source: KeySource.nullable(),
  key_hint: z.string().nullable().describe('Last four characters of the key, e.g. "…f3a9"'),
  usable: z.boolean().describe('Enabled and configured well enough to be called'),
});
export type ProviderView = z.infer<typeof ProviderView>;

/** USD per million tokens. */
export const ModelPrice = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cache_read: z.number().min(0).optional(),
  cache_write: z.number().min(0).optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const LlmConfigView = z.object({
  providers: z.array(ProviderView),
  order: z.array(ProviderName).describe('Tried in this order; the next one is the fallback'),
  agent_models: z.record(z.string(), z.string()).describe('Per-agent model overrides (agent name → model)'),
  prices: z.record(z.string(), ModelPrice).describe('The price table in force: built-in prices with config overrides applied'),
  price_overrides: z.record(z.string(), ModelPrice),
  budgets: z.object({ global_monthly_usd: z.number().nullable() }),
  timeout_ms: z.number().int(),
  max_retries: z.number().int(),
  max_tokens: z.number().int(),
});
export type LlmConfigView = z.infer<typeof LlmConfigView>;

const HttpUrl = z
  .string()
  .max(2048)
  .refine((s) => /^https?:\/\/[^\s]+$/i.test(s), 'must be an http:// or https:// URL');

export const ProviderUpdate = z.strictObject({
  enabled: z.boolean().optional(),
  api_key: z.string().min(1).max(4096).nullable().optional().describe('null removes the stored key'),
  base_url: HttpUrl.nullable().optional().describe('null: back to the default'),
  model: z.string().min(1).max(200).nullable().optional(),
});
export type ProviderUpdate = z.infer<typeof ProviderUpdate>;

export const LlmConfigUpdate = z
  .strictObject({
    providers: z.strictObject({ anthropic: ProviderUpdate.optional(), openai: ProviderUpdate.optional(), compatible: ProviderUpdate.optional() }).optional(),
    order: z.array(ProviderName).min(1).max(3).refine((o) => new Set(o).size === o.length, 'each provider at most once').optional(),
    agent_models: z.record(z.string(), z.string().min(1).max(200).nullable()).optional().describe('null removes an override'),
    price_overrides: z.record(z.string().min(1).max(200), ModelPrice.nullable()).optional().describe('null removes an override'),
    budgets: z.strictObject({ global_monthly_usd: z.number().min(0).nullable() }).optional(),
    timeout_ms: z.number().int().min(1_000).max(600_000).optional(),
    max_retries: z.number().int().min(0).max(10).optional(),
    max_tokens: z.number().int().min(256).max(200_000).optional(),
  })
  .refine((v) => Object.keys(v).length > 0, 'nothing to update');
export type LlmConfigUpdate = z.infer<typeof LlmConfigUpdate>;

export const TokenUsage = z.object({
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_read_tokens: z.number().int(),
  cache_write_tokens: z.number().int(),
});
export type TokenUsage = z.infer<typeof TokenUsage>;

export const CallOutcome = z.enum(['ok', 'error', 'cancelled', 'refused']);

/** One recorded LLM call. */
export const LlmCall = TokenUsage.extend({
  id: z.string(),
  provider: ProviderName,
  model: z.string(),
  agent: z.string().nullable(),
  project_id: z.string().nullable(),
  conversation_id: z.string().nullable(),
  key_id: z.string().nullable().describe('The API key of the request behind the call; null: the socket owner or the daemon itself'),
  client_type: z.string().nullable().describe("That key's client type (cli, editor, openai…)"),
  cost_usd: z.number(),
  latency_ms: z.number().int(),
  outcome: CallOutcome,
  error: z.string().nullable(),
  fallback_from: ProviderName.nullable().describe('Set when this call is a fallback after another provider failed'),
  attempt: z.number().int(),
  created_at: z.number().int(),
});
export type LlmCall = z.infer<typeof LlmCall>;

export const UsageGroupBy = z.enum(['project', 'agent', 'model', 'provider', 'client', 'day']).describe('client: the client type of the key behind the calls (cli, editor, openai…; none: the socket owner or the daemon)');
export const UsageQuery = z.object({
  group_by: UsageGroupBy.default('day'),
  project: z.string().max(100).optional().describe('Project id or name'),
  since: z.coerce.number().int().min(0).optional().describe('UTC ms; default: the start of this month'),
  until: z.coerce.number().int().min(0).optional(),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

export const UsageTotals = TokenUsage.extend({ calls: z.number().int(), errors: z.number().int(), cost_usd: z.number() });
export type UsageTotals = z.infer<typeof UsageTotals>;

export const BudgetState = z.object({
  scope: z.enum(['global', 'project']),
  project_id: z.string().nullable(),
  month: z.string().describe('YYYY-MM (UTC)'),
  limit_usd: z.number().nullable(),
  spent_usd: z.number(),
  remaining_usd: z.number().nullable(),
});
export type BudgetState = z.infer<typeof BudgetState>;

export const UsageReport = z.object({
  group_by: UsageGroupBy,
  since: z.number().int(),
  until: z.number().int(),
  totals: UsageTotals,
  groups: z.array(UsageTotals.extend({ key: z.string().nullable(), label: z.string().nullable() })),
  budgets: z.array(BudgetState),
});
export type UsageReport = z.infer<typeof UsageReport>;

/** One provider asked for the smallest answer it can give (POST /config/llm/check, `zeblit doctor --providers`). */
export const ProviderCheck = z.object({
  provider: ProviderName,
  ok: z.boolean(),
  model: z.string().nullable(),
  latency_ms: z.number().int().nullable(),
  cost_usd: z.number(),
  error: z.string().nullable(),
  skipped: z.string().nullable().describe('Why it was not called (disabled, no key, no model); null when it was'),
});
export type ProviderCheck = z.infer<typeof ProviderCheck>;
export const ProviderCheckReport = z.object({ providers: z.array(ProviderCheck) });
export type ProviderCheckReport = z.infer<typeof ProviderCheckReport>;
