/**
 * Conversations found by their transcript. A client of the OpenAI-compatible
 * endpoint sends the whole conversation with every request and has no
 * conversation id to send: after each turn the transcript it now holds is
 * remembered by fingerprint, and the next request's earlier messages are
 * looked up the same way. Two fingerprints per turn: of every message, and
 * of the user messages alone (a client that reformats assistant text still
 * continues). The project and agent are inside the hash, so a lookup never
 * crosses them.
 */
import { createHash } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import type { AgentName } from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import { chat_threads } from './agents.sql.ts';

export interface TranscriptMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** Line endings and surrounding blanks are the client's to change; the words are not. */
const normal = (m: TranscriptMessage): [string, string] => [m.role, m.content.replace(/\r\n?/g, '\n').trim()];

export function fingerprint(kind: 'full' | 'users', projectId: string, agent: AgentName, transcript: TranscriptMessage[]): string {
  const messages = (kind === 'users' ? transcript.filter((m) => m.role === 'user') : transcript).map(normal);
  return createHash('sha256').update(JSON.stringify([kind, projectId, agent, messages])).digest('hex');
}

export class ChatThreads {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  /** The conversation this transcript continues, or null (an empty transcript starts a new one). */
  find(projectId: string, agent: AgentName, transcript: TranscriptMessage[]): string | null {
    if (transcript.length === 0) return null;
    const full = fingerprint('full', projectId, agent, transcript);
    const users = fingerprint('users', projectId, agent, transcript);
    const rows = this.db.select().from(chat_threads).where(inArray(chat_threads.fingerprint, [full, users])).all();
    return (rows.find((r) => r.fingerprint === full) ?? rows.find((r) => r.fingerprint === users))?.conversation_id ?? null;
  }

  /** After a turn: the transcript as the client now has it leads to `conversationId`. */
  remember(projectId: string, agent: AgentName, transcript: TranscriptMessage[], conversationId: string): void {
    const now = this.now();
    this.db.transaction((tx) => {
      for (const kind of ['full', 'users'] as const) {
        const row = { fingerprint: fingerprint(kind, projectId, agent, transcript), conversation_id: conversationId, created_at: now };
        tx.insert(chat_threads).values(row).onConflictDoUpdate({ target: chat_threads.fingerprint, set: { conversation_id: conversationId, created_at: now } }).run();
      }
    });
  }
}
