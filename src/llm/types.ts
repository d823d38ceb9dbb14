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
/** An image a user message shows the model: a URL the vendor fetches, or the bytes (base64) with their media type. */
export type ImageBlock = { type: 'image'; source: { type: 'url'; url: string } | { type: 'base64'; media_type: string; data: string } };
export type ContentBlock = TextBlock | ImageBlock | ToolUseBlock | ToolResultBlock;

/** user messages carry text, images and tool results; assistant messages carry text and tool uses. */
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
  /** The API key the request came with (null: the socket owner, or the daemon itself). */
  key_id?: string | null;
  /** That key's client type (a label: cli, editor, openai…). */
  client_type?: string | null;
}

/** Which tool the model must (or must not) use; Anthropic's names, which say it most plainly. */
export type ToolChoice = { type: 'auto' } | { type: 'none' } | { type: 'any' } | { type: 'tool'; name: string };

/** The shape the answer must take: any JSON object, or one that fits a JSON Schema. */
export type ResponseFormat = { type: 'json_object' } | { type: 'json_schema'; name: string; schema: Record<string, unknown>; strict?: boolean; description?: string };

/**
 * What a caller may ask of a call beyond the conversation (the OpenAI-compatible
 * endpoint passes its clients' choices through). Each adapter sends what its
 * vendor knows and documents what it cannot.
 */
export interface CallOptions {
  temperature?: number;
  top_p?: number;
  stop?: string[];
  tool_choice?: ToolChoice;
  /** false: at most one tool call per answer. */
  parallel_tool_calls?: boolean;
  response_format?: ResponseFormat;
  /** An id of the end user, passed on for the vendor's abuse tracking. */
  user?: string;
  /** OpenAI-style providers only (Anthropic has no such knobs). */
  frequency_penalty?: number;
  presence_penalty?: number;
}

/**
 * What streams out of a call as it happens: text deltas, and tool calls as
 * they are written (the call's id and name first, then its arguments in JSON
 * pieces). `index` counts the answer's tool calls from 0.
 */
export type StreamEvent =
  | { type: 'text'; delta: string }
  | { type: 'tool_call'; index: number; id: string; name: string }
  | { type: 'tool_arguments'; index: number; delta: string };

export interface LlmRequest {
  system: string;
  messages: LlmMessage[];
  tools: LlmTool[];
  /** The model asked for; null/undefined: the provider's default model. A model meant for one vendor is not sent to another. */
  model?: string | null;
  /**
   * Ask this provider first, with `model` as given (no vendor check: a
   * compatible server may serve any name); the other usable providers follow
   * in the configured order as fallbacks, with their own default models.
   */
  provider?: ProviderName;
  max_tokens?: number;
  options?: CallOptions;
  meta: CallMeta;
  /** Text as it streams (deltas of text blocks only). */
  onText?: (delta: string) => void;
  /** Text and tool calls as they stream. */
  onEvent?: (e: StreamEvent) => void;
  /**
   * Once anything streamed to the caller, a failure is final: no retry, no
   * fallback. For a relay that cannot take back what it sent (the
   * OpenAI-compatible stream); the agents keep the default (false).
   */
  finalAfterOutput?: boolean;
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
  fallbacks: ProviderFailureNote[];
}

/** A provider's last failure in a call (PROVIDER_ERROR carries them as details.failures). */
export interface ProviderFailureNote {
  provider: ProviderName;
  error: string;
  /** The vendor's HTTP status, when there was one. */
  status: number | null;
}

/** What a provider adapter is given: one vendor, one model, no retries (the service retries and falls back). */
export interface ProviderCall {
  model: string;
  system: string;
  messages: LlmMessage[];
  tools: LlmTool[];
  max_tokens: number;
  options?: CallOptions;
  onText?: (delta: string) => void;
  onEvent?: (e: StreamEvent) => void;
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
  /** The vendor's own list of model ids, where its API has one. */
  listModels?(signal: AbortSignal): Promise<string[]>;
  /** Embeddings, where the vendor has them (OpenAI and compatible servers). */
  embed?(req: EmbedCall): Promise<EmbedResult>;
}

export interface EmbedCall {
  model: string;
  input: string[];
  /** Fewer dimensions, for models that can shorten their vectors. */
  dimensions?: number;
  user?: string;
  signal: AbortSignal;
}

export interface EmbedResult {
  model: string;
  /** One vector per input, in input order. */
  embeddings: number[][];
  input_tokens: number;
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
