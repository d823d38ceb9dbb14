/**
 * An OpenAI Chat Completions request → the provider-neutral call the service
 * makes. System and developer messages become the system prompt (in order);
 * user parts become text and image blocks; an assistant's tool_calls become
 * tool uses and `tool` messages their results, in one user turn with any
 * text that follows (the alternation Anthropic needs). Whatever cannot be
 * honoured is refused here with the field at fault, before any provider is
 * asked.
 */
import { ZeblitError, type ChatCompletionRequest, type ChatMessageParam, type FunctionTool, type ToolChoiceParam } from '../../contracts/index.ts';
import { parseToolInput } from '../providers/tool-input.ts';
import type { CallOptions, ContentBlock, ImageBlock, LlmMessage, LlmTool, ResponseFormat, ToolChoice } from '../types.ts';

export interface TranslatedChat {
  system: string;
  messages: LlmMessage[];
  tools: LlmTool[];
  options: CallOptions;
  max_tokens: number | undefined;
}

/** A 400 naming the request field at fault (OpenAI's `param`), as `messages[2].content`. */
export function invalidField(param: string, message: string, code = 'invalid_value'): ZeblitError {
  return new ZeblitError('VALIDATION_FAILED', `Invalid '${param}': ${message}`, { details: [{ field: param, message, code }] });
}

const textOf = (content: string | Array<{ type: 'text'; text: string } | { type: 'refusal'; refusal: string }> | null | undefined): string =>
  typeof content === 'string' ? content : (content ?? []).map((p) => (p.type === 'text' ? p.text : '')).join('');

/** The checks that do not depend on which model answers (n, logprobs, the deprecated functions). */
export function refuseUnsupported(req: ChatCompletionRequest): void {
  if ((req.n ?? 1) > 1) throw invalidField('n', 'only n=1 is supported: send the request again for another choice', 'unsupported_value');
  if (req.logprobs) throw invalidField('logprobs', 'log probabilities are not available through this endpoint', 'unsupported_value');
  if (req.functions !== undefined || req.function_call !== undefined)
    throw invalidField(req.functions !== undefined ? 'functions' : 'function_call', 'the deprecated functions API is not supported: send `tools` and `tool_choice`', 'unsupported_parameter');
}

export function translateChat(req: ChatCompletionRequest): TranslatedChat {
  refuseUnsupported(req);
  const system: string[] = [];
  const messages: LlmMessage[] = [];
  const push = (role: LlmMessage['role'], content: ContentBlock[]) => {
    const last = messages[messages.length - 1];
    // Adjacent messages of one role are one turn: tool results and the user's next words, say.
    if (last && last.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  for (const [i, m] of req.messages.entries()) translateMessage(m, i, system, push);
  if (messages.length === 0) throw invalidField('messages', 'there is no user message: system messages alone ask nothing', 'invalid_value');

  const tools = (req.tools ?? []).map(toTool);
  const options: CallOptions = {};
  if (req.temperature != null) options.temperature = req.temperature;
  if (req.top_p != null) options.top_p = req.top_p;
  if (req.stop != null) options.stop = typeof req.stop === 'string' ? [req.stop] : req.stop;
  if (req.user) options.user = req.user;
  if (req.frequency_penalty != null) options.frequency_penalty = req.frequency_penalty;
  if (req.presence_penalty != null) options.presence_penalty = req.presence_penalty;
  if (req.parallel_tool_calls != null) options.parallel_tool_calls = req.parallel_tool_calls;
  if (req.tool_choice != null) options.tool_choice = toolChoice(req.tool_choice, tools);
  const format = responseFormat(req);
  if (format) options.response_format = format;
  return { system: system.join('\n\n'), messages, tools, options, max_tokens: req.max_completion_tokens ?? req.max_tokens ?? undefined };
}

function translateMessage(m: ChatMessageParam, i: number, system: string[], push: (role: LlmMessage['role'], content: ContentBlock[]) => void): void {
  switch (m.role) {
    case 'system':
    case 'developer': {
      const text = textOf(m.content);
      if (text !== '') system.push(text);
      return;
    }
    case 'user': {
      if (typeof m.content === 'string') return push('user', [{ type: 'text', text: m.content }]);
      const blocks = m.content.map((p, j): ContentBlock => {
        if (p.type === 'text') return { type: 'text', text: p.text };
        if (p.type === 'image_url') return { type: 'image', source: imageSource(p.image_url.url, `messages[${i}].content[${j}].image_url.url`) };
        throw invalidField(`messages[${i}].content[${j}].type`, `${p.type} parts are not supported: send text and images (image_url)`, 'unsupported_value');
      });
      return push('user', blocks);
    }
    case 'assistant': {
      const text = textOf(m.content);
      const blocks: ContentBlock[] = text !== '' ? [{ type: 'text', text }] : [];
      for (const c of m.tool_calls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.function.name, input: parseToolInput(c.function.arguments) });
      return push('assistant', blocks);
    }
    case 'tool':
      return push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textOf(m.content) }]);
  }
}

const DATA_URL = /^data:(image\/[a-z0-9.+-]+);base64,([A-Za-z0-9+/=\s]+)$/i;

/** An image_url as the providers take it: the bytes of a data: URL, or an http(s) URL the vendor fetches. */
function imageSource(url: string, param: string): ImageBlock['source'] {
  const data = DATA_URL.exec(url);
  if (data) return { type: 'base64', media_type: data[1]!.toLowerCase(), data: data[2]!.replace(/\s+/g, '') };
  if (/^https?:\/\//i.test(url)) return { type: 'url', url };
  throw invalidField(param, 'an image must be an http(s) URL or a data:image/…;base64,… URL');
}

function toTool(t: FunctionTool): LlmTool {
  const f = t.function;
  return { name: f.name, description: f.description ?? '', input_schema: f.parameters ?? { type: 'object', properties: {} } };
}

function toolChoice(c: ToolChoiceParam, tools: LlmTool[]): ToolChoice {
  if (tools.length === 0) throw invalidField('tool_choice', 'tool_choice is only allowed when tools are given');
  if (c === 'auto' || c === 'none') return { type: c };
  if (c === 'required') return { type: 'any' };
  if (!tools.some((t) => t.name === c.function.name)) throw invalidField('tool_choice', `no tool named "${c.function.name}" was given`);
  return { type: 'tool', name: c.function.name };
}

function responseFormat(req: ChatCompletionRequest): ResponseFormat | null {
  const rf = req.response_format;
  if (!rf || rf.type === 'text') return null;
  if (rf.type === 'json_object') return { type: 'json_object' };
  const s = rf.json_schema;
  if (!s.schema) throw invalidField('response_format.json_schema.schema', 'a JSON Schema is required', 'missing_required_parameter');
  return { type: 'json_schema', name: s.name, schema: s.schema, ...(s.strict != null ? { strict: s.strict } : {}), ...(s.description ? { description: s.description } : {}) };
}
