/**
 * One chat turn from the CLI: follows its stream, offers approvals inline on
 * a terminal, and turns Ctrl-C into a cancel of the turn (POST …/cancel, then
 * exit 130); a second Ctrl-C hangs up at once. Hanging up alone would not
 * stop the turn: the daemon keeps working for a client that lost its line.
 */
import type { AgentsApi, ChatBody } from '../../../src/client/index.ts';
import type { ChatResponse, ChatStreamRecord } from '../../../src/contracts/index.ts';
import { exitCodeOfTurn, type ChatView } from './render.ts';

/** Ctrl-C from wherever it comes (the process signal, readline in raw mode). */
export class Interrupts {
  private readonly handlers = new Set<() => void>();

  fire = (): void => {
    for (const h of [...this.handlers]) h();
  };

  on(handler: () => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  get listening(): boolean {
    return this.handlers.size > 0;
  }
}

export interface TurnIo {
  api: AgentsApi;
  projectId: string;
  /** Renders records; null with --json (only the final answer is printed). */
  view: ChatView | null;
  /** Notes for a person (cancelling, decisions, hints), on stderr. */
  note: (text: string) => void;
  interrupts: Interrupts;
  /** Asks a person on the terminal; absent when there is none. Resolves '' when aborted or closed. */
  ask?: (question: string, signal: AbortSignal) => Promise<string>;
  /** The conversation is known (the first record): remember it for the next `zeblit chat`. */
  onConversation?: (conversationId: string) => void;
}

export interface TurnOutcome {
  response: ChatResponse | null;
  conversationId: string | null;
  code: number;
}

export async function runTurn(io: TurnIo, body: ChatBody): Promise<TurnOutcome> {
  const hangup = new AbortController();
  let conversationId: string | null = null;
  let interrupted = 0;
  let cancelling: Promise<void> | null = null;
  let response: ChatResponse | null = null;
  let failed = false;
  // The open approval question, if any (a holder: callbacks change it).
  const asking: { current: AbortController | null } = { current: null };

  const cancel = (id: string) => {
    cancelling = io.api.cancel(io.projectId, id, { signal: hangup.signal }).then(
      (r) => io.note(r.cancelled ? `Cancelled (conversation ${id}).\n` : 'The turn had already ended.\n'),
      (e: unknown) => {
        if (!hangup.signal.aborted) io.note(`Could not cancel: ${(e as Error).message}\n`);
      },
    ).finally(() => hangup.abort());
  };
  const off = io.interrupts.on(() => {
    interrupted += 1;
    asking.current?.abort();
    if (interrupted > 1) return hangup.abort();
    io.note('\nCancelling the turn… (Ctrl-C again to quit at once)\n');
    // Before the first record the conversation is unknown: cancel as soon as it is named.
    if (conversationId) cancel(conversationId);
  });

  const approval = (r: Extract<ChatStreamRecord, { type: 'approval_needed' }>) => {
    const how = `zeblit approve ${r.approval_id}   or   zeblit deny ${r.approval_id} --note "why"`;
    if (!io.ask) return io.note(`Waiting for approval ${r.approval_id}: ${how}\n`);
    const ac = new AbortController();
    asking.current = ac;
    void io.ask('  [a]pprove / [d]eny (d <note> tells the agent why), Enter to leave it waiting: ', ac.signal).then(async (answer) => {
      if (asking.current === ac) asking.current = null;
      // Only the words themselves: "add a test" typed ahead must not approve anything.
      const m = /^\s*(a|approve|d|deny)(?:\s+(.*))?$/i.exec(answer);
      if (!m || ac.signal.aborted) {
        if (!ac.signal.aborted) io.note(`  Left waiting: ${how}\n`);
        return;
      }
      const decision = m[1]?.toLowerCase().startsWith('a') ? 'approve' : 'deny';
      const note = m[2]?.trim();
      try {
        const a = await io.api.decide(io.projectId, r.approval_id, { decision, ...(note ? { note } : {}) });
        io.note(`  ${a.status === 'approved' ? 'Approved' : a.status === 'denied' ? 'Denied' : a.status}.\n`);
      } catch (e) {
        io.note(`  Could not ${decision}: ${(e as Error).message}\n`);
      }
    });
  };

  try {
    for await (const r of io.api.stream(io.projectId, body, { signal: hangup.signal })) {
      // The turn moved on (decided elsewhere, expired, cancelled): an open question is moot.
      if (asking.current && r.type !== 'status' && r.type !== 'approval_needed') {
        asking.current.abort();
        asking.current = null;
      }
      if (r.type === 'start') {
        conversationId = r.conversation_id;
        io.onConversation?.(r.conversation_id);
        if (interrupted === 1) cancel(r.conversation_id);
      }
      io.view?.record(r);
      if (r.type === 'approval_needed') approval(r);
      else if (r.type === 'done') response = r.response;
      else if (r.type === 'error') {
        failed = true;
        if (!io.view) io.note(`Error [${r.code}]: ${r.message}\n${r.suggestion ? `Hint: ${r.suggestion}\n` : ''}`);
      }
    }
  } catch (e) {
    if (!interrupted) throw e;
  } finally {
    off();
    asking.current?.abort();
  }
  if (interrupted) {
    if (cancelling) await cancelling;
    return { response, conversationId, code: 130 };
  }
  if (failed || !response) return { response, conversationId, code: 1 };
  return { response, conversationId, code: exitCodeOfTurn(response.status) };
}
