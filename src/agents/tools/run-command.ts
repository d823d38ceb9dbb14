/**
 * run_command: a shell command in the project's container, as the agent.
 * Invariants: the run reaches the console with source 'agent'; cancelling the
 * turn (ctx.signal) kills the command's whole process tree; the answer is
 * given only after the console has stored the run's lines and judged its
 * exit, so the errors it lists are all the errors of this run.
 */
import { z } from 'zod';
import { ExecuteRequest, WORKSPACE_DIR, type DetectedErrorInfo, type ExecuteResult } from '../../contracts/index.ts';
import { ToolError, type ToolContext, type ToolDef } from '../types.ts';
import { clip, formatBytes, tail, translated } from './common.ts';

export const COMMAND_TIMEOUT_MAX_SECONDS = 600;
export const COMMAND_TIMEOUT_DEFAULT_SECONDS = 120;
const TAIL_LINES = 100;
const TAIL_BYTES = 8 * 1024;
const ERRORS_SHOWN = 10;

const Input = z.strictObject({
  command: z.string().trim().min(1).max(16_384).describe('A shell command line, run by `sh -c` (pipes, &&, redirections work)'),
  timeout_seconds: z.number().int().min(1).max(COMMAND_TIMEOUT_MAX_SECONDS).default(COMMAND_TIMEOUT_DEFAULT_SECONDS).describe(`Killed after this long (default ${COMMAND_TIMEOUT_DEFAULT_SECONDS}, at most ${COMMAND_TIMEOUT_MAX_SECONDS})`),
  cwd: z.string().min(1).max(4096).optional().describe('Folder to run in, relative to /workspace (default /workspace)'),
});
type Input = z.output<typeof Input>;

export const runCommand: ToolDef<Input> = {
  name: 'run_command',
  description: [
    "Run a shell command in the project's Linux container, in /workspace (the project's files). Use it to run programs and tests, install packages, build, lint, or inspect the system.",
    'Answers the exit code, how long it took, the last lines of stdout and stderr, and the errors the console detected in the output (type, file:line, a suggestion).',
    `Commands that do not finish within timeout_seconds are killed. Only /workspace, /tmp and $HOME are writable. No terminal and no input: pass flags like -y, never start an interactive program or an editor. A server that runs forever must be started in the background with its output in a file (e.g. \`nohup python app.py > app.log 2>&1 &\`) and checked through that file or a request.`,
  ].join(' '),
  input: Input,
  needsApproval: (input) => `runs \`${clip(input.command, 500)}\``,
  async run(input, ctx) {
    const cwd = input.cwd === undefined ? WORKSPACE_DIR : inWorkspace(input.cwd);
    const request = ExecuteRequest.safeParse({ command: input.command, cwd, timeout_seconds: input.timeout_seconds });
    if (!request.success) throw new ToolError(`The command cannot run: ${request.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const { containers, console } = ctx.services;
    if (ctx.signal.aborted) throw new ToolError('The turn was cancelled; the command was not run.');
    const run = await translated(() =>
      containers.run({ userId: ctx.userId, keyId: null, clientType: null, source: 'agent' }, ctx.project, request.data, ctx.signal),
    );
    // Cancelled while the container was starting: the run's own abort listener came too late to hear it.
    if (ctx.signal.aborted) void containers.killRun(ctx.project, run.id, 'TERM').catch(() => {});
    ctx.runStarted(run.id);
    const live = new LiveLines((stream, data) => ctx.runOutput(run.id, stream, data));
    const off = run.listen((rec) => {
      if (rec.type !== 'exit') live.push(rec.type, rec.data);
    });
    let result: ExecuteResult;
    try {
      result = await run.finished;
    } finally {
      off();
      live.flush();
    }
    // A project deleted meanwhile has no errors to list; the run's own result still says what happened.
    const errors = await console.runErrors(ctx.project.id, run.id, ERRORS_SHOWN + 1).catch(() => []);
    return describeRun(input, result, errors, ctx);
  },
};

/** A line that has not ended yet is forwarded after this long (a prompt, a progress bar). */
const PARTIAL_FLUSH_MS = 50;

/**
 * Output goes to a streaming client in whole lines where it can: programs
 * write in arbitrary pieces (a print of three values can arrive as five
 * chunks), and a client is better served by one record per line than by a
 * record per space. What is left without a newline goes after a short wait.
 */
export class LiveLines {
  private readonly pending = { stdout: '', stderr: '' };
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly send: (stream: 'stdout' | 'stderr', data: string) => void) {}

  push(stream: 'stdout' | 'stderr', data: string): void {
    const text = this.pending[stream] + data;
    const end = text.lastIndexOf('\n') + 1;
    this.pending[stream] = text.slice(end);
    if (end > 0) this.send(stream, text.slice(0, end));
    if (this.pending[stream] && !this.timer) this.timer = setTimeout(() => this.flush(), PARTIAL_FLUSH_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.pending[stream];
      this.pending[stream] = '';
      if (rest) this.send(stream, rest);
    }
  }
}

/** cwd as a model writes it ("src", "./src", "/workspace/src") → an absolute folder inside /workspace. */
function inWorkspace(cwd: string): string {
  const p = cwd.trim();
  return p.startsWith('/') ? p : `${WORKSPACE_DIR}/${p.replace(/^\.\/+/, '')}`;
}

function describeRun(input: Input, r: ExecuteResult, errors: DetectedErrorInfo[], ctx: ToolContext): string {
  const secs = (r.duration_ms / 1000).toFixed(1);
  const how =
    r.status === 'timed_out'
      ? `TIMED OUT after ${input.timeout_seconds} s and was killed (raise timeout_seconds, or run it in the background)`
      : r.status === 'killed'
        ? ctx.signal.aborted
          ? 'killed: the turn was cancelled'
          : 'killed'
        : r.oom_killed
          ? `killed by the kernel: out of memory (exit code ${r.exit_code ?? 'none'})`
          : r.status === 'failed'
            ? `could not run: ${r.error ?? 'unknown error'}`
            : `exit code ${r.exit_code ?? 'none'}`;
  const out = [`$ ${clip(input.command, 500)}`, `${how} · ${secs} s · run ${r.run_id}`];
  for (const stream of ['stdout', 'stderr'] as const) {
    const t = tail(r[stream], TAIL_LINES, TAIL_BYTES);
    if (t.total === 0) {
      out.push(`--- ${stream}: (empty)`);
      continue;
    }
    const shown = t.total - t.omitted;
    // A truncated stream lost its middle: its line count means nothing, its byte count does.
    const cut = r[`${stream}_truncated`] ? ` (last ${shown} lines of ${formatBytes(r[`${stream}_bytes`])} in all)` : t.omitted > 0 ? ` (last ${shown} of ${t.total} lines)` : '';
    out.push(`--- ${stream}${cut}:`, t.text);
  }
  if (errors.length > 0) {
    out.push(`--- errors detected (${errors.length > ERRORS_SHOWN ? `first ${ERRORS_SHOWN}` : errors.length}):`);
    for (const e of errors.slice(0, ERRORS_SHOWN)) out.push(describeError(e));
  }
  return out.join('\n');
}

/** One detected error in one or two lines: what, where, how often, what to do. */
export function describeError(e: DetectedErrorInfo): string {
  const where = e.file ? ` at ${e.file}${e.line !== null ? `:${e.line}` : ''}` : '';
  const times = e.occurrences > 1 ? ` (seen ${e.occurrences} times)` : '';
  const fix = e.suggestion ? `\n    suggestion: ${clip(e.suggestion, 400)}` : '';
  // Types are dotted (python.ZeroDivisionError) and messages often start with the same name: say it once.
  const kind = e.type.slice(e.type.lastIndexOf('.') + 1);
  const what = e.message.includes(kind) ? e.message : `${e.type}: ${e.message}`;
  return `- [${e.severity}] ${clip(what, 400)}${where}${times}${fix}`;
}
