/** The fake server's Anthropic Messages wire format: request → neutral shape, plan → JSON or SSE, errors. */
import type { ServerResponse } from 'node:http';
import type { ContentBlock, LlmMessage } from '../types.ts';
import { chunks, isRecord, writeStream, type FakeRequest, type Plan } from './fake-reply.ts';

type Parsed = Omit<FakeRequest, 'headers' | 'api_key' | 'raw' | 'path' | 'vendor' | 'connection'>;

/** Reads a /v1/messages body; a string is the 400 complaint. */
export function parseAnthropic(body: Record<string, unknown>): Parsed | string {
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (typeof body.max_tokens !== 'number') return 'max_tokens: Field required';
  if (!Array.isArray(body.messages)) return 'messages: Field required';
  const messages: LlmMessage[] = [];
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m) || (m.role !== 'user' && m.role !== 'assistant')) return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const content = blocks(m.content);
    if (typeof content === 'string') return `messages.${i}.${content}`;
    messages.push({ role: m.role, content });
  }
  const system = typeof body.system === 'string' ? body.system : Array.isArray(body.system) ? body.system.map((b) => (isRecord(b) && typeof b.text === 'string' ? b.text : '')).join('\n') : '';
  const tools = Array.isArray(body.tools) ? body.tools.flatMap((t) => (isRecord(t) && typeof t.name === 'string' ? [t.name] : [])) : [];
  return { model: body.model, system, messages, tools, stream: body.stream === true, max_tokens: body.max_tokens };
}

function blocks(content: unknown): ContentBlock[] | string {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return 'content: Input should be a string or a list of content blocks';
  const out: ContentBlock[] = [];
  for (const [j, b] of content.entries()) {
    if (!isRecord(b)) return `content.${j}: Input should be an object`;
    if (b.type === 'text' && typeof b.text === 'string') out.push({ type: 'text', text: b.text });
    else if (b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string') out.push({ type: 'tool_use', id: b.id, name: b.name, input: b.input });
    else if (b.type === 'tool_result' && typeof b.tool_use_id === 'string') {
      const text = typeof b.content === 'string' ? b.content : Array.isArray(b.content) ? b.content.map((c) => (isRecord(c) && typeof c.text === 'string' ? c.text : '')).join('') : '';
      out.push({ type: 'tool_result', tool_use_id: b.tool_use_id, content: text, ...(b.is_error === true ? { is_error: true } : {}) });
    } else if (b.type === 'text' || b.type === 'tool_use' || b.type === 'tool_result') return `content.${j}: ${String(b.type)} block is missing a required field`;
    // Other block types (images, documents, thinking) are kept as a marker: the neutral shape has no place for them.
    else out.push({ type: 'text', text: `[${String(b.type)}]` });
  }
  return out;
}

const STOP: Record<Plan['stop'], string> = { end_turn: 'end_turn', tool_use: 'tool_use', max_tokens: 'max_tokens', stop_sequence: 'stop_sequence', refusal: 'refusal' };

function usage(p: Plan): Record<string, number> {
  return {
    input_tokens: p.usage.input_tokens,
    output_tokens: p.usage.output_tokens,
    cache_read_input_tokens: p.usage.cache_read_tokens,
    cache_creation_input_tokens: p.usage.cache_write_tokens,
  };
}

function content(p: Plan): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  if (p.text !== '') out.push({ type: 'text', text: p.text });
  for (const c of p.toolCalls) out.push({ type: 'tool_use', id: c.id, name: c.name, input: c.input });
  return out;
}

export function answerAnthropic(res: ServerResponse, p: Plan, stream: boolean): Promise<void> {
  if (!stream) {
    const body = { id: p.id, type: 'message', role: 'assistant', model: p.model, content: content(p), stop_reason: STOP[p.stop], stop_sequence: null, usage: usage(p) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    return Promise.resolve();
  }
  const ev = (type: string, data: Record<string, unknown>): string => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const events: string[] = [
    ev('message_start', {
      message: { id: p.id, type: 'message', role: 'assistant', model: p.model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage(p), output_tokens: 1 } },
    }),
    ev('ping', {}),
  ];
  let index = 0;
  if (p.text !== '') {
    events.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (const piece of chunks(p.text)) events.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: piece } }));
    events.push(ev('content_block_stop', { index }));
    index++;
  }
  for (const c of p.toolCalls) {
    events.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} } }));
    for (const piece of chunks(c.json)) events.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } }));
    events.push(ev('content_block_stop', { index }));
    index++;
  }
  events.push(ev('message_delta', { delta: { stop_reason: STOP[p.stop], stop_sequence: null }, usage: { output_tokens: p.usage.output_tokens } }));
  events.push(ev('message_stop', {}));
  const se = p.streamError;
  return writeStream(res, events, p, se ? `event: error\ndata: ${anthropicError(529, se.message, se.type ?? 'overloaded_error')}\n\n` : null);
}

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

export function anthropicError(status: number, message: string, type?: string): string {
  return JSON.stringify({ type: 'error', error: { type: type ?? ERROR_TYPES[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message } });
}
