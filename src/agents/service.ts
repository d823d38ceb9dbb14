/**
 * The agents domain's public face: chat turns, their history, approvals,
 * cancellation and what each agent is doing now. One turn at a time per
 * conversation; everything a turn does is recorded as it happens, so a
 * cancelled or failed turn keeps its partial work.
 */
import {
  ZeblitError,
  type AgentDefinition,
  type AgentStatus,
  type Approval,
  type ApprovalDecision,
  type ChatInput,
  type ChatResponse,
  type ChatStreamRecord,
  type Conversation,
  type ChatMessage,
  type HistoryQuery,
  type Project,
  type TurnUsage,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import type { ToolServices } from './types.ts';

export interface ChatContext {
  userId: string | null;
  project: Project;
}

export interface ChatOptions {
  onRecord?: (rec: ChatStreamRecord) => void;
  signal?: AbortSignal;
}

export type ConversationWithMessages = Conversation & { messages: ChatMessage[] };

export interface AgentOptions {
  /** Tool steps per agent loop (default 25). */
  stepLimit?: number;
  /** USD a turn may spend across all its calls, delegates included (default 2). */
  turnCostLimitUsd?: number;
  /** Tokens of project context plus history the model sees per call (default 24,000). */
  contextBudgetTokens?: number;
  /** How long an approval waits for a person (default 5 min). */
  approvalTimeoutMs?: number;
  now?: () => number;
}

export interface AgentServiceDeps extends ToolServices {
  db: Db;
  bus: EventBus;
  /** The LlmService (src/llm); typed once it lands. */
  llm: { complete(req: never): Promise<unknown> };
}

export class AgentService {
  constructor(
    readonly deps: AgentServiceDeps,
    readonly options: AgentOptions = {},
  ) {}

  definitions(): AgentDefinition[] {
    throw new ZeblitError('NOT_IMPLEMENTED', 'agents are being built');
  }

  status(): AgentStatus[] {
    throw new ZeblitError('NOT_IMPLEMENTED', 'agents are being built');
  }

  /** One turn, routed to input.agent (default: the Dev Manager). userId null: the daemon itself (auto-fix). */
  chat(_ctx: ChatContext, _input: ChatInput, _opts: ChatOptions = {}): Promise<ChatResponse> {
    throw new ZeblitError('NOT_IMPLEMENTED', 'agents are being built');
  }

  /** Cancels the running turn of a conversation; NOT_FOUND for an unknown conversation. */
  cancel(_projectId: string, _conversationId: string): { cancelled: boolean } {
    throw new ZeblitError('NOT_IMPLEMENTED', 'agents are being built');
  }

  /** Conversations newest first; with q.conversation_id: that conversation with its messages. */
  history(_projectId: string, _q: HistoryQuery): { conversations: Conversation[]; total: number } | ConversationWithMessages {
    throw new ZeblitError('NOT_IMPLEMENTED', 'agents are being built');
  }

  approvals(_projectId: string, _status?: Approval['status']): Approval[] {
    throw new ZeblitError('NOT_IMPLEMENTED', 'agents are being built');
  }

  /** CONFLICT when the approval was already decided or expired. */
  decide(_projectId: string, _approvalId: string, _d: ApprovalDecision, _by: string): Approval {
    throw new ZeblitError('NOT_IMPLEMENTED', 'agents are being built');
  }

  /** For console analyze with ai:true: the Engineer explains errors, no tools. */
  explainErrors(_project: Project, _errorsText: string): Promise<{ text: string; usage: TurnUsage }> {
    throw new ZeblitError('NOT_IMPLEMENTED', 'agents are being built');
  }
}
