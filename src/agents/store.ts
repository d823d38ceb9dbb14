/**
 * Conversations and their messages. A turn is one user message and one
 * assistant message; the assistant row is rewritten as the turn goes (steps,
 * usage, the exact model exchange), so a turn that is cancelled or fails
 * keeps what it did. `model_content` holds provider-neutral blocks that a
 * later turn replays as they were.
 */
import { and, asc, count, desc, eq, getTableColumns, isNull, max, sql } from 'drizzle-orm';
import { newId, notFound, type AgentName, type ChatMessage, type ChatStep, type Conversation, type TurnStatus, type TurnUsage } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { LlmMessage } from '../llm/index.ts';
import { conversations, messages } from './agents.sql.ts';

type ConversationRow = typeof conversations.$inferSelect;
type MessageRow = typeof messages.$inferSelect;

/** What a summary row keeps in model_content: the last seq it stands for. */
export interface SummaryMeta {
  upto_seq: number;
}

export interface StoredMessage extends ChatMessage {
  seq: number;
  model_content: unknown;
}

const TITLE_MAX = 80;

/** The first line of the first message, whitespace folded, cut at a word near 80 characters. */
export function titleOf(message: string): string {
  const line = message.trim().split('\n')[0]?.replace(/\s+/g, ' ').trim() ?? '';
  if (line.length <= TITLE_MAX) return line || 'Conversation';
  const cut = line.slice(0, TITLE_MAX);
  const space = cut.lastIndexOf(' ');
  return `${(space > 40 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export const emptyUsage = (): TurnUsage => ({ input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, calls: 0, cost_usd: 0 });

const toMessage = (r: MessageRow): StoredMessage => ({
  id: r.id,
  conversation_id: r.conversation_id,
  seq: r.seq,
  role: r.role,
  agent: (r.agent as AgentName | null) ?? null,
  content: r.content,
  status: (r.status as TurnStatus | null) ?? null,
  steps: (r.steps as ChatStep[] | null) ?? [],
  usage: (r.usage as TurnUsage | null) ?? null,
  created_at: r.created_at,
  model_content: r.model_content,
});

export class ConversationStore {
  private readonly updateAssistant;

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    // The hot write of a turn (after every step): prepared once.
    this.updateAssistant = db
      .update(messages)
      .set({
        content: sql.placeholder('content') as unknown as string,
        model_content: sql`json(${sql.placeholder('model_content')})`,
        status: sql.placeholder('status') as unknown as string,
        steps: sql`json(${sql.placeholder('steps')})`,
        usage: sql`json(${sql.placeholder('usage')})`,
      })
      .where(eq(messages.id, sql.placeholder('id')))
      .prepare();
  }

  conversation(projectId: string, id: string): Conversation | undefined {
    const row = this.db
      .select()
      .from(conversations)
      .where(and(eq(conversations.id, id), eq(conversations.project_id, projectId)))
      .get();
    return row ? this.toConversation(row) : undefined;
  }

  mustConversation(projectId: string, id: string): Conversation {
    const c = this.conversation(projectId, id);
    if (!c) throw notFound(`Conversation ${id}`, 'List conversations with: zeblit chat history');
    return c;
  }

  list(projectId: string, limit: number, offset: number): { conversations: Conversation[]; total: number } {
    const rows = this.db
      .select()
      .from(conversations)
      .where(eq(conversations.project_id, projectId))
      .orderBy(desc(conversations.updated_at), desc(conversations.id))
      .limit(limit)
      .offset(offset)
      .all();
    const total = this.db.select({ n: count() }).from(conversations).where(eq(conversations.project_id, projectId)).get()?.n ?? 0;
    return { conversations: rows.map((r) => this.toConversation(r)), total };
  }

  create(input: { id?: string; projectId: string; userId: string | null; agent: AgentName; firstMessage: string }): Conversation {
    const now = this.now();
    const row: ConversationRow = {
      id: input.id ?? newId('conversation', now),
      project_id: input.projectId,
      user_id: input.userId,
      title: titleOf(input.firstMessage),
      agent: input.agent,
      cost_usd: 0,
      created_at: now,
      updated_at: now,
    };
    this.db.insert(conversations).values(row).run();
    return this.toConversation(row);
  }

  /** Appends a message at the next seq; returns it. */
  append(input: {
    id?: string;
    conversationId: string;
    role: ChatMessage['role'];
    agent: AgentName | null;
    content: string;
    modelContent?: unknown;
    status?: TurnStatus | null;
    steps?: ChatStep[];
    usage?: TurnUsage | null;
  }): StoredMessage {
    const now = this.now();
    return this.db.transaction((tx) => {
      const seq = (tx.select({ m: max(messages.seq) }).from(messages).where(eq(messages.conversation_id, input.conversationId)).get()?.m ?? 0) + 1;
      const row: MessageRow = {
        id: input.id ?? newId('message', now),
        conversation_id: input.conversationId,
        seq,
        role: input.role,
        agent: input.agent,
        content: input.content,
        model_content: input.modelContent ?? null,
        status: input.status ?? null,
        steps: input.steps ?? [],
        usage: input.usage ?? null,
        created_at: now,
      };
      tx.insert(messages).values(row).run();
      tx.update(conversations).set({ updated_at: now }).where(eq(conversations.id, input.conversationId)).run();
      return toMessage(row);
    });
  }

  /** Rewrites the assistant message of a running turn (after every step and at the end). */
  saveTurn(id: string, t: { content: string; modelContent: LlmMessage[]; status: TurnStatus | null; steps: ChatStep[]; usage: TurnUsage }): void {
    this.updateAssistant.run({
      id,
      content: t.content,
      model_content: JSON.stringify(t.modelContent),
      status: t.status,
      steps: JSON.stringify(t.steps),
      usage: JSON.stringify(t.usage),
    });
  }

  /** Assistant messages of turns that never ended (a daemon killed mid-turn) become 'failed' with `note` appended. Returns how many. */
  failUnfinished(note: string): number {
    return this.db
      .update(messages)
      .set({ status: 'failed', content: sql`CASE WHEN ${messages.content} = '' THEN ${note} ELSE ${messages.content} || ${`\n\n[${note}]`} END` })
      .where(and(eq(messages.role, 'assistant'), isNull(messages.status)))
      .run().changes;
  }

  /** Adds a turn's spending to the conversation (once, at the end of the turn). */
  addCost(conversationId: string, usd: number): void {
    this.db
      .update(conversations)
      .set({ cost_usd: sql`${conversations.cost_usd} + ${usd}`, updated_at: this.now() })
      .where(eq(conversations.id, conversationId))
      .run();
  }

  /** A window of a conversation for people (history): the newest `limit` after skipping `offset` from the end, oldest first, without what the model saw. */
  page(conversationId: string, limit: number, offset: number): ChatMessage[] {
    const { model_content: _mc, seq: _seq, ...cols } = getTableColumns(messages);
    return this.db
      .select(cols)
      .from(messages)
      .where(eq(messages.conversation_id, conversationId))
      .orderBy(desc(messages.seq))
      .limit(limit)
      .offset(offset)
      .all()
      .reverse()
      .map((r) => {
        const { model_content: _m, seq: _s, ...m } = toMessage({ ...r, model_content: null, seq: 0 });
        return m;
      });
  }

  messages(conversationId: string): StoredMessage[] {
    return this.db.select().from(messages).where(eq(messages.conversation_id, conversationId)).orderBy(asc(messages.seq)).all().map(toMessage);
  }

  /** What the context needs: the newest summary, and every user/assistant message after what it covers. */
  forContext(conversationId: string): { summary: StoredMessage | null; turns: StoredMessage[] } {
    const all = this.messages(conversationId);
    let summary: StoredMessage | null = null;
    for (const m of all) if (m.role === 'summary') summary = m;
    const upto = summary ? ((summary.model_content as SummaryMeta | null)?.upto_seq ?? 0) : 0;
    return { summary, turns: all.filter((m) => m.role !== 'summary' && m.seq > upto) };
  }

  /** A turn that failed before anything happened leaves nothing behind (a brand new conversation included). */
  discard(conversationId: string, messageIds: string[], dropConversation: boolean): void {
    this.db.transaction((tx) => {
      for (const id of messageIds) tx.delete(messages).where(eq(messages.id, id)).run();
      if (dropConversation) tx.delete(conversations).where(eq(conversations.id, conversationId)).run();
    });
  }

  private toConversation(r: ConversationRow): Conversation {
    const n = this.db.select({ n: count() }).from(messages).where(eq(messages.conversation_id, r.id)).get()?.n ?? 0;
    return {
      id: r.id,
      project_id: r.project_id,
      title: r.title,
      agent: r.agent as AgentName,
      created_at: r.created_at,
      updated_at: r.updated_at,
      message_count: n,
      cost_usd: r.cost_usd,
    };
  }
}
