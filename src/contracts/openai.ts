import { z } from 'zod';

/**
 * OpenAI's wire shapes, as the OpenAI-compatible endpoint under /v1 speaks
 * them (Chat Completions, models, embeddings, errors). Requests are parsed
 * leniently where OpenAI's own API is: unknown fields are ignored (clients
 * send vendor extras), and `null` stands for "not given" as OpenAI allows.
 * These are OpenAI's shapes, not Zeblit's envelope: nothing under /v1 is
 * wrapped in it.
 */

/** `null` or absent: not given. */
const opt = <T extends z.ZodType>(t: T) => t.nullable().optional();

export const TextPart = z.object({ type: z.literal('text'), text: z.string() });
export const ImagePart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({ url: z.string().min(1).max(30_000_000), detail: z.enum(['auto', 'low', 'high']).optional() }),
});
/** Parts OpenAI defines that no provider here takes: refused with a clear 400 by the endpoint, not by the schema. */
export const UnsupportedPart = z.object({ type: z.enum(['input_audio', 'file']) }).loose();
export const RefusalPart = z.object({ type: z.literal('refusal'), refusal: z.string() });

export const UserPart = z.discriminatedUnion('type', [TextPart, ImagePart, UnsupportedPart]);
export type UserPart = z.infer<typeof UserPart>;

export const ToolCall = z.object({
  id: z.string().min(1).max(200),
  type: z.literal('function').default('function'),
  function: z.object({ name: z.string().min(1).max(200), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCall>;

export const SystemMessage = z.object({ role: z.literal('system'), content: z.union([z.string(), z.array(TextPart)]), name: z.string().optional() });
export const DeveloperMessage = z.object({ role: z.literal('developer'), content: z.union([z.string(), z.array(TextPart)]), name: z.string().optional() });
export const UserMessage = z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(UserPart)]), name: z.string().optional() });
export const AssistantMessage = z.object({
  role: z.literal('assistant'),
  content: opt(z.union([z.string(), z.array(z.discriminatedUnion('type', [TextPart, RefusalPart]))])),
  tool_calls: opt(z.array(ToolCall)),
  refusal: opt(z.string()),
  name: z.string().optional(),
});
export const ToolMessage = z.object({ role: z.literal('tool'), content: z.union([z.string(), z.array(TextPart)]), tool_call_id: z.string().min(1).max(200) });

export const ChatMessageParam = z.discriminatedUnion('role', [SystemMessage, DeveloperMessage, UserMessage, AssistantMessage, ToolMessage]);
export type ChatMessageParam = z.infer<typeof ChatMessageParam>;

export const FunctionTool = z.object({
  type: z.literal('function'),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64'),
    description: z.string().max(100_000).optional(),
    parameters: z.record(z.string(), z.unknown()).optional(),
    strict: opt(z.boolean()),
  }),
});
export type FunctionTool = z.infer<typeof FunctionTool>;

export const ToolChoiceParam = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);
export type ToolChoiceParam = z.infer<typeof ToolChoiceParam>;

export const ResponseFormatParam = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'letters, digits, _ and - only, at most 64'),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: opt(z.boolean()),
    }),
  }),
]);
export type ResponseFormatParam = z.infer<typeof ResponseFormatParam>;

export const ChatCompletionRequest = z.object({
  model: z.string().min(1).max(256),
  messages: z.array(ChatMessageParam).min(1, 'at least one message is required'),
  tools: opt(z.array(FunctionTool).max(128)),
  tool_choice: opt(ToolChoiceParam),
  parallel_tool_calls: opt(z.boolean()),
  temperature: opt(z.number().min(0).max(2)),
  top_p: opt(z.number().min(0).max(1)),
  max_tokens: opt(z.number().int().min(1)),
  max_completion_tokens: opt(z.number().int().min(1)),
  stop: opt(z.union([z.string(), z.array(z.string()).max(4)])),
  response_format: opt(ResponseFormatParam),
  stream: opt(z.boolean()),
  stream_options: opt(z.object({ include_usage: opt(z.boolean()) })),
  user: opt(z.string().max(256)),
  n: opt(z.number().int().min(1).max(128)),
  /** Accepted and ignored: no provider here samples reproducibly. */
  seed: opt(z.number().int()),
  logprobs: opt(z.boolean()),
  top_logprobs: opt(z.number().int().min(0).max(20)),
  frequency_penalty: opt(z.number().min(-2).max(2)),
  presence_penalty: opt(z.number().min(-2).max(2)),
  /** The deprecated predecessors of tools: refused with a pointer to tools. */
  functions: z.unknown().optional(),
  function_call: z.unknown().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const CompletionUsage = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
  prompt_tokens_details: z.object({ cached_tokens: z.number().int() }),
});
export type CompletionUsage = z.infer<typeof CompletionUsage>;

export const FinishReason = z.enum(['stop', 'length', 'tool_calls', 'content_filter']);
export type FinishReason = z.infer<typeof FinishReason>;

export const ChatCompletion = z.object({
  id: z.string(),
  object: z.literal('chat.completion'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({ role: z.literal('assistant'), content: z.string().nullable(), refusal: z.null(), tool_calls: z.array(ToolCall).optional() }),
      logprobs: z.null(),
      finish_reason: FinishReason,
    }),
  ),
  usage: CompletionUsage,
  system_fingerprint: z.string().nullable(),
});
export type ChatCompletion = z.infer<typeof ChatCompletion>;

export const ToolCallDelta = z.object({
  index: z.number().int(),
  id: z.string().optional(),
  type: z.literal('function').optional(),
  function: z.object({ name: z.string().optional(), arguments: z.string().optional() }),
});

export const ChatCompletionChunk = z.object({
  id: z.string(),
  object: z.literal('chat.completion.chunk'),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      delta: z.object({ role: z.literal('assistant').optional(), content: z.string().nullable().optional(), tool_calls: z.array(ToolCallDelta).optional() }),
      logprobs: z.null(),
      finish_reason: FinishReason.nullable(),
    }),
  ),
  system_fingerprint: z.string().nullable(),
  /** Only with stream_options.include_usage: null on every chunk but the last, which has no choices. */
  usage: CompletionUsage.nullable().optional(),
});
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

export const OpenAIModel = z.object({
  id: z.string().describe('provider/model (anthropic/…, openai/…, compatible/…) or zeblit/<agent>'),
  object: z.literal('model'),
  created: z.number().int(),
  owned_by: z.string(),
});
export type OpenAIModel = z.infer<typeof OpenAIModel>;

export const OpenAIModelList = z.object({ object: z.literal('list'), data: z.array(OpenAIModel) });
export type OpenAIModelList = z.infer<typeof OpenAIModelList>;

export const EmbeddingRequest = z.object({
  model: z.string().min(1).max(256),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: opt(z.enum(['float', 'base64'])),
  dimensions: opt(z.number().int().min(1).max(65_536)),
  user: opt(z.string().max(256)),
});
export type EmbeddingRequest = z.infer<typeof EmbeddingRequest>;

export const EmbeddingResponse = z.object({
  object: z.literal('list'),
  data: z.array(z.object({ object: z.literal('embedding'), index: z.number().int(), embedding: z.union([z.array(z.number()), z.string()]) })),
  model: z.string(),
  usage: z.object({ prompt_tokens: z.number().int(), total_tokens: z.number().int() }),
});
export type EmbeddingResponse = z.infer<typeof EmbeddingResponse>;

/** OpenAI's error body: what every /v1 failure answers, with the matching HTTP status. */
export const OpenAIErrorBody = z.object({
  error: z.object({
    message: z.string(),
    type: z.string().describe('invalid_request_error, authentication_error, permission_error, not_found_error, rate_limit_error, insufficient_quota, server_error'),
    param: z.string().nullable().describe('The request field at fault, e.g. messages[2].content'),
    code: z.string().nullable().describe('invalid_api_key, model_not_found, rate_limit_exceeded, insufficient_quota, …'),
  }),
});
export type OpenAIErrorBody = z.infer<typeof OpenAIErrorBody>;

/** The header that names the project of a zeblit/<agent> model (an id or a name). */
export const PROJECT_HEADER = 'x-zeblit-project';
