/**
 * The service's answer → OpenAI's: a whole chat.completion, or the
 * chat.completion.chunk objects of a stream built from the service's stream
 * events as they come. Tool arguments keep the text the model wrote (even
 * when it is not valid JSON), as OpenAI does.
 */
import type { ChatCompletion, ChatCompletionChunk, CompletionUsage, FinishReason, ToolCall, TokenUsage } from '../../contracts/index.ts';
import { toolArgumentsText } from '../providers/tool-input.ts';
import type { LlmResponse, StopReason, StreamEvent } from '../types.ts';

const FINISH: Record<StopReason, FinishReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  refusal: 'content_filter',
  other: 'stop',
};

export function finishReason(stop: StopReason, hasToolCalls: boolean): FinishReason {
  // A model that called tools and then said "end_turn" still wants the calls run.
  return hasToolCalls && stop === 'end_turn' ? 'tool_calls' : FINISH[stop];
}

/** OpenAI counts cached input inside prompt_tokens (ours are apart: input_tokens is the uncached part). */
export function completionUsage(u: TokenUsage): CompletionUsage {
  const prompt = u.input_tokens + u.cache_read_tokens + u.cache_write_tokens;
  return { prompt_tokens: prompt, completion_tokens: u.output_tokens, total_tokens: prompt + u.output_tokens, prompt_tokens_details: { cached_tokens: u.cache_read_tokens } };
}

export function toChatCompletion(res: LlmResponse, id: string, model: string, created: number): ChatCompletion {
  const text = res.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
  const calls: ToolCall[] = res.content.flatMap((b) => (b.type === 'tool_use' ? [{ id: b.id, type: 'function' as const, function: { name: b.name, arguments: toolArgumentsText(b.input) } }] : []));
  return {
    id,
    object: 'chat.completion',
    created,
    model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: text === '' && calls.length > 0 ? null : text, refusal: null, ...(calls.length > 0 ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: finishReason(res.stop_reason, calls.length > 0),
      },
    ],
    usage: completionUsage(res.usage),
    system_fingerprint: null,
  };
}

/**
 * The chunks of one streamed answer. The first chunk carries the role; a
 * tool call's first chunk its index, id, type and name (with empty
 * arguments), the next ones argument pieces; the last choice chunk the
 * finish reason; with include_usage one more chunk with no choices and the
 * usage (every chunk before it says `usage: null`, as OpenAI's do).
 */
export class ChunkBuilder {
  private started = false;
  private readonly args = new Map<number, number>();

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(delta: ChatCompletionChunk['choices'][number]['delta'], finish: FinishReason | null = null): ChatCompletionChunk {
    return {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      system_fingerprint: null,
      ...(this.includeUsage ? { usage: null } : {}),
    };
  }

  /** The role chunk, once, before anything else. */
  private opening(): ChatCompletionChunk[] {
    if (this.started) return [];
    this.started = true;
    return [this.chunk({ role: 'assistant', content: '' })];
  }

  /** The chunks for one event of the service's stream. */
  event(e: StreamEvent): ChatCompletionChunk[] {
    const out = this.opening();
    if (e.type === 'text') out.push(this.chunk({ content: e.delta }));
    else if (e.type === 'tool_call') {
      this.args.set(e.index, 0);
      out.push(this.chunk({ tool_calls: [{ index: e.index, id: e.id, type: 'function', function: { name: e.name, arguments: '' } }] }));
    } else {
      this.args.set(e.index, (this.args.get(e.index) ?? 0) + e.delta.length);
      out.push(this.chunk({ tool_calls: [{ index: e.index, function: { arguments: e.delta } }] }));
    }
    return out;
  }

  /** Text alone (the agent models stream text only). */
  text(delta: string): ChatCompletionChunk[] {
    return this.event({ type: 'text', delta });
  }

  /** The closing chunks: arguments `{}` for a tool call that streamed none (clients parse them), the finish reason, the usage. */
  finish(reason: FinishReason, usage: TokenUsage): ChatCompletionChunk[] {
    const out = this.opening();
    for (const [index, length] of this.args) if (length === 0) out.push(this.chunk({ tool_calls: [{ index, function: { arguments: '{}' } }] }));
    out.push(this.chunk({}, reason));
    if (this.includeUsage) out.push({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], system_fingerprint: null, usage: completionUsage(usage) });
    return out;
  }
}
