/**
 * What one task run does: a command through the containers domain (like any
 * run: the container started when needed, output to the console with source
 * `scheduler`, a timeout that kills the whole process tree), or one chat turn
 * of the named agent (the project's budget and the per-turn cost cap apply
 * in the agents service). Neither throws: every way it can end is an Outcome.
 */
import type { AgentName, ChatInput, ChatResponse, ChatStreamRecord, ExecuteInput, ExecuteResult, Project, TaskRunStatus } from '../contracts/index.ts';
import type { RunContext } from '../containers/index.ts';
import type { TaskRow } from './store.ts';

/** A started command, as much of the containers domain's ActiveRun as a task reads. */
export interface StartedRun {
  readonly id: string;
  readonly finished: Promise<ExecuteResult>;
}

/** The part of the containers domain a task needs. */
export interface TaskContainers {
  run(ctx: RunContext, project: Project, input: ExecuteInput, signal?: AbortSignal): Promise<StartedRun>;
}

/** The part of the agents domain a task needs. */
export interface TaskAgents {
  chat(ctx: { userId: string | null; project: Project }, input: ChatInput, opts?: { onRecord?: (r: ChatStreamRecord) => void; signal?: AbortSignal }): Promise<ChatResponse>;
}

export interface Outcome {
  status: Extract<TaskRunStatus, 'success' | 'failed' | 'timeout' | 'interrupted'>;
  reason: string | null;
  exit_code: number | null;
  stdout: string;
  stderr: string;
  input_tokens?: number;
  output_tokens?: number;
  cost_usd?: number;
}

/** Told once the work has really started: the container run or the conversation, and when. */
export type OnStarted = (s: { at: number; run_id?: string; conversation_id?: string }) => void;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The end of a text within `bytes` (UTF-8), cut at a character boundary. */
export function tail(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  return buf.subarray(buf.length - bytes).toString('utf8').replace(/^\uFFFD+/, '');
}

export async function runCommandTask(
  containers: TaskContainers,
  task: TaskRow,
  project: Project,
  signal: AbortSignal,
  onStarted: OnStarted,
  now: () => number,
  tailBytes: number,
): Promise<Outcome> {
  const input: ExecuteInput = {
    command: task.command ?? [],
    cwd: task.working_directory,
    env: task.environment,
    timeout_seconds: task.timeout_seconds,
    detach: false,
  };
  let run: StartedRun;
  try {
    run = await containers.run({ userId: task.created_by, keyId: null, clientType: null, source: 'scheduler' }, project, input, signal);
  } catch (e) {
    return { status: 'failed', reason: `the command could not start: ${message(e)}`, exit_code: null, stdout: '', stderr: '' };
  }
  // The scheduler's own clock: one time base for scheduled_for, started_at and finished_at.
  onStarted({ at: now(), run_id: run.id });
  const r = await run.finished;
  const out = { exit_code: r.exit_code, stdout: tail(r.stdout, tailBytes), stderr: tail(r.stderr, tailBytes) };
  if (r.status === 'timed_out') return { ...out, status: 'timeout', reason: `it ran longer than ${task.timeout_seconds} s and was killed` };
  if (r.status === 'killed') return { ...out, status: 'interrupted', reason: signal.aborted ? String(signal.reason ?? 'stopped') : 'the run was killed' };
  if (r.status === 'exited' && r.exit_code === 0) return { ...out, status: 'success', reason: null };
  const why = r.error ?? (r.exit_code === null ? `the run ended ${r.status}` : `exit code ${r.exit_code}`);
  return { ...out, status: 'failed', reason: why };
}

export async function runAgentTask(
  agents: TaskAgents,
  task: TaskRow,
  project: Project,
  signal: AbortSignal,
  onStarted: OnStarted,
  now: () => number,
  tailBytes: number,
): Promise<Outcome> {
  const controller = new AbortController();
  let timedOut = false;
  const stop = () => controller.abort(signal.reason);
  signal.addEventListener('abort', stop, { once: true });
  // A turn's time is real time, whatever clock schedules it.
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort('timeout');
  }, task.timeout_seconds * 1000);
  timer.unref();
  try {
    const input: ChatInput = { message: task.prompt ?? '', agent: (task.agent ?? 'dev_manager') as AgentName, stream: false };
    const res = await agents.chat({ userId: task.created_by, project }, input, {
      signal: controller.signal,
      onRecord: (r) => {
        if (r.type === 'start') onStarted({ at: now(), conversation_id: r.conversation_id });
      },
    });
    const usage = { input_tokens: res.usage.input_tokens, output_tokens: res.usage.output_tokens, cost_usd: res.usage.cost_usd };
    const out = { ...usage, exit_code: null, stdout: tail(res.answer, tailBytes), stderr: '' };
    if (timedOut) return { ...out, status: 'timeout', reason: `the turn ran longer than ${task.timeout_seconds} s and was cancelled` };
    if (res.status === 'completed') return { ...out, status: 'success', reason: null };
    if (res.status === 'cancelled') return { ...out, status: 'interrupted', reason: signal.aborted ? String(signal.reason ?? 'stopped') : 'the turn was cancelled' };
    return { ...out, status: 'failed', reason: res.error?.message ?? `the turn ended: ${res.status}` };
  } catch (e) {
    // Refused before it started: no provider, a spent budget, a busy conversation.
    const code = (e as { code?: unknown }).code;
    return { status: 'failed', reason: `${typeof code === 'string' ? `${code}: ` : ''}${message(e)}`, exit_code: null, stdout: '', stderr: '' };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', stop);
  }
}
