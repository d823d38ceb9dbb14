import { z } from 'zod';
import { TokenUsage } from './llm.ts';

/** The seven agents. Names are API identifiers; titles are for people. */
export const AGENT_NAMES = ['dev_manager', 'product_manager', 'architect', 'engineer', 'data_analyst', 'platform_engineer', 'security_engineer'] as const;
export const AgentName = z.enum(AGENT_NAMES);
export type AgentName = z.infer<typeof AgentName>;

export const TOOL_NAMES = ['list_files', 'read_file', 'write_file', 'edit_file', 'delete_file', 'search', 'run_command', 'read_console', 'delegate', 'finish'] as const;
export const ToolName = z.enum(TOOL_NAMES);
export type ToolName = z.infer<typeof ToolName>;

export const AgentDefinition = z.object({
  name: AgentName,
  title: z.string(),
  description: z.string(),
  tools: z.array(ToolName),
  model: z.string().nullable().describe('The model this agent asks for; null: the provider default'),
  default: z.boolean(),
});
export type AgentDefinition = z.infer<typeof AgentDefinition>;

export const AgentState = z.enum(['idle', 'working', 'waiting']);
export const AgentStatus = z.object({
  name: AgentName,
  title: z.string(),
  status: AgentState,
  project_id: z.string().nullable(),
  conversation_id: z.string().nullable(),
  calls_today: z.number().int(),
  cost_today_usd: z.number(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

export const ChatRequest = z.strictObject({
  message: z.string().trim().min(1, 'message is empty').max(100_000),
  conversation_id: z.string().max(100).optional().describe('Continue this conversation; omitted: a new one'),
  agent: AgentName.optional().describe('Default: the Dev Manager, who delegates'),
  stream: z.boolean().default(false).describe('Same as Accept: text/event-stream'),
});
export type ChatRequest = z.input<typeof ChatRequest>;
export type ChatInput = z.output<typeof ChatRequest>;

export const DirectRequest = ChatRequest.omit({ agent: true });

/** One tool call of a turn, as history and the chat response show it. */
export const ChatStep = z.object({
  call_id: z.string(),
  agent: AgentName,
  tool: z.string(),
  input: z.unknown(),
  ok: z.boolean(),
  output: z.string().describe('What the model saw (trimmed to a few KiB here)'),
  duration_ms: z.number().int(),
  files_changed: z.array(z.string()),
  run_id: z.string().nullable(),
  started_at: z.number().int(),
});
export type ChatStep = z.infer<typeof ChatStep>;

export const TurnStatus = z.enum(['completed', 'cancelled', 'failed', 'step_limit', 'cost_limit']);
export type TurnStatus = z.infer<typeof TurnStatus>;

export const TurnUsage = TokenUsage.extend({ calls: z.number().int(), cost_usd: z.number() });
export type TurnUsage = z.infer<typeof TurnUsage>;

export const ChatResponse = z.object({
  conversation_id: z.string(),
  message_id: z.string().describe('The assistant message of this turn'),
  agent: AgentName,
  status: TurnStatus,
  answer: z.string(),
  steps: z.array(ChatStep),
  files_changed: z.array(z.string()),
  runs: z.array(z.string()),
  usage: TurnUsage,
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  git: z
    .object({ commit: z.string().nullable().describe('The commit this turn made'), note: z.string().nullable().describe('Why none was made (a rebase in progress, a detached HEAD…)') })
    .nullable()
    .default(null)
    .describe('With the project setting git_commit on a folder project in a git repository: what became of the turn in git; null otherwise'),
});
export type ChatResponse = z.infer<typeof ChatResponse>;

/** One SSE record of a streamed chat (event: <type>, data: JSON). */
export const ChatStreamRecord = z.discriminatedUnion('type', [
  z.object({ type: z.literal('start'), conversation_id: z.string(), message_id: z.string(), agent: AgentName }),
  z.object({ type: z.literal('status'), agent: AgentName, status: AgentState, message: z.string().nullable() }),
  z.object({ type: z.literal('text'), agent: AgentName, delta: z.string() }),
  z.object({ type: z.literal('tool_call'), agent: AgentName, call_id: z.string(), tool: z.string(), input: z.unknown() }),
  z.object({ type: z.literal('tool_result'), agent: AgentName, call_id: z.string(), tool: z.string(), ok: z.boolean(), output: z.string() }),
  z.object({ type: z.literal('run_output'), run_id: z.string(), stream: z.enum(['stdout', 'stderr']), data: z.string() }),
  z.object({ type: z.literal('approval_needed'), approval_id: z.string(), agent: AgentName, tool: z.string(), input: z.unknown(), reason: z.string(), expires_at: z.number().int() }),
  z.object({ type: z.literal('done'), response: ChatResponse }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string(), suggestion: z.string().optional() }),
]);
export type ChatStreamRecord = z.infer<typeof ChatStreamRecord>;

export const MessageRole = z.enum(['user', 'assistant', 'summary']);
export const ChatMessage = z.object({
  id: z.string(),
  conversation_id: z.string(),
  role: MessageRole,
  agent: AgentName.nullable(),
  content: z.string(),
  status: TurnStatus.nullable(),
  steps: z.array(ChatStep),
  usage: TurnUsage.nullable(),
  created_at: z.number().int(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const Conversation = z.object({
  id: z.string(),
  project_id: z.string(),
  title: z.string(),
  agent: AgentName,
  created_at: z.number().int(),
  updated_at: z.number().int(),
  message_count: z.number().int(),
  cost_usd: z.number(),
});
export type Conversation = z.infer<typeof Conversation>;

export const HistoryQuery = z.object({
  conversation_id: z.string().max(100).optional().describe('Only this conversation, with its messages'),
  limit: z.coerce.number().int().min(1).max(200).default(20).describe('Conversations per page; with conversation_id: how many of its newest messages'),
  offset: z.coerce.number().int().min(0).default(0).describe('Conversations to skip; with conversation_id: newest messages to skip (page back through a long conversation)'),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export const ConversationWithMessages = Conversation.extend({ messages: z.array(ChatMessage) });

export const ApprovalStatus = z.enum(['pending', 'approved', 'denied', 'expired']);
export const Approval = z.object({
  id: z.string(),
  project_id: z.string(),
  conversation_id: z.string(),
  agent: AgentName,
  tool: z.string(),
  input: z.unknown(),
  reason: z.string(),
  status: ApprovalStatus,
  created_at: z.number().int(),
  expires_at: z.number().int(),
  decided_at: z.number().int().nullable(),
  decided_by: z.string().nullable().describe('Name of the user who decided; null while pending or when it expired'),
  note: z.string().nullable(),
});
export type Approval = z.infer<typeof Approval>;

export const ApprovalDecision = z.strictObject({
  decision: z.enum(['approve', 'deny']),
  note: z.string().max(2000).optional().describe('Told to the agent (why denied, what to do instead)'),
});
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const ApprovalListQuery = z.object({ status: ApprovalStatus.optional() });
