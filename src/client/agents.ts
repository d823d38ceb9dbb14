import type {
  AgentDefinition,
  AgentName,
  AgentStatus,
  Approval,
  ApprovalDecision,
  ChatRequest,
  ChatResponse,
  ChatStreamRecord,
  Conversation,
  ConversationWithMessages,
  PageOf,
} from '../contracts/index.ts';
import type { z } from 'zod';
import { API_VERSION } from '../contracts/version.ts';
import { ZeblitApiError } from './errors.ts';
import { seg, type Requester } from './requester.ts';
import { streamSse } from './stream.ts';
import type { StreamRequester } from './stream.ts';

const base = `/api/${API_VERSION}`;

/** A whole turn may take many model calls and commands: a non-streaming chat waits this long by default. */
const TURN_TIMEOUT_MS = 60 * 60_000;

export type ChatBody = Omit<ChatRequest, 'stream'>;
export type ConversationDetail = z.infer<typeof ConversationWithMessages>;
export type ApprovalState = Approval['status'];

export interface HistoryParams {
  limit?: number;
  offset?: number;
}

export interface ChatStreamOptions {
  /** Talk to this agent directly (POST /agents/{agent}/direct) instead of the chat route. */
  direct?: AgentName;
  /** Hangs up. The daemon goes on with the turn: cancel it with cancel(). */
  signal?: AbortSignal;
}

/** /agents and /projects/{id}/chat…: the agents, conversations with them, and the approvals they wait for. */
export class AgentsApi {
  constructor(private readonly r: Requester & StreamRequester) {}

  definitions(): Promise<AgentDefinition[]> {
    return this.r.request('GET', '/agents');
  }

  status(): Promise<AgentStatus[]> {
    return this.r.request('GET', '/agents/status');
  }

  /** One turn, waited for (no streaming). */
  chat(ref: string, body: ChatBody, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ChatResponse> {
    return this.r.request('POST', `/projects/${seg(ref)}/chat`, { json: { ...body, stream: false }, timeoutMs: opts.timeoutMs ?? TURN_TIMEOUT_MS, signal: opts.signal });
  }

  /** One turn with one agent directly, waited for. */
  direct(ref: string, agent: AgentName, body: Omit<ChatBody, 'agent'>, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ChatResponse> {
    return this.r.request('POST', `/projects/${seg(ref)}/agents/${seg(agent)}/direct`, { json: { ...body, stream: false }, timeoutMs: opts.timeoutMs ?? TURN_TIMEOUT_MS, signal: opts.signal });
  }

  /**
   * One turn as it happens: yields every record (start, text, tool calls and
   * results, run output, approvals) up to and including `done` or `error`.
   * A refusal before the turn starts (no provider, busy conversation, unknown
   * conversation) is thrown as a ZeblitApiError before anything is yielded.
   */
  stream(ref: string, body: ChatBody, opts: ChatStreamOptions = {}): AsyncGenerator<ChatStreamRecord, void, undefined> {
    const path = opts.direct
      ? `${base}/projects/${seg(ref)}/agents/${seg(opts.direct)}/direct`
      : `${base}/projects/${seg(ref)}/chat`;
    const { agent, ...rest } = body;
    const json = opts.direct ? { ...rest, stream: true } : { ...rest, ...(agent ? { agent } : {}), stream: true };
    return records((push) => streamSse<ChatStreamRecord>(this.r, { method: 'POST', path, json, signal: opts.signal }, push));
  }

  /** The project's conversations, newest first. */
  conversations(ref: string, query: HistoryParams = {}): Promise<PageOf<Conversation>> {
    return this.r.request('GET', `/projects/${seg(ref)}/chat/history`, { query: { ...query } });
  }

  /** One conversation with its messages and their steps. */
  conversation(ref: string, conversationId: string, query: HistoryParams = {}): Promise<ConversationDetail> {
    return this.r.request('GET', `/projects/${seg(ref)}/chat/history`, { query: { ...query, conversation_id: conversationId } });
  }

  /** Stops the turn running in this conversation; false when none was running. */
  cancel(ref: string, conversationId: string, opts: { signal?: AbortSignal } = {}): Promise<{ cancelled: boolean }> {
    return this.r.request('POST', `/projects/${seg(ref)}/chat/${seg(conversationId)}/cancel`, { signal: opts.signal });
  }

  approvals(ref: string, status?: ApprovalState): Promise<Approval[]> {
    return this.r.request('GET', `/projects/${seg(ref)}/chat/approvals`, { query: { status } });
  }

  decide(ref: string, approvalId: string, decision: ApprovalDecision): Promise<Approval> {
    return this.r.request('POST', `/projects/${seg(ref)}/chat/approvals/${seg(approvalId)}`, { json: decision });
  }

  approve(ref: string, approvalId: string, note?: string): Promise<Approval> {
    return this.decide(ref, approvalId, { decision: 'approve', ...(note ? { note } : {}) });
  }

  deny(ref: string, approvalId: string, note?: string): Promise<Approval> {
    return this.decide(ref, approvalId, { decision: 'deny', ...(note ? { note } : {}) });
  }
}

/**
 * Turns a callback stream into an async generator. Records are queued while
 * the consumer is busy (e.g. asking a person about an approval), so none is
 * lost; a stream that ends without `done` or `error` is an error.
 */
async function* records(run: (push: (r: ChatStreamRecord) => void) => Promise<void>): AsyncGenerator<ChatStreamRecord, void, undefined> {
  const queue: ChatStreamRecord[] = [];
  let wake: (() => void) | null = null;
  let finished = false;
  let failure: unknown = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  run((r) => {
    queue.push(r);
    notify();
  }).then(
    () => {
      finished = true;
      notify();
    },
    (e: unknown) => {
      failure = e ?? new Error('stream failed');
      finished = true;
      notify();
    },
  );
  let ended = false;
  for (;;) {
    const next = queue.shift();
    if (next) {
      if (next.type === 'done' || next.type === 'error') ended = true;
      yield next;
      continue;
    }
    if (finished) break;
    await new Promise<void>((r) => (wake = r));
  }
  if (failure && !ended) throw failure;
  if (!ended) throw new ZeblitApiError('STREAM_INTERRUPTED', 'The chat stream ended before the turn did', { status: 0, suggestion: 'The turn may still be running: see `zeblit chat history`.' });
}
