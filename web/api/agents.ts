import type { AgentDefinition, AgentName, Approval, ChatMessage, ChatStreamRecord, Conversation, PageOf } from '../../src/contracts/index.ts';
import { seg } from '../../src/client/requester.ts';
import type { WebRequester } from './http.ts';
import { readRecords } from './stream.ts';

/** ConversationWithMessages of the contracts. */
export type ConversationDetail = Conversation & { messages: ChatMessage[] };

/** /agents and /projects/{id}/chat… in the browser: a turn streams as server-sent events read from fetch. */
export class WebAgentsApi {
  constructor(private readonly r: WebRequester) {}

  definitions(): Promise<AgentDefinition[]> {
    return this.r.request('GET', '/agents');
  }

  conversations(ref: string): Promise<PageOf<Conversation>> {
    return this.r.request('GET', `/projects/${seg(ref)}/chat/history`, { query: { limit: 50 } });
  }

  conversation(ref: string, id: string): Promise<ConversationDetail> {
    return this.r.request('GET', `/projects/${seg(ref)}/chat/history`, { query: { conversation_id: id, limit: 200 } });
  }

  /** One turn as it happens: every record up to `done` or `error` is handed to `onRecord`. */
  async stream(ref: string, body: { message: string; conversation_id?: string; agent?: AgentName }, onRecord: (r: ChatStreamRecord) => void, signal?: AbortSignal): Promise<void> {
    const res = await this.r.fetch('POST', `/projects/${seg(ref)}/chat`, {
      body: JSON.stringify({ ...body, stream: true }),
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      signal,
    });
    await readRecords<ChatStreamRecord>(res, 'sse', onRecord);
  }

  cancel(ref: string, conversationId: string): Promise<{ cancelled: boolean }> {
    return this.r.request('POST', `/projects/${seg(ref)}/chat/${seg(conversationId)}/cancel`);
  }

  approvals(ref: string, status?: Approval['status']): Promise<Approval[]> {
    return this.r.request('GET', `/projects/${seg(ref)}/chat/approvals`, { query: { status } });
  }

  decide(ref: string, approvalId: string, decision: 'approve' | 'deny', note?: string): Promise<Approval> {
    return this.r.request('POST', `/projects/${seg(ref)}/chat/approvals/${seg(approvalId)}`, { json: { decision, ...(note ? { note } : {}) } });
  }
}
