/**
 * The vendor-neutral half of the fake LLM server: what a test scripts
 * (FakeReply), what the server records (FakeRequest), and the plan both wire
 * formats render from (ids, blocks, usage, chunks).
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { TokenUsage } from '../../contracts/index.ts';
import type { LlmMessage } from '../types.ts';

export type FakeVendor = 'anthropic' | 'openai';
export type FakeStopReason = 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'refusal';

export interface FakeToolCall {
  name: string;
  input: unknown;
  id?: string;
  /** Send exactly this text as the arguments (e.g. invalid JSON) instead of JSON.stringify(input). */
  arguments_json?: string;
}

export interface FakeReply {
  /** Assistant text. */
  text?: string;
  tool_calls?: FakeToolCall[];
  /** Default: estimated from lengths (chars/4). */
  usage?: Partial<TokenUsage>;
  /** Default: tool_use when there are tool calls, else end_turn. */
  stop_reason?: FakeStopReason;
  /** Answer with an HTTP error in the vendor's shape instead. */
  error?: { status: number; message?: string; type?: string; retry_after_seconds?: number };
  /** Wait this long before answering (to test timeouts and cancellation). */
  delay_ms?: number;
  /** Wait this long between stream chunks. */
  chunk_delay_ms?: number;
  /** Destroy the socket instead of answering (a network error). */
  drop_connection?: boolean;
  /** Streaming only: send this many chunks (events), then destroy the socket. */
  drop_after_chunks?: number;
  /**
   * Streaming only: after `after_chunks` chunks (default 2), send an error inside
   * the stream and end it: Anthropic's `event: error` (e.g. overloaded_error),
   * OpenAI's `data: {"error": …}`.
   */
  stream_error?: { type?: string; message?: string; after_chunks?: number };
  /** The model named in the answer; default: the model asked for. */
  model?: string;
}

export interface FakeRequest {
  vendor: FakeVendor;
  model: string;
  system: string;
  messages: LlmMessage[];
  /** Names of the tools offered. */
  tools: string[];
  stream: boolean;
  max_tokens: number | null;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  /** The key the client sent (x-api-key, else Authorization: Bearer), or null. */
  api_key: string | null;
  /** The request body as sent (for what the neutral shape leaves out: stream_options, tool schemas…). */
  raw: Record<string, unknown>;
  path: string;
  /** Which connection it came on (1, 2…): requests on a kept-alive connection share the number. */
  connection: number;
}

export type FakeResponder = (req: FakeRequest) => FakeReply | Promise<FakeReply>;

export interface PlannedToolCall {
  id: string;
  name: string;
  input: unknown;
  json: string;
}

/** A reply made concrete: what both wire formats render. */
export interface Plan {
  id: string;
  model: string;
  text: string;
  toolCalls: PlannedToolCall[];
  stop: FakeStopReason;
  usage: TokenUsage;
  chunkDelayMs: number;
  dropAfterChunks: number | null;
  streamError: { type: string | null; message: string; afterChunks: number } | null;
}

export function randomId(prefix: string): string {
  return prefix + randomBytes(12).toString('hex');
}

export function plan(reply: FakeReply, req: FakeRequest, idPrefix: string, toolIdPrefix: string): Plan {
  const text = reply.text ?? '';
  const toolCalls = (reply.tool_calls ?? []).map((c) => {
    const json = c.arguments_json ?? JSON.stringify(c.input ?? {});
    return { id: c.id ?? randomId(toolIdPrefix), name: c.name, input: c.input ?? {}, json };
  });
  const estimatedIn = Math.max(1, Math.ceil((req.system.length + JSON.stringify(req.messages).length) / 4));
  const estimatedOut = Math.max(1, Math.ceil((text.length + toolCalls.reduce((n, c) => n + c.name.length + c.json.length, 0)) / 4));
  return {
    id: randomId(idPrefix),
    model: reply.model ?? req.model,
    text,
    toolCalls,
    stop: reply.stop_reason ?? (toolCalls.length > 0 ? 'tool_use' : 'end_turn'),
    usage: {
      input_tokens: reply.usage?.input_tokens ?? estimatedIn,
      output_tokens: reply.usage?.output_tokens ?? estimatedOut,
      cache_read_tokens: reply.usage?.cache_read_tokens ?? 0,
      cache_write_tokens: reply.usage?.cache_write_tokens ?? 0,
    },
    chunkDelayMs: reply.chunk_delay_ms ?? 0,
    dropAfterChunks: reply.drop_after_chunks ?? null,
    streamError: reply.stream_error
      ? { type: reply.stream_error.type ?? null, message: reply.stream_error.message ?? 'fake error in the stream', afterChunks: reply.stream_error.after_chunks ?? 2 }
      : null,
  };
}

/** Splits text into up to `n` pieces (so streams carry more than one delta). */
export function chunks(s: string, n = 3): string[] {
  if (s.length === 0) return [];
  const size = Math.max(1, Math.ceil(s.length / n));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
}

/** Resolves true after ms, or false as soon as the client has gone away. */
export function wait(ms: number, res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      res.off('close', onClose);
      resolve(true);
    }, ms);
    res.once('close', onClose);
  });
}

/**
 * Writes stream chunks one by one with the plan's delay between them; stops
 * when the client goes away, and destroys the socket after `dropAfterChunks`.
 */
export async function writeStream(res: ServerResponse, items: string[], p: Plan, errorItem: string | null = null): Promise<void> {
  if (errorItem !== null && p.streamError) items = [...items.slice(0, p.streamError.afterChunks), errorItem];
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  res.flushHeaders();
  for (let i = 0; i < items.length; i++) {
    if (p.dropAfterChunks !== null && i >= p.dropAfterChunks) {
      res.socket?.destroy();
      return;
    }
    if (i > 0 && !(await wait(p.chunkDelayMs, res))) return;
    if (res.destroyed) return;
    res.write(items[i]);
  }
  res.end();
}

/**
 * The checks both real APIs make on a conversation and that catch agent-loop
 * bugs early: every tool use is answered by a tool result in the next user
 * message, every tool result answers a tool use of the message before it, and
 * (Anthropic) no message or text block is empty. Returns the complaint or null.
 */
export function checkConversation(messages: LlmMessage[], vendor: FakeVendor): string | null {
  if (messages.length === 0) return 'messages: at least one message is required';
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    const last = i === messages.length - 1;
    if (vendor === 'anthropic') {
      if (m.content.length === 0 && !(last && m.role === 'assistant')) {
        return `messages.${i}: all messages must have non-empty content except for the optional final assistant message`;
      }
      const empty = m.content.findIndex((b) => b.type === 'text' && b.text === '');
      if (empty >= 0 && !(last && m.role === 'assistant')) return `messages.${i}.content.${empty}.text: text content blocks must be non-empty`;
      const firstOther = m.content.findIndex((b) => b.type !== 'tool_result');
      const lateResult = m.content.findIndex((b, j) => b.type === 'tool_result' && firstOther >= 0 && j > firstOther);
      if (lateResult >= 0) return `messages.${i}.content.${lateResult}: tool_result blocks must come first in the content array, before any text`;
    }
    if (m.role === 'assistant') {
      const uses = m.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : []));
      if (uses.length === 0) continue;
      const next = messages[i + 1];
      const answered = new Set(next?.role === 'user' ? next.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : [])) : []);
      const missing = uses.filter((id) => !answered.has(id));
      if (next !== undefined && missing.length > 0) {
        return `messages.${i}: tool_use ids were found without tool_result blocks immediately after: ${missing.join(', ')}`;
      }
      if (next === undefined) return `messages.${i}: the conversation ends with tool uses that have no results: ${uses.join(', ')}`;
    } else {
      const results = m.content.flatMap((b) => (b.type === 'tool_result' ? [b.tool_use_id] : []));
      if (results.length === 0) continue;
      const prev = messages[i - 1];
      const asked = new Set(prev?.role === 'assistant' ? prev.content.flatMap((b) => (b.type === 'tool_use' ? [b.id] : [])) : []);
      const unexpected = results.filter((id) => !asked.has(id));
      if (unexpected.length > 0) {
        return `messages.${i}: unexpected tool_use_id found in tool_result blocks: ${unexpected.join(', ')}. Each tool_result block must have a corresponding tool_use block in the previous message.`;
      }
    }
  }
  return null;
}

/** Joins adjacent messages of the same role (OpenAI's tool messages followed by a user message are one user turn). */
export function mergeTurns(messages: LlmMessage[]): LlmMessage[] {
  const out: LlmMessage[] = [];
  for (const m of messages) {
    const prev = out[out.length - 1];
    if (prev && prev.role === m.role) prev.content.push(...m.content);
    else out.push({ role: m.role, content: [...m.content] });
  }
  return out;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
