/**
 * OpenAI Chat Completions behind the Provider interface, for OpenAI itself
 * ('openai') and for any server that speaks its dialect ('compatible':
 * Ollama, LM Studio, vLLM…). Every call streams with usage included and makes
 * one attempt (the LlmService retries). A compatible server that refuses
 * `stream_options` is asked once more without it, and is not asked with it
 * again.
 */
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import {
  ProviderFailure,
  type CallOptions,
  type EmbedCall,
  type EmbedResult,
  type LlmMessage,
  type LlmTool,
  type Provider,
  type ProviderCall,
  type ProviderResult,
  type StopReason,
  type StreamEvent,
  type TextBlock,
  type ToolUseBlock,
} from '../types.ts';
import { endedEarly, toFailure, Watchdog, type CallContext } from './failure.ts';
import { streamChat } from './openai-stream.ts';
import { parseToolInput, toolArgumentsText } from './tool-input.ts';

export interface OpenAIProviderOptions {
  name: 'openai' | 'compatible';
  apiKey: string;
  /** Ends in /v1 (the SDK appends /chat/completions). Default for 'openai': OpenAI's public endpoint; 'compatible' needs one. */
  baseURL?: string | null;
  /** Longest wait for the response to start, and for the next chunk of a stream. */
  timeoutMs: number;
}

const SDK_ERRORS = { APIError, APIUserAbortError, APIConnectionError, APIConnectionTimeoutError };
const DEFAULT_BASE_URL = 'https://api.openai.com/v1';
const USER_AGENT = 'zeblitd (openai-compatible)';

const FINISH: Record<string, StopReason> = { stop: 'end_turn', tool_calls: 'tool_use', function_call: 'tool_use', length: 'max_tokens', content_filter: 'refusal' };

type Params = OpenAI.Chat.ChatCompletionCreateParamsStreaming;

export function createOpenAIProvider(opts: OpenAIProviderOptions): Provider {
  const name = opts.name;
  const baseURL = opts.baseURL || (name === 'openai' ? DEFAULT_BASE_URL : '');
  const client = baseURL === '' ? null : new OpenAI({ apiKey: opts.apiKey, baseURL, maxRetries: 0, timeout: opts.timeoutMs });
  let sendStreamOptions = true;

  async function attempt(req: ProviderCall, params: Params, ctx: CallContext): Promise<ProviderResult> {
    // The watchdog runs from the request on: it bounds the wait for the response's head as well as each pause in the stream.
    ctx.watchdog.kick();
    const stream = streamChat({ baseURL, apiKey: opts.apiKey, body: params, signal: AbortSignal.any([req.signal, ctx.watchdog.signal]), userAgent: USER_AGENT });
    const acc = new Accumulator(req.model);
    for await (const chunk of stream) {
      ctx.watchdog.kick();
      acc.add(chunk, req.onText, req.onEvent);
    }
    if (req.signal.aborted || ctx.watchdog.fired) throw new Error('stream aborted');
    if (acc.finish === null) throw endedEarly(name);
    return acc.result();
  }

  return {
    name,
    async call(req: ProviderCall): Promise<ProviderResult> {
      const watchdog = new Watchdog(opts.timeoutMs);
      const ctx: CallContext = { provider: name, apiKey: opts.apiKey, baseURL, timeoutMs: opts.timeoutMs, signal: req.signal, watchdog };
      try {
        if (!client) throw new ProviderFailure(name, `no base URL is configured for the ${name} provider (e.g. http://127.0.0.1:11434/v1)`, { retryable: false });
        if (req.signal.aborted) throw new Error('aborted before the call');
        const params = toParams(req, name, sendStreamOptions);
        try {
          return await attempt(req, params, ctx);
        } catch (err) {
          if (!(name === 'compatible' && sendStreamOptions && refusedStreamOptions(err))) throw err;
          watchdog.stop();
          // Only a success without stream_options proves they were the trouble; otherwise the first error stands.
          const result = await attempt(req, toParams(req, name, false), ctx).catch(() => {
            throw err;
          });
          sendStreamOptions = false;
          return result;
        }
      } catch (err) {
        throw toFailure(err, ctx, SDK_ERRORS);
      } finally {
        watchdog.stop();
      }
    },
    async listModels(signal: AbortSignal): Promise<string[]> {
      const ctx: CallContext = { provider: name, apiKey: opts.apiKey, baseURL, timeoutMs: opts.timeoutMs, signal, watchdog: new Watchdog(opts.timeoutMs) };
      try {
        if (!client) throw new ProviderFailure(name, `no base URL is configured for the ${name} provider`, { retryable: false });
        const ids: string[] = [];
        for await (const m of client.models.list({ signal })) {
          ids.push(m.id);
          if (ids.length >= 1000) break;
        }
        return ids;
      } catch (err) {
        throw toFailure(err, ctx, SDK_ERRORS);
      }
    },
    async embed(req: EmbedCall): Promise<EmbedResult> {
      const ctx: CallContext = { provider: name, apiKey: opts.apiKey, baseURL, timeoutMs: opts.timeoutMs, signal: req.signal, watchdog: new Watchdog(opts.timeoutMs) };
      try {
        if (!client) throw new ProviderFailure(name, `no base URL is configured for the ${name} provider`, { retryable: false });
        const res = await client.embeddings.create(
          { model: req.model, input: req.input, encoding_format: 'float', ...(req.dimensions ? { dimensions: req.dimensions } : {}), ...(req.user ? { user: req.user } : {}) },
          { signal: req.signal },
        );
        const embeddings = [...res.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
        return { model: res.model || req.model, embeddings, input_tokens: res.usage?.prompt_tokens ?? 0 };
      } catch (err) {
        throw toFailure(err, ctx, SDK_ERRORS);
      }
    },
  };
}

/** A 400/422 before any answer: servers that do not know stream_options say so this way. */
function refusedStreamOptions(err: unknown): boolean {
  return err instanceof APIError && (err.status === 400 || err.status === 422);
}

function toParams(req: ProviderCall, name: 'openai' | 'compatible', streamOptions: boolean): Params {
  return {
    model: req.model,
    messages: toMessages(req.system, req.messages),
    // OpenAI's newer models refuse max_tokens; servers that copy the API mostly know only max_tokens.
    ...(name === 'openai' ? { max_completion_tokens: req.max_tokens } : { max_tokens: req.max_tokens }),
    ...(req.tools.length > 0 ? { tools: req.tools.map(toTool) } : {}),
    ...sampling(req.options ?? {}, req.tools.length > 0),
    stream: true,
    ...(streamOptions ? { stream_options: { include_usage: true } } : {}),
  };
}

/** The caller's options in Chat Completions terms (the API's own names; tool settings only when there are tools). */
function sampling(o: CallOptions, hasTools: boolean): Partial<Params> {
  const out: Partial<Params> = {};
  if (o.temperature !== undefined) out.temperature = o.temperature;
  if (o.top_p !== undefined) out.top_p = o.top_p;
  if (o.stop && o.stop.length > 0) out.stop = o.stop;
  if (o.user) out.user = o.user;
  if (o.frequency_penalty !== undefined) out.frequency_penalty = o.frequency_penalty;
  if (o.presence_penalty !== undefined) out.presence_penalty = o.presence_penalty;
  const rf = o.response_format;
  if (rf?.type === 'json_object') out.response_format = { type: 'json_object' };
  if (rf?.type === 'json_schema')
    out.response_format = { type: 'json_schema', json_schema: { name: rf.name, schema: rf.schema, ...(rf.strict !== undefined ? { strict: rf.strict } : {}), ...(rf.description ? { description: rf.description } : {}) } };
  if (hasTools) {
    const c = o.tool_choice;
    if (c) out.tool_choice = c.type === 'tool' ? { type: 'function', function: { name: c.name } } : c.type === 'any' ? 'required' : c.type;
    if (o.parallel_tool_calls !== undefined) out.parallel_tool_calls = o.parallel_tool_calls;
  }
  return out;
}

function toTool(t: LlmTool): OpenAI.Chat.ChatCompletionTool {
  return { type: 'function', function: { name: t.name, description: t.description, parameters: t.input_schema } };
}

/**
 * Neutral messages → chat messages: the system prompt first; an assistant's
 * tool uses become its tool_calls; a user message's tool results become
 * `tool` messages (before its text, which follows as a user message).
 */
export function toMessages(system: string, messages: LlmMessage[]): OpenAI.Chat.ChatCompletionMessageParam[] {
  const out: OpenAI.Chat.ChatCompletionMessageParam[] = system !== '' ? [{ role: 'system', content: system }] : [];
  for (const m of messages) {
    const text = m.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('\n');
    if (m.role === 'assistant') {
      const calls = m.content.flatMap((b): OpenAI.Chat.ChatCompletionMessageToolCall[] =>
        b.type === 'tool_use' ? [{ id: b.id, type: 'function', function: { name: b.name, arguments: toolArgumentsText(b.input) } }] : [],
      );
      out.push({ role: 'assistant', content: text === '' && calls.length > 0 ? null : text, ...(calls.length > 0 ? { tool_calls: calls } : {}) });
      continue;
    }
    for (const b of m.content) {
      if (b.type !== 'tool_result') continue;
      // Chat Completions has no error flag on a tool result: say it in the text.
      const content = b.is_error && !/^error\b/i.test(b.content) ? `Error: ${b.content}` : b.content;
      out.push({ role: 'tool', tool_call_id: b.tool_use_id, content });
    }
    const images = m.content.flatMap((b) => (b.type === 'image' ? [b] : []));
    if (images.length > 0) {
      // Text and images in their order, as content parts.
      const parts = m.content.flatMap((b): OpenAI.Chat.ChatCompletionContentPart[] => {
        if (b.type === 'text') return b.text === '' ? [] : [{ type: 'text', text: b.text }];
        if (b.type !== 'image') return [];
        const url = b.source.type === 'url' ? b.source.url : `data:${b.source.media_type};base64,${b.source.data}`;
        return [{ type: 'image_url', image_url: { url } }];
      });
      out.push({ role: 'user', content: parts });
    } else if (text !== '' || !m.content.some((b) => b.type === 'tool_result')) out.push({ role: 'user', content: text });
  }
  return out;
}

/** Builds the answer from the chunks: text deltas, tool calls by index, the finish reason and the usage chunk. */
class Accumulator {
  private model: string;
  private text = '';
  private readonly calls = new Map<number, { id: string; name: string; args: string; ordinal: number; announced: boolean }>();
  finish: string | null = null;
  private usage: OpenAI.CompletionUsage | null = null;

  constructor(model: string) {
    this.model = model;
  }

  add(chunk: OpenAI.Chat.ChatCompletionChunk, onText: ((delta: string) => void) | undefined, onEvent: ((e: StreamEvent) => void) | undefined): void {
    if (chunk.model) this.model = chunk.model;
    if (chunk.usage) this.usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== 0 && choice.index !== undefined) continue;
      const d = choice.delta;
      if (d?.content) {
        this.text += d.content;
        onText?.(d.content);
        onEvent?.({ type: 'text', delta: d.content });
      }
      for (const tc of d?.tool_calls ?? []) {
        // Some compatible servers leave out `index`: a call with a new id is a new call, otherwise it continues the last one.
        const index = tc.index ?? (tc.id && ![...this.calls.values()].some((c) => c.id === tc.id) ? this.calls.size : Math.max(0, this.calls.size - 1));
        const cur = this.calls.get(index) ?? { id: '', name: '', args: '', ordinal: this.calls.size, announced: false };
        if (tc.id) cur.id = tc.id;
        if (tc.function?.name) cur.name += tc.function.name;
        const piece = tc.function?.arguments ?? '';
        cur.args += piece;
        this.calls.set(index, cur);
        // A call is announced once its name is known; arguments that came before it go out with it.
        if (!cur.announced && cur.name !== '') {
          cur.announced = true;
          onEvent?.({ type: 'tool_call', index: cur.ordinal, id: cur.id || `call_${index}`, name: cur.name });
          if (cur.args !== '') onEvent?.({ type: 'tool_arguments', index: cur.ordinal, delta: cur.args });
        } else if (cur.announced && piece !== '') onEvent?.({ type: 'tool_arguments', index: cur.ordinal, delta: piece });
      }
      if (choice.finish_reason) this.finish = choice.finish_reason;
    }
  }

  result(): ProviderResult {
    const content: Array<TextBlock | ToolUseBlock> = this.text !== '' ? [{ type: 'text', text: this.text }] : [];
    const calls = [...this.calls.entries()].sort(([a], [b]) => a - b);
    for (const [i, c] of calls) {
      content.push({ type: 'tool_use', id: c.id || `call_${i}`, name: c.name, input: parseToolInput(c.args) });
    }
    // Some servers finish with "stop" although they called tools.
    const stop = calls.length > 0 && this.finish === 'stop' ? 'tool_use' : (FINISH[this.finish ?? ''] ?? 'other');
    const cached = this.usage?.prompt_tokens_details?.cached_tokens ?? 0;
    return {
      model: this.model,
      content,
      stop_reason: stop,
      usage: {
        // prompt_tokens counts the cached tokens too; input means the uncached part.
        input_tokens: Math.max(0, (this.usage?.prompt_tokens ?? 0) - cached),
        output_tokens: this.usage?.completion_tokens ?? 0,
        cache_read_tokens: cached,
        cache_write_tokens: 0,
      },
    };
  }
}
