/**
 * The tool loop of one agent: ask the model, run the tools it calls, hand
 * back every result in one message, until it finishes, answers without
 * tools, or a limit stops it. The loop never dies of a tool: every failure
 * becomes an is_error tool_result the model reads. A Turn is shared by the
 * agent the user addressed and the agents it delegates to (one cost, one
 * cancellation, one list of steps).
 */
import { performance } from 'node:perf_hooks';
import { ZeblitError, type AgentName, type AgentStatus, type ChatStep, type ChatStreamRecord, type Project, type ToolName, type TurnStatus, type TurnUsage } from '../contracts/index.ts';
import type { EventBus } from '../events/index.ts';
import { invalidToolArguments, isCancelled, type ContentBlock, type LlmClient, type LlmMessage, type LlmResponse, type ToolResultBlock, type ToolUseBlock } from '../llm/index.ts';
import type { ApprovalOutcome, Approvals } from './approvals.ts';
import { agentDefinition, systemPrompt } from './definitions.ts';
import { TOOLS, toolSpecs } from './tools/index.ts';
import { ToolError, type FinishSignal, type ToolContext, type ToolServices } from './types.ts';

export const DEFAULT_STEP_LIMIT = 25;
export const DEFAULT_TURN_COST_LIMIT_USD = 2;
/** What a step keeps of a tool's output for history and the response (the model saw all of it). */
const STEP_OUTPUT_CHARS = 4_096;
/** Text deltas reach the bus in batches: every ~50 ms or 200 characters. */
const TEXT_FLUSH_MS = 50;
const TEXT_FLUSH_CHARS = 200;
/** Delegation depth: the addressed agent is 0, its delegates 1; a delegate cannot delegate. */
const MAX_DEPTH = 1;

export interface LoopDeps {
  llm: LlmClient;
  bus: EventBus;
  services: ToolServices;
  approvals: Approvals;
  /** An agent's state changed (the service keeps the table of GET /agents/status). */
  setState(agent: AgentName, state: AgentStatus['status'], turn: Turn, message: string | null): void;
}

export interface TurnInit {
  project: Project;
  userId: string | null;
  /** The credential the turn was asked with, recorded on each model call. */
  caller?: TurnCaller;
  conversationId: string;
  messageId: string;
  stepLimit: number;
  costLimitUsd: number;
  onRecord: (rec: ChatStreamRecord) => void;
  /** Called once, before anything of the turn is written (the first model answer, or the end). */
  begin: () => void;
  /** Saves the assistant message as it stands. */
  save: (turn: Turn, status: TurnStatus | null) => void;
}

/** Who asked for a turn: the API key and its client type (null: the socket owner, or the daemon itself). */
export interface TurnCaller {
  keyId: string | null;
  clientType: string | null;
}

export class Turn {
  readonly controller = new AbortController();
  readonly steps: ChatStep[] = [];
  readonly filesChanged = new Set<string>();
  readonly runs: string[] = [];
  readonly usage: TurnUsage = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, calls: 0, cost_usd: 0 };
  readonly taskPaths = new Set<string>();
  /** The addressed agent's exchange after the user message: replayed by later turns. */
  readonly exchange: LlmMessage[] = [];
  answer = '';
  /** The project section of the system prompt, built once per turn. */
  projectSection = '';
  started = false;

  constructor(readonly init: TurnInit) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.init.begin();
  }

  addUsage(res: Pick<LlmResponse, 'usage' | 'cost_usd'>): void {
    this.usage.calls++;
    this.usage.input_tokens += res.usage.input_tokens;
    this.usage.output_tokens += res.usage.output_tokens;
    this.usage.cache_read_tokens += res.usage.cache_read_tokens;
    this.usage.cache_write_tokens += res.usage.cache_write_tokens;
    this.usage.cost_usd += res.cost_usd;
  }

  save(status: TurnStatus | null = null): void {
    if (this.started) this.init.save(this, status);
  }
}

export interface AgentResult {
  status: TurnStatus;
  answer: string;
  error: { code: string; message: string } | null;
}

const textOf = (content: ContentBlock[]): string => content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
const trim = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max)}\n… (${s.length - max} more characters)`);

/** Text deltas: each to the stream at once, to the bus in batches. */
class TextStream {
  private buffer = '';
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly deps: LoopDeps,
    private readonly turn: Turn,
    private readonly agent: AgentName,
  ) {}

  push = (delta: string): void => {
    if (!delta) return;
    this.turn.init.onRecord({ type: 'text', agent: this.agent, delta });
    this.buffer += delta;
    if (this.buffer.length >= TEXT_FLUSH_CHARS) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), TEXT_FLUSH_MS);
  };

  flush(done = false): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // done: always said once at the end, so a client can close the message even when no text came.
    if (!this.buffer && !done) return;
    const { project, conversationId, messageId } = this.turn.init;
    this.deps.bus.publish(project.id, 'agent.message', { agent: this.agent, conversation_id: conversationId, message_id: messageId, delta: this.buffer, done });
    this.buffer = '';
  }
}

/**
 * Runs `agent` on `messages` (its history and the request). depth 0 is the
 * agent the user addressed: its exchange is recorded on the turn. Throws only
 * when the very first model call of the turn fails (nothing happened yet).
 */
export async function runAgent(deps: LoopDeps, turn: Turn, agent: AgentName, messages: LlmMessage[], depth: number): Promise<AgentResult> {
  const def = agentDefinition(agent);
  const toolNames = def.tools.filter((t) => depth < MAX_DEPTH || t !== 'delegate');
  const tools = toolSpecs(toolNames);
  const system = turn.projectSection ? `${systemPrompt(agent)}\n\n${turn.projectSection}` : systemPrompt(agent);
  const convo = [...messages];
  const record = (m: LlmMessage) => {
    convo.push(m);
    if (depth === 0) turn.exchange.push(m);
  };
  const text = new TextStream(deps, turn, agent);
  let steps = 0;
  deps.setState(agent, 'working', turn, depth === 0 ? null : 'delegated sub-task');
  let ended = false;
  const end = (r: AgentResult): AgentResult => {
    ended = true;
    text.flush(true);
    deps.setState(agent, 'idle', turn, null);
    return r;
  };

  try {
    return await loop();
  } finally {
    // Something threw past the loop's own handling (the database, say): the agent is still not working any more.
    if (!ended) end({ status: 'failed', answer: '', error: null });
  }

  async function loop(): Promise<AgentResult> {
    for (;;) {
      if (turn.signal.aborted) return end({ status: 'cancelled', answer: '', error: null });
      if (turn.usage.cost_usd >= turn.init.costLimitUsd) return end({ status: 'cost_limit', answer: '', error: null });
      let res: LlmResponse;
      try {
        res = await deps.llm.complete({
          system,
          messages: convo,
          tools,
          model: def.model,
          meta: { project_id: turn.init.project.id, agent, conversation_id: turn.init.conversationId, key_id: turn.init.caller?.keyId ?? null, client_type: turn.init.caller?.clientType ?? null },
          onText: text.push,
          signal: turn.signal,
          turnCostLimitUsd: turn.init.costLimitUsd,
          turnCostSoFarUsd: turn.usage.cost_usd,
        });
      } catch (err) {
        text.flush();
        if (turn.signal.aborted || isCancelled(err)) return end({ status: 'cancelled', answer: '', error: null });
        if (!turn.started) {
          end({ status: 'failed', answer: '', error: null });
          throw err;
        }
        const code = err instanceof ZeblitError ? err.code : 'INTERNAL';
        const message = err instanceof Error ? err.message : String(err);
        return end({ status: 'failed', answer: '', error: { code, message } });
      }
      text.flush();
      turn.start();
      turn.addUsage(res);
      record({ role: 'assistant', content: res.content });
      const said = textOf(res.content);
      if (depth === 0 && said) turn.answer = said;
      const uses = res.content.filter((b): b is ToolUseBlock => b.type === 'tool_use');
      if (uses.length === 0) {
        turn.save();
        return end({ status: 'completed', answer: said, error: null });
      }

      const results: ToolResultBlock[] = [];
      let finish: FinishSignal | null = null;
      let limited = false;
      for (const use of uses) {
        if (turn.signal.aborted) {
          results.push({ type: 'tool_result', tool_use_id: use.id, content: 'not run: the turn was cancelled', is_error: true });
          continue;
        }
        if (finish) {
          results.push({ type: 'tool_result', tool_use_id: use.id, content: 'not run: finish was called first', is_error: true });
          continue;
        }
        if (steps >= turn.init.stepLimit) {
          limited = true;
          results.push({ type: 'tool_result', tool_use_id: use.id, content: `not run: the step limit (${turn.init.stepLimit}) was reached`, is_error: true });
          continue;
        }
        steps++;
        const r = await runTool(deps, turn, agent, use, depth, toolNames);
        results.push(r.result);
        if (r.finish) finish = r.finish;
      }
      record({ role: 'user', content: results });
      turn.save();
      if (turn.signal.aborted) return end({ status: 'cancelled', answer: said, error: null });
      if (finish) {
        const answer = [finish.summary.trim(), said.trim()].filter(Boolean).join('\n\n');
        if (depth === 0) turn.answer = answer;
        return end({ status: 'completed', answer, error: null });
      }
      if (limited || steps >= turn.init.stepLimit) {
        const answer = said || `Stopped after ${steps} tool steps (the step limit) before finishing.`;
        if (depth === 0) turn.answer = answer;
        return end({ status: 'step_limit', answer, error: null });
      }
    }
  }
}

interface ToolRun {
  result: ToolResultBlock;
  finish: FinishSignal | null;
}

async function runTool(deps: LoopDeps, turn: Turn, agent: AgentName, use: ToolUseBlock, depth: number, allowed: ToolName[]): Promise<ToolRun> {
  const { project, conversationId, onRecord } = turn.init;
  const startedAt = Date.now();
  const t0 = performance.now();
  const step: ChatStep = { call_id: use.id, agent, tool: use.name, input: use.input, ok: false, output: '', duration_ms: 0, files_changed: [], run_id: null, started_at: startedAt };
  // In call order: a delegate step comes before the steps of the agent it ran.
  turn.steps.push(step);
  onRecord({ type: 'tool_call', agent, call_id: use.id, tool: use.name, input: use.input });
  deps.bus.publish(project.id, 'agent.tool_call', { agent, conversation_id: conversationId, call_id: use.id, tool: use.name, input: use.input });

  let output: string;
  let ok = false;
  let finish: FinishSignal | null = null;
  try {
    const res = await execute(deps, turn, agent, use, depth, allowed, step);
    if (typeof res === 'string') output = res;
    else {
      finish = res;
      output = 'Finished.';
    }
    ok = true;
  } catch (err) {
    if (err instanceof ToolError) output = err.message;
    else if (turn.signal.aborted) output = 'cancelled: the turn was stopped while this ran';
    else output = `internal error: ${err instanceof Error ? err.message : String(err)}`;
  }
  step.ok = ok;
  step.output = trim(output, STEP_OUTPUT_CHARS);
  step.duration_ms = Math.round(performance.now() - t0);
  onRecord({ type: 'tool_result', agent, call_id: use.id, tool: use.name, ok, output: step.output });
  deps.bus.publish(project.id, 'agent.tool_result', { agent, conversation_id: conversationId, call_id: use.id, tool: use.name, ok, output: step.output });
  return { result: ok ? { type: 'tool_result', tool_use_id: use.id, content: output } : { type: 'tool_result', tool_use_id: use.id, content: output, is_error: true }, finish };
}

/** Validation, approval, the tool itself. Throws ToolError for what the model should read. */
async function execute(deps: LoopDeps, turn: Turn, agent: AgentName, use: ToolUseBlock, depth: number, allowed: ToolName[], step: ChatStep): Promise<string | FinishSignal> {
  const name = use.name as ToolName;
  const tool = allowed.includes(name) ? TOOLS[name] : undefined;
  if (!tool) {
    if (name === 'delegate' && depth >= MAX_DEPTH) throw new ToolError('delegate is not available here: a delegated agent cannot delegate further; do the work yourself');
    throw new ToolError(`unknown tool "${use.name}"; the tools available are: ${allowed.join(', ')}`);
  }
  const raw = invalidToolArguments(use.input);
  if (raw !== null) throw new ToolError(`invalid input for ${tool.name}: the arguments are not a JSON object (${raw.length > 200 ? `${raw.slice(0, 200)}…` : raw}); send them again as valid JSON`);
  const parsed = tool.input.safeParse(use.input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`).join('; ');
    throw new ToolError(`invalid input for ${tool.name}: ${issues}`);
  }
  const input = parsed.data;
  const ctx = toolContext(deps, turn, agent, depth, step);

  if (turn.init.project.settings.approval === 'ask' && tool.needsApproval) {
    const reason = tool.needsApproval(input, ctx);
    if (reason) {
      const outcome = await askApproval(deps, turn, agent, tool.name, input, reason);
      if (outcome.status === 'cancelled') throw new ToolError('not run: the turn was cancelled while waiting for approval');
      if (outcome.status === 'denied') throw new ToolError(`denied by ${outcome.by ?? 'a person'}${outcome.note ? `: ${outcome.note}` : ''}`);
      if (outcome.status === 'expired') throw new ToolError('denied: nobody approved it in time (the approval expired)');
    }
  }
  return tool.run(input, ctx);
}

async function askApproval(deps: LoopDeps, turn: Turn, agent: AgentName, tool: string, input: unknown, reason: string): Promise<ApprovalOutcome> {
  const { project, conversationId, onRecord } = turn.init;
  const a = deps.approvals.request({ projectId: project.id, conversationId, agent, tool, input, reason });
  onRecord({ type: 'approval_needed', approval_id: a.id, agent, tool, input, reason, expires_at: a.expires_at });
  deps.setState(agent, 'waiting', turn, `waiting for approval: ${reason}`);
  try {
    return await deps.approvals.wait(a, turn.signal);
  } finally {
    deps.setState(agent, 'working', turn, null);
  }
}

function toolContext(deps: LoopDeps, turn: Turn, agent: AgentName, depth: number, step: ChatStep): ToolContext {
  const { project, conversationId, userId, onRecord } = turn.init;
  return {
    project,
    agent,
    conversationId,
    userId,
    signal: turn.signal,
    services: deps.services,
    taskPaths: turn.taskPaths,
    fileChanged(path) {
      if (!step.files_changed.includes(path)) step.files_changed.push(path);
      turn.filesChanged.add(path);
      turn.taskPaths.add(path);
    },
    runStarted(runId) {
      step.run_id ??= runId;
      if (!turn.runs.includes(runId)) turn.runs.push(runId);
    },
    runOutput(runId, stream, data) {
      onRecord({ type: 'run_output', run_id: runId, stream, data });
    },
    async delegate(target, task) {
      if (depth >= MAX_DEPTH) throw new ToolError('a delegated agent cannot delegate further; do the work yourself');
      if (target === agent) throw new ToolError(`${agent} cannot delegate to itself`);
      const sub = await runAgent(deps, turn, target, [{ role: 'user', content: [{ type: 'text', text: task }] }], depth + 1);
      if (sub.status === 'completed') return sub.answer || `${target} finished without a summary.`;
      if (sub.status === 'failed') throw new ToolError(`${target} failed: ${sub.error?.message ?? 'unknown error'}${sub.answer ? `\nWhat it said: ${sub.answer}` : ''}`);
      return `${target} stopped (${sub.status === 'step_limit' ? 'step limit reached' : sub.status === 'cost_limit' ? 'the turn cost limit was reached' : 'cancelled'}) before finishing.${sub.answer ? `\nWhat it said: ${sub.answer}` : ''}`;
    },
  };
}
