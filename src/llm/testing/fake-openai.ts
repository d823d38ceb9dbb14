/** The fake server's OpenAI Chat Completions wire format: request → neutral shape, plan → JSON or SSE, errors. */
import type { ServerResponse } from 'node:http';
import type { ContentBlock, LlmMessage } from '../types.ts';
import { chunks, isRecord, mergeTurns, writeStream, type FakeRequest, type Plan } from './fake-reply.ts';

type Parsed = Omit<FakeRequest, 'headers' | 'api_key' | 'raw' | 'path' | 'vendor' | 'connection'>;

function text(content: unknown): string | null {
  if (content === null || content === undefined) return null;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (isRecord(p) && typeof p.text === 'string' ? p.text : isRecord(p) ? `[${String(p.type)}]` : '')).join('');
  return null;
}

/**
 * Reads a /chat/completions body into the neutral shape: system (and
 * developer) messages become `system`; an assistant's tool_calls become
 * tool_use blocks (arguments parsed; arguments that are not JSON are kept as
 * the string); `tool` messages become tool_result blocks of a user turn.
 * Adjacent turns of one role are merged. A string is the 400 complaint.
 */
export function parseOpenAI(body: Record<string, unknown>): Parsed | string {
  if (typeof body.model !== 'string' || body.model === '') return 'you must provide a model parameter';
  if (!Array.isArray(body.messages)) return "Missing required parameter: 'messages'.";
  const system: string[] = [];
  const messages: LlmMessage[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m)) return `Invalid type for 'messages[${i}]': expected an object.`;
    if (m.role === 'system' || m.role === 'developer') {
      system.push(text(m.content) ?? '');
    } else if (m.role === 'user') {
      messages.push({ role: 'user', content: [{ type: 'text', text: text(m.content) ?? '' }] });
    } else if (m.role === 'assistant') {
      const content: ContentBlock[] = [];
      const t = text(m.content);
      if (t !== null && t !== '') content.push({ type: 'text', text: t });
      for (const [j, c] of (Array.isArray(m.tool_calls) ? m.tool_calls : []).entries()) {
        const fn = isRecord(c) && isRecord(c.function) ? c.function : null;
        if (!isRecord(c) || typeof c.id !== 'string' || !fn || typeof fn.name !== 'string' || typeof fn.arguments !== 'string') {
          return `Invalid 'messages[${i}].tool_calls[${j}]': expected {id, type: 'function', function: {name, arguments}}.`;
        }
        let input: unknown;
        try {
          input = JSON.parse(fn.arguments);
        } catch {
          input = fn.arguments;
        }
        content.push({ type: 'tool_use', id: c.id, name: fn.name, input });
      }
      messages.push({ role: 'assistant', content });
    } else if (m.role === 'tool') {
      if (typeof m.tool_call_id !== 'string') return `Missing required parameter: 'messages[${i}].tool_call_id'.`;
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: text(m.content) ?? '' }] });
    } else {
      return `Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', 'tool', 'developer'.`;
    }
  }
  const tools = Array.isArray(body.tools) ? body.tools.flatMap((t) => (isRecord(t) && isRecord(t.function) && typeof t.function.name === 'string' ? [t.function.name] : [])) : [];
  const max = typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : typeof body.max_tokens === 'number' ? body.max_tokens : null;
  return { model: body.model, system: system.join('\n'), messages: mergeTurns(messages), tools, stream: body.stream === true, max_tokens: max };
}

const FINISH: Record<Plan['stop'], string> = { end_turn: 'stop', stop_sequence: 'stop', tool_use: 'tool_calls', max_tokens: 'length', refusal: 'content_filter' };

/** OpenAI counts cached tokens inside prompt_tokens; it has no cache writes, which are billed as plain input. */
function usage(p: Plan): Record<string, unknown> {
  const prompt = p.usage.input_tokens + p.usage.cache_read_tokens + p.usage.cache_write_tokens;
  return {
    prompt_tokens: prompt,
    completion_tokens: p.usage.output_tokens,
    total_tokens: prompt + p.usage.output_tokens,
    prompt_tokens_details: { cached_tokens: p.usage.cache_read_tokens, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

export function answerOpenAI(res: ServerResponse, p: Plan, stream: boolean, includeUsage: boolean): Promise<void> {
  const created = Math.floor(Date.now() / 1000);
  const toolCalls = p.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.json } }));
  if (!stream) {
    const message = { role: 'assistant', content: p.text === '' && toolCalls.length > 0 ? null : p.text, refusal: null, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
    const body = { id: p.id, object: 'chat.completion', created, model: p.model, choices: [{ index: 0, message, logprobs: null, finish_reason: FINISH[p.stop] }], usage: usage(p) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return Promise.resolve();
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): string =>
    `data: ${JSON.stringify({ id: p.id, object: 'chat.completion.chunk', created, model: p.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) })}\n\n`;
  const items = [chunk({ role: 'assistant', content: '', refusal: null })];
  for (const piece of chunks(p.text)) items.push(chunk({ content: piece }));
  for (const [index, c] of p.toolCalls.entries()) {
    items.push(chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }));
    for (const piece of chunks(c.json)) items.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
  }
  items.push(chunk({}, FINISH[p.stop]));
  if (includeUsage) items.push(`data: ${JSON.stringify({ id: p.id, object: 'chat.completion.chunk', created, model: p.model, choices: [], usage: usage(p) })}\n\n`);
  items.push('data: [DONE]\n\n');
  const se = p.streamError;
  return writeStream(res, items, p, se ? `data: ${openaiError(500, se.message, se.type ?? 'server_error')}\n\n` : null);
}

const ERROR_TYPES: Record<number, { type: string; code: string | null }> = {
  400: { type: 'invalid_request_error', code: null },
  401: { type: 'invalid_request_error', code: 'invalid_api_key' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory' },
  404: { type: 'invalid_request_error', code: 'model_not_found' },
  429: { type: 'requests', code: 'rate_limit_exceeded' },
  500: { type: 'server_error', code: null },
  503: { type: 'server_error', code: null },
};

export function openaiError(status: number, message: string, type?: string): string {
  const known = ERROR_TYPES[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null };
  return JSON.stringify({ error: { message, type: type ?? known.type, param: null, code: known.code } });
}
