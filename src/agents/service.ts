/**
 * The agents domain's public face: chat turns, their history, approvals,
 * cancellation and what each agent is doing now. Invariants: one turn at a
 * time per conversation (a second one is a CONFLICT); a turn that fails
 * before the model answered anything leaves nothing behind and throws (the
 * API maps the error); once it answered, everything it does is written as it
 * happens, so a cancelled or failed turn keeps its partial work.
 */
import {
  ZeblitError,
  conflict,
  newId,
  type AgentDefinition,
  type AgentName,
  type AgentStatus,
  type Approval,
  type ApprovalDecision,
  type ChatInput,
  type ChatMessage,
  type ChatResponse,
  type ChatStreamRecord,
  type CheckpointKind,
  type Conversation,
  type HistoryQuery,
  type Project,
  type TurnStatus,
  type TurnUsage,
} from '../contracts/index.ts';
import type { Db } from '../db/index.ts';
import type { EventBus } from '../events/index.ts';
import type { CallMeta, LlmClient, LlmMessage } from '../llm/index.ts';
import { Approvals } from './approvals.ts';
import { BoundedMap } from './bounded-map.ts';
import { DEFAULT_CONTEXT_BUDGET, estimateTokens, historyWithin, pathsIn, projectSection, wellFormed, type ProjectSnapshot } from './context.ts';
import { AGENTS, agentDefinition, systemPrompt } from './definitions.ts';
import { DEFAULT_STEP_LIMIT, DEFAULT_TURN_COST_LIMIT_USD, Turn, runAgent, type LoopDeps, type TurnCaller } from './loop.ts';
import { AgentStatusBoard } from './status-board.ts';
import { ConversationStore, emptyUsage } from './store.ts';
import { ChatThreads, type TranscriptMessage } from './threads.ts';
import { closeCheckpoint, turnResponse } from './turn-end.ts';
import type { ToolServices } from './types.ts';

export interface ChatContext {
  userId: string | null;
  project: Project;
  /** The credential of the request, recorded on every model call of the turn. */
  caller?: TurnCaller;
}

export interface ChatOptions {
  onRecord?: (rec: ChatStreamRecord) => void;
  signal?: AbortSignal;
  /** What the turn's checkpoint is: a person's request (default) or an auto-fix attempt. */
  kind?: CheckpointKind;
}

export type ConversationWithMessages = Conversation & { messages: ChatMessage[] };

/** A turn that ended, for whoever listens (the daemon tells people of long ones). */
export interface TurnEnd {
  project: Project;
  userId: string | null;
  conversationId: string;
  agent: AgentName;
  status: TurnStatus;
  durationMs: number;
  answer: string;
}

export interface AgentOptions {
  /** Tool steps per agent loop (default 25; a delegate has its own count). */
  stepLimit?: number;
  /** USD a turn may spend across all its calls, delegates included (default 2). */
  turnCostLimitUsd?: number;
  /** Tokens of project context plus history the model sees per call (default 24,000). */
  contextBudgetTokens?: number;
  /** How long an approval waits for a person (default 5 min). */
  approvalTimeoutMs?: number;
  now?: () => number;
}

/** The LLM service as the agents use it: calls, and today's spending per agent for the status table. */
export type AgentLlm = LlmClient & {
  todayByAgent?(now?: number, projectIds?: readonly string[]): Record<string, { calls: number; cost_usd: number }>;
  /** Throws the refusal a call for `meta` would meet before reaching a provider (no provider, a budget spent). */
  check?(meta: CallMeta): void;
};

export interface AgentServiceDeps extends ToolServices {
  db: Db;
  bus: EventBus;
  llm: AgentLlm;
}

export class AgentService {
  private readonly store: ConversationStore;
  private readonly threads: ChatThreads;
  private readonly approvalsBox: Approvals;
  private readonly busy = new Map<string, Turn>();
  private readonly board: AgentStatusBoard;
  private readonly now: () => number;
  private readonly loopDeps: LoopDeps;
  /** The request-independent part of each project's context, until the project changes (see projectSection). */
  private readonly snapshots = new BoundedMap<string, ProjectSnapshot>(32);
  private readonly offBus: () => void;

  constructor(
    private readonly deps: AgentServiceDeps,
    private readonly options: AgentOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.store = new ConversationStore(deps.db, this.now);
    this.threads = new ChatThreads(deps.db, this.now);
    this.board = new AgentStatusBoard(deps.bus);
    this.approvalsBox = new Approvals(deps.db, deps.bus, { now: this.now, timeoutMs: options.approvalTimeoutMs });
    this.loopDeps = {
      llm: deps.llm,
      bus: deps.bus,
      services: { files: deps.files, containers: deps.containers, console: deps.console, tasks: deps.tasks },
      approvals: this.approvalsBox,
      setState: (agent, state, turn, message) => this.board.set(agent, state, turn, message),
    };
    // Files, console, runs, containers: anything but the agents' own events may change what the context shows.
    this.offBus = deps.bus.subscribe((e) => {
      if (e.topic !== 'agent') this.snapshots.delete(e.project_id);
    });
  }

  /** At daemon start: approvals left pending by a previous daemon can never be answered. */
  expireOrphanApprovals(): number {
    return this.approvalsBox.expireOrphans();
  }

  /**
   * At start: an assistant message still without a status belongs to a turn
   * the previous daemon did not finish (it was killed): it is marked failed,
   * saying so, rather than looking as if it were still running.
   */
  failOrphanTurns(): number {
    return this.store.failUnfinished('The daemon stopped during this turn; what it did before is kept.');
  }

  /** Shutdown: every running turn is cancelled and given a moment (at most `waitMs`) to record itself as 'cancelled' with its work. */
  async close(waitMs = 5_000): Promise<void> {
    this.offBus();
    for (const turn of this.busy.values()) turn.controller.abort();
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...this.running]), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  private readonly running = new Set<Promise<unknown>>();
  private readonly turnEnds = new Set<(e: TurnEnd) => void>();

  /** Called after each turn that ran (not one refused before it started). Returns the unsubscribe. */
  onTurnEnd(fn: (e: TurnEnd) => void): () => void {
    this.turnEnds.add(fn);
    return () => void this.turnEnds.delete(fn);
  }

  private turnEnded(e: TurnEnd): void {
    for (const fn of this.turnEnds) {
      try {
        fn(e);
      } catch {
        // a listener's failure is its own
      }
    }
  }

  definitions(): AgentDefinition[] {
    return AGENTS;
  }

  /**
   * The status table. `projectIds`: what the caller may see (their own
   * projects); the turns and today's calls of any other project are left
   * out, as if they did not exist. Without it: everything (an admin).
   */
  status(projectIds?: readonly string[]): AgentStatus[] {
    return this.board.table(this.deps.llm.todayByAgent?.(this.now(), projectIds) ?? {}, projectIds);
  }

  /**
   * What would refuse this turn before it starts, thrown now: an unknown agent
   * or conversation, a busy conversation, no provider, a spent budget. A
   * streamed chat calls it before opening its stream, so refusals stay
   * ordinary errors and the stream can open at once.
   */
  preflight(ctx: ChatContext, input: ChatInput): void {
    const agent: AgentName = input.agent ?? 'dev_manager';
    agentDefinition(agent);
    const existing = input.conversation_id ? this.store.mustConversation(ctx.project.id, input.conversation_id) : null;
    if (existing && this.busy.has(existing.id))
      throw conflict(`Conversation ${existing.id} is busy with another turn`, `Wait for it to finish, or cancel it: zeblit chat cancel ${existing.id}`);
    this.deps.llm.check?.({ project_id: ctx.project.id, agent, conversation_id: existing?.id ?? null, key_id: ctx.caller?.keyId ?? null, client_type: ctx.caller?.clientType ?? null });
  }

  /** One turn, routed to input.agent (default: the Dev Manager). userId null: the daemon itself (auto-fix). */
  chat(ctx: ChatContext, input: ChatInput, opts: ChatOptions = {}): Promise<ChatResponse> {
    const turn = this.turn(ctx, input, opts);
    const tracked = turn.then(
      () => void this.running.delete(tracked),
      () => void this.running.delete(tracked),
    );
    this.running.add(tracked);
    return turn;
  }

  private async turn(ctx: ChatContext, input: ChatInput, opts: ChatOptions): Promise<ChatResponse> {
    const { project } = ctx;
    const agent: AgentName = input.agent ?? 'dev_manager';
    agentDefinition(agent);
    const existing = input.conversation_id ? this.store.mustConversation(project.id, input.conversation_id) : null;
    const conversationId = existing?.id ?? newId('conversation', this.now());
    if (this.busy.has(conversationId))
      throw conflict(`Conversation ${conversationId} is busy with another turn`, `Wait for it to finish, or cancel it: zeblit chat cancel ${conversationId}`);
    const messageId = newId('message', this.now());
    // A listener that throws (a stream whose client went away) must not break the turn.
    const listener = opts.onRecord;
    const onRecord = (rec: ChatStreamRecord) => {
      try {
        listener?.(rec);
      } catch {
        // the turn goes on; what it does is recorded either way
      }
    };
    const turn = new Turn({
      project,
      userId: ctx.userId,
      caller: ctx.caller,
      conversationId,
      messageId,
      stepLimit: this.options.stepLimit ?? DEFAULT_STEP_LIMIT,
      costLimitUsd: this.options.turnCostLimitUsd ?? DEFAULT_TURN_COST_LIMIT_USD,
      onRecord,
      begin: () => {
        if (!existing) this.store.create({ id: conversationId, projectId: project.id, userId: ctx.userId, agent, firstMessage: input.message });
        this.store.append({ conversationId, role: 'user', agent: null, content: input.message });
        this.store.append({ id: messageId, conversationId, role: 'assistant', agent, content: '', status: null, steps: [], usage: emptyUsage() });
        // The turn's checkpoint: from now on what it changes is one reviewable, undoable unit.
        this.deps.files.checkpoints.begin({ id: messageId, projectId: project.id, conversationId, agent, kind: opts.kind ?? 'turn', request: input.message });
      },
      save: (t, status) => this.store.saveTurn(messageId, { content: t.answer, modelContent: t.exchange, status, steps: t.steps, usage: t.usage }),
    });
    this.busy.set(conversationId, turn);
    const onAbort = () => turn.controller.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    for (const p of pathsIn(input.message)) turn.taskPaths.add(p);
    const startedAt = this.now();

    try {
      onRecord({ type: 'start', conversation_id: conversationId, message_id: messageId, agent });
      // The user's own edits since the last look are recorded (author host) before the agent reads anything.
      await this.deps.files.syncHost(project.id, project.path ? 'host' : 'external');
      const budget = this.options.contextBudgetTokens ?? DEFAULT_CONTEXT_BUDGET;
      turn.projectSection = await projectSection(this.loopDeps.services, project, { budgetTokens: Math.floor(budget / 3), message: input.message }, this.snapshots);
      const historyBudget = Math.max(1_000, budget - estimateTokens(turn.projectSection) - estimateTokens(input.message));
      const history = existing
        ? await historyWithin(conversationId, historyBudget, {
            store: this.store,
            llm: this.deps.llm,
            meta: { project_id: project.id, conversation_id: conversationId, agent, key_id: ctx.caller?.keyId ?? null, client_type: ctx.caller?.clientType ?? null },
            signal: turn.signal,
            onUsage: (cost_usd, usage) => turn.addUsage({ cost_usd, usage }),
          })
        : [];
      const request: LlmMessage = { role: 'user', content: [{ type: 'text', text: input.message }] };
      const result = await runAgent(this.loopDeps, turn, agent, wellFormed([...history, request]), 0);
      // Cancelled before the model said anything: the request is still recorded, with what became of it.
      turn.start();
      if (result.status !== 'completed' && !turn.answer) turn.answer = result.answer;
      if (result.status === 'cancelled' && !turn.answer) turn.answer = 'Cancelled.';
      if (result.status === 'cost_limit' && !turn.answer) turn.answer = `Stopped: this turn reached its cost limit ($${turn.init.costLimitUsd.toFixed(2)}).`;
      if (result.status === 'failed' && !turn.answer) turn.answer = `Failed: ${result.error?.message ?? 'unknown error'}`;
      if (result.status === 'completed') turn.answer = result.answer;
      turn.save(result.status);
      this.store.addCost(conversationId, turn.usage.cost_usd);
      const git = await closeCheckpoint(this.deps.files, project, turn, agent, input.message, result.status);
      const response = turnResponse(turn, agent, result.status, result.error, git);
      onRecord({ type: 'done', response });
      this.turnEnded({ project, userId: ctx.userId, conversationId, agent, status: result.status, durationMs: this.now() - startedAt, answer: turn.answer });
      return response;
    } catch (err) {
      if (err instanceof ZeblitError) onRecord({ type: 'error', code: err.code, message: err.message, suggestion: err.suggestion });
      throw err;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.busy.delete(conversationId);
    }
  }

  /** Cancels the running turn of a conversation; NOT_FOUND for an unknown conversation. */
  cancel(projectId: string, conversationId: string): { cancelled: boolean } {
    const turn = this.busy.get(conversationId);
    if (turn && turn.init.project.id === projectId) {
      turn.controller.abort();
      return { cancelled: true };
    }
    this.store.mustConversation(projectId, conversationId);
    return { cancelled: false };
  }

  /** Conversations newest first; with q.conversation_id: that conversation with its messages. */
  history(projectId: string, q: HistoryQuery): { conversations: Conversation[]; total: number } | ConversationWithMessages {
    if (q.conversation_id) {
      const c = this.store.mustConversation(projectId, q.conversation_id);
      // Paged like the list: the newest `limit` messages (after skipping `offset` from the end), oldest first; message_count says how many there are.
      return { ...c, messages: this.store.page(c.id, q.limit, q.offset) };
    }
    return this.store.list(projectId, q.limit, q.offset);
  }

  /** The conversation a client's transcript (its messages before the new one) continues, for clients that send no conversation id. */
  findThread(projectId: string, agent: AgentName, transcript: TranscriptMessage[]): string | null {
    return this.threads.find(projectId, agent, transcript);
  }

  /** After a turn: the transcript the client now holds leads to this conversation. */
  rememberThread(projectId: string, agent: AgentName, transcript: TranscriptMessage[], conversationId: string): void {
    this.threads.remember(projectId, agent, transcript, conversationId);
  }

  approvals(projectId: string, status?: Approval['status']): Approval[] {
    return this.approvalsBox.list(projectId, status);
  }

  /** CONFLICT when the approval was already decided or expired. */
  decide(projectId: string, approvalId: string, d: ApprovalDecision, by: string): Approval {
    return this.approvalsBox.decide(projectId, approvalId, d, by);
  }

  /** For console analyze with ai:true: the Engineer explains errors, no tools. */
  async explainErrors(project: Project, errorsText: string): Promise<{ text: string; usage: TurnUsage }> {
    if (!errorsText.trim()) throw new ZeblitError('BAD_REQUEST', 'There are no errors to explain');
    const res = await this.deps.llm.complete({
      system: `${systemPrompt('engineer')}\n\nYou are asked to explain errors from the project "${project.name}" (template ${project.template}). You cannot use tools now: explain the probable cause of each error and the fix, briefly, in plain text.`,
      messages: [{ role: 'user', content: [{ type: 'text', text: `Explain these errors and how to fix them:\n\n${errorsText.slice(0, 40_000)}` }] }],
      tools: [],
      model: agentDefinition('engineer').model,
      max_tokens: 1_500,
      meta: { project_id: project.id, agent: 'engineer', conversation_id: null },
    });
    const usage: TurnUsage = { ...res.usage, calls: 1, cost_usd: res.cost_usd };
    return { text: res.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('').trim(), usage };
  }
}
