/**
 * The Anthropic Messages API behind the Provider interface. Every call
 * streams (text reaches `onText` as it arrives; tool inputs are assembled
 * from their JSON deltas) and makes exactly one attempt: the LlmService owns
 * retries and fallback, so the SDK's own retries are off.
 */
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { CallOptions, ContentBlock, LlmMessage, LlmTool, Provider, ProviderCall, ProviderResult, StopReason, StreamEvent, TextBlock, ToolUseBlock } from '../types.ts';
import { endedEarly, toFailure, Watchdog, type CallContext } from './failure.ts';
import { parseToolInput } from './tool-input.ts';

export interface AnthropicProviderOptions {
  apiKey: string;
  /** Default: Anthropic's public endpoint. The SDK appends /v1/messages. */
  baseURL?: string | null;
  /** Longest wait for the response to start, and for the next event of a stream. */
  timeoutMs: number;
}

const SDK_ERRORS = { APIError, APIUserAbortError, APIConnectionError, APIConnectionTimeoutError };
const DEFAULT_BASE_URL = 'https://api.anthropic.com';
const CACHE = { type: 'ephemeral' } as const;

const STOP_REASONS: Record<string, StopReason> = {
  end_turn: 'end_turn',
  tool_use: 'tool_use',
  max_tokens: 'max_tokens',
  model_context_window_exceeded: 'max_tokens',
  stop_sequence: 'stop_sequence',
  refusal: 'refusal',
};

export function createAnthropicProvider(opts: AnthropicProviderOptions): Provider {
  const baseURL = opts.baseURL || DEFAULT_BASE_URL;
  const client = new Anthropic({ apiKey: opts.apiKey, baseURL, maxRetries: 0, timeout: opts.timeoutMs });
  return {
    name: 'anthropic',
    async call(req: ProviderCall): Promise<ProviderResult> {
      const watchdog = new Watchdog(opts.timeoutMs);
      const ctx: CallContext = { provider: 'anthropic', apiKey: opts.apiKey, baseURL, timeoutMs: opts.timeoutMs, signal: req.signal, watchdog };
      try {
        if (req.signal.aborted) throw new Error('aborted before the call');
        const stream = await client.messages.create(toParams(req), { signal: AbortSignal.any([req.signal, watchdog.signal]) });
        watchdog.kick();
        const acc = new Accumulator(req.model);
        for await (const event of stream) {
          watchdog.kick();
          acc.add(event, req.onText, req.onEvent);
        }
        // An abort ends the SDK's iteration quietly: find out why it stopped.
        if (req.signal.aborted || watchdog.fired) throw new Error('stream aborted');
        if (!acc.stopped) throw endedEarly('anthropic');
        return acc.result();
      } catch (err) {
        throw toFailure(err, ctx, SDK_ERRORS);
      } finally {
        watchdog.stop();
      }
    },
    async listModels(signal: AbortSignal): Promise<string[]> {
      const watchdog = new Watchdog(opts.timeoutMs);
      const ctx: CallContext = { provider: 'anthropic', apiKey: opts.apiKey, baseURL, timeoutMs: opts.timeoutMs, signal, watchdog };
      try {
        const ids: string[] = [];
        for await (const m of client.models.list({ limit: 1000 }, { signal })) {
          ids.push(m.id);
          if (ids.length >= 1000) break;
        }
        return ids;
      } catch (err) {
        throw toFailure(err, ctx, SDK_ERRORS);
      }
    },
  };
}

function toParams(req: ProviderCall): Anthropic.MessageCreateParamsStreaming {
  const messages = req.messages.map(toMessage);
  // Prompt caching: the system prompt (with the tools before it) and the conversation so far are the
  // stable prefix of the next turn. Below the minimum cacheable size Anthropic ignores the markers.
  const last = messages[messages.length - 1];
  if (last && Array.isArray(last.content) && last.content.length > 0) {
    const block = last.content[last.content.length - 1]!;
    if (block.type === 'text' || block.type === 'image' || block.type === 'tool_result' || block.type === 'tool_use') block.cache_control = CACHE;
  }
  const o = req.options ?? {};
  const system = o.response_format?.type === 'json_object' ? [req.system, JSON_OBJECT_INSTRUCTION].filter(Boolean).join('\n\n') : req.system;
  return {
    model: req.model,
    max_tokens: req.max_tokens,
    messages,
    ...(system !== '' ? { system: [{ type: 'text', text: system, cache_control: CACHE }] } : {}),
    ...(req.tools.length > 0 ? { tools: req.tools.map(toTool) } : {}),
    ...sampling(o, req.tools.length > 0),
    stream: true,
  };
}

/** Anthropic has no JSON mode: the model is told, which the current models follow. */
export const JSON_OBJECT_INSTRUCTION = 'Answer with a single JSON object and nothing else: no prose before or after it, no code fences.';

/**
 * The caller's options in Anthropic's terms. Temperature, top_p and the
 * penalties are not sent: the Messages API of this SDK (1.x) takes none of
 * them. Stop sequences made only of whitespace are refused by the API and
 * left out; `user` becomes metadata.user_id; a JSON Schema becomes
 * output_config.format (structured outputs; a model without them answers 400).
 */
function sampling(o: CallOptions, hasTools: boolean): Partial<Anthropic.MessageCreateParamsStreaming> {
  const out: Partial<Anthropic.MessageCreateParamsStreaming> = {};
  const stops = (o.stop ?? []).filter((s) => s.trim() !== '');
  if (stops.length > 0) out.stop_sequences = stops;
  if (o.user) out.metadata = { user_id: o.user };
  if (o.response_format?.type === 'json_schema') out.output_config = { format: { type: 'json_schema', schema: o.response_format.schema } };
  if (hasTools && (o.tool_choice || o.parallel_tool_calls === false)) {
    const choice = o.tool_choice ?? { type: 'auto' };
    const single = o.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
    out.tool_choice = choice.type === 'none' ? { type: 'none' } : choice.type === 'tool' ? { type: 'tool', name: choice.name, ...single } : { type: choice.type, ...single };
  }
  return out;
}

function toTool(t: LlmTool): Anthropic.Tool {
  return { name: t.name, description: t.description, input_schema: { type: 'object', ...t.input_schema } };
}

type OutBlock = Anthropic.TextBlockParam | Anthropic.ImageBlockParam | Anthropic.ToolUseBlockParam | Anthropic.ToolResultBlockParam;

/**
 * One neutral message → one Anthropic message. Empty text blocks are dropped
 * (the API refuses them), and tool results go first in a user message, as the
 * API requires.
 */
function toMessage(m: LlmMessage): Anthropic.MessageParam {
  const blocks = m.content.flatMap((b: ContentBlock): OutBlock[] => {
    if (b.type === 'text') return b.text === '' ? [] : [{ type: 'text', text: b.text }];
    if (b.type === 'image') return [{ type: 'image', source: b.source.type === 'url' ? { type: 'url', url: b.source.url } : { type: 'base64', media_type: b.source.media_type as Anthropic.Base64ImageSource['media_type'], data: b.source.data } }];
    if (b.type === 'tool_use') return [{ type: 'tool_use', id: b.id, name: b.name, input: isObject(b.input) ? b.input : {} }];
    return [{ type: 'tool_result', tool_use_id: b.tool_use_id, content: b.content, ...(b.is_error ? { is_error: true } : {}) }];
  });
  const ordered = [...blocks.filter((b) => b.type === 'tool_result'), ...blocks.filter((b) => b.type !== 'tool_result')];
  return { role: m.role, content: ordered.length > 0 ? ordered : [{ type: 'text', text: '(empty)' }] };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Builds the answer from the stream's events. Block kinds we do not use (thinking, server tools) are skipped. */
class Accumulator {
  private model: string;
  private readonly blocks = new Map<number, TextBlock | (ToolUseBlock & { json: string; ordinal: number })>();
  private tools = 0;
  private stop: StopReason = 'other';
  private input = 0;
  private output = 0;
  private cacheRead = 0;
  private cacheWrite = 0;
  stopped = false;

  constructor(model: string) {
    this.model = model;
  }

  add(event: Anthropic.RawMessageStreamEvent, onText: ((delta: string) => void) | undefined, onEvent: ((e: StreamEvent) => void) | undefined): void {
    switch (event.type) {
      case 'message_start':
        this.model = event.message.model || this.model;
        this.usage(event.message.usage);
        return;
      case 'content_block_start': {
        const b = event.content_block;
        if (b.type === 'text') this.blocks.set(event.index, { type: 'text', text: b.text });
        else if (b.type === 'tool_use') {
          const ordinal = this.tools++;
          this.blocks.set(event.index, { type: 'tool_use', id: b.id, name: b.name, input: {}, json: '', ordinal });
          onEvent?.({ type: 'tool_call', index: ordinal, id: b.id, name: b.name });
        }
        if (b.type === 'text' && b.text !== '') {
          onText?.(b.text);
          onEvent?.({ type: 'text', delta: b.text });
        }
        return;
      }
      case 'content_block_delta': {
        const b = this.blocks.get(event.index);
        if (event.delta.type === 'text_delta' && b?.type === 'text') {
          b.text += event.delta.text;
          if (event.delta.text !== '') {
            onText?.(event.delta.text);
            onEvent?.({ type: 'text', delta: event.delta.text });
          }
        } else if (event.delta.type === 'input_json_delta' && b?.type === 'tool_use') {
          b.json += event.delta.partial_json;
          if (event.delta.partial_json !== '') onEvent?.({ type: 'tool_arguments', index: b.ordinal, delta: event.delta.partial_json });
        }
        return;
      }
      case 'message_delta':
        this.stop = (event.delta.stop_reason && STOP_REASONS[event.delta.stop_reason]) || 'other';
        this.usage(event.usage);
        return;
      case 'message_stop':
        this.stopped = true;
        return;
      default:
        return;
    }
  }

  /** Usage counters are running totals, and message_delta omits the ones that did not change. */
  private usage(u: { input_tokens?: number | null; output_tokens?: number | null; cache_read_input_tokens?: number | null; cache_creation_input_tokens?: number | null }): void {
    if (u.input_tokens != null) this.input = u.input_tokens;
    if (u.output_tokens != null) this.output = u.output_tokens;
    if (u.cache_read_input_tokens != null) this.cacheRead = u.cache_read_input_tokens;
    if (u.cache_creation_input_tokens != null) this.cacheWrite = u.cache_creation_input_tokens;
  }

  result(): ProviderResult {
    const content = [...this.blocks.entries()]
      .sort(([a], [b]) => a - b)
      .flatMap(([, b]): Array<TextBlock | ToolUseBlock> => {
        if (b.type === 'text') return b.text === '' ? [] : [b];
        return [{ type: 'tool_use', id: b.id, name: b.name, input: parseToolInput(b.json) }];
      });
    return {
      model: this.model,
      content,
      stop_reason: this.stop,
      usage: { input_tokens: this.input, output_tokens: this.output, cache_read_tokens: this.cacheRead, cache_write_tokens: this.cacheWrite },
    };
  }
}
