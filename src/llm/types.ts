/**
 * The provider-neutral shape of a model call. Agents speak only this; each
 * provider adapter (./providers/) translates it to its vendor's wire format
 * and back. Modelled on Anthropic's content blocks, which carry everything
 * both vendors need.
 */
import type { ProviderName, TokenUsage } from '../contracts/index.ts';

export type TextBlock = { type: 'text'; text: string };
export type ToolUseBlock = { type: 'tool_use'; id: string; name: string; input: unknown };
export type ToolResultBlock = { type: 'tool_result'; tool_use_id: string; content: string; is_error?: boolean };
export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock;

/** user messages carry text and tool results; assistant messages carry text and tool uses. */
export interface LlmMessage {
  role: 'user' | 'assistant';
  content: ContentBlock[];
}

export interface LlmTool {
  name: string;
  description: string;
  /** JSON Schema of the input (an object schema). */
  input_schema: Record<string, unknown>;
}

export type StopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal' | 'other';

/** Who is calling, for cost records and budgets. */
export interface CallMeta {
  project_id: string | null;
  agent: string | null;
  conversation_id: string | null;
}

export interface LlmRequest {
  system: string;
  messages: LlmMessage[];
  tools: LlmTool[];
  /** The model asked for; null/undefined: the provider's default model. A model meant for one vendor is not sent to another. */
  model?: string | null;
  max_tokens?: number;
  meta: CallMeta;
  /** Text as it streams (deltas of text blocks only). */
  onText?: (delta: string) => void;
  signal?: AbortSignal;
  /** Refuse the call when this turn has already spent this much (USD); checked with the budgets. */
  turnCostLimitUsd?: number;
  turnCostSoFarUsd?: number;
}

export interface LlmResponse {
  provider: ProviderName;
  model: string;
  content: Array<TextBlock | ToolUseBlock>;
  stop_reason: StopReason;
  usage: TokenUsage;
  cost_usd: number;
  latency_ms: number;
  /** Id of the llm_calls row of the successful call. */
  call_id: string;
  /** Providers that failed before this one answered, in order. */
  fallbacks: Array<{ provider: ProviderName; error: string }>;
}

/** What a provider adapter is given: one vendor, one model, no retries (the service retries and falls back). */
export interface ProviderCall {
  model: string;
  system: string;
  messages: LlmMessage[];
  tools: LlmTool[];
  max_tokens: number;
  onText?: (delta: string) => void;
  signal: AbortSignal;
}

export interface ProviderResult {
  model: string;
  content: Array<TextBlock | ToolUseBlock>;
  stop_reason: StopReason;
  usage: TokenUsage;
}

/**
 * One vendor. `call` throws ProviderFailure for anything that went wrong, with
 * `retryable` saying whether the same call may succeed later (429, 5xx,
 * network, timeout) and `status` the HTTP status when there was one.
 */
export interface Provider {
  readonly name: ProviderName;
  call(req: ProviderCall): Promise<ProviderResult>;
}

export class ProviderFailure extends Error {
  readonly provider: ProviderName;
  readonly status: number | null;
  readonly retryable: boolean;
  /** Seconds the vendor asked us to wait (retry-after), when it said. */
  readonly retryAfterSeconds: number | null;
  readonly cancelled: boolean;

  constructor(
    provider: ProviderName,
    message: string,
    opts: { status?: number | null; retryable: boolean; retryAfterSeconds?: number | null; cancelled?: boolean; cause?: unknown },
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'ProviderFailure';
    this.provider = provider;
    this.status = opts.status ?? null;
    this.retryable = opts.retryable;
    this.retryAfterSeconds = opts.retryAfterSeconds ?? null;
    this.cancelled = opts.cancelled ?? false;
  }
}

/** What the agents hold: the service that picks a provider, retries, falls back, budgets and records. */
export interface LlmClient {
  complete(req: LlmRequest): Promise<LlmResponse>;
}
