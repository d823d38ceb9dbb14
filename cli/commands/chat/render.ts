/**
 * A turn as a person reads it: the agents' text as it streams, each tool call
 * as one compact line (`→ engineer write_file app.py`, `← ok …`), command
 * output dimmed and indented, approvals, and a footer with the status, tokens
 * and cost. Pure text in, text out (through `write`), so it is tested alone.
 */
import { gitOutcome, type AgentName, type ChatResponse, type ChatStreamRecord, type TurnStatus } from '../../../src/contracts/index.ts';
import { plural } from '../../format.ts';

const DIM = '\x1b[2m';
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const YELLOW = '\x1b[33m';
const CYAN = '\x1b[36m';
const BOLD = '\x1b[1m';
const RESET = '\x1b[0m';

export interface ViewOptions {
  color: boolean;
  write: (text: string) => void;
}

/** The one thing worth showing of a tool's input: the path, the command, the query. */
export function toolTarget(tool: string, input: unknown): string {
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  let target: string | undefined;
  if (tool === 'run_command') target = str('command');
  else if (tool === 'search') target = str('query') ?? str('pattern');
  else if (tool === 'delegate') target = [str('agent'), str('task') && `"${str('task')}"`].filter(Boolean).join(' ');
  else if (tool === 'finish') target = '';
  else if (tool === 'edit_file' || tool === 'write_file' || tool === 'read_file' || tool === 'delete_file' || tool === 'list_files') target = str('path');
  target ??= Object.values(o).find((v): v is string => typeof v === 'string') ?? '';
  return oneLine(target, 80);
}

export function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

const EXIT: Record<TurnStatus, number> = { completed: 0, cancelled: 130, failed: 1, step_limit: 1, cost_limit: 1 };

/** The CLI's exit code for a finished turn: 0 completed, 130 cancelled, 1 otherwise. */
export function exitCodeOfTurn(status: TurnStatus): number {
  return EXIT[status];
}

export function formatUsd(usd: number): string {
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

const thousands = (n: number) => n.toLocaleString('en-US');

export function footer(r: ChatResponse): string {
  const u = r.usage;
  const parts = [
    r.status.replace('_', ' '),
    `${thousands(u.input_tokens)} in / ${thousands(u.output_tokens)} out tokens`,
    formatUsd(u.cost_usd),
    plural(u.calls, 'call'),
  ];
  if (r.files_changed.length > 0) parts.push(plural(r.files_changed.length, 'file') + ' changed');
  if (r.runs.length > 0) parts.push(plural(r.runs.length, 'run'));
  parts.push(r.conversation_id);
  return `── ${parts.join(' · ')}`;
}

export class ChatView {
  private atLineStart = true;
  private sawText = false;
  private mainAgent: AgentName | null = null;
  private textAgent: AgentName | null = null;
  /** Partial lines of command output, per run, until their newline arrives. */
  private readonly runPartial = new Map<string, string>();

  constructor(private readonly o: ViewOptions) {}

  private paint(code: string, text: string): string {
    return this.o.color ? `${code}${text}${RESET}` : text;
  }

  /** A whole line of its own: ends the agent's running text first. */
  line(text: string): void {
    if (!this.atLineStart) this.o.write('\n');
    this.o.write(`${text}\n`);
    this.atLineStart = true;
  }

  record(r: ChatStreamRecord): void {
    switch (r.type) {
      case 'start':
        this.mainAgent = r.agent;
        this.textAgent = r.agent;
        return;
      case 'status':
        // Working/idle is visible from the records themselves; waiting is announced by approval_needed.
        return;
      case 'text':
        if (r.agent !== this.textAgent) {
          this.textAgent = r.agent;
          if (r.agent !== this.mainAgent) this.line(this.paint(BOLD, `${r.agent}:`));
        }
        if (!r.delta) return;
        this.sawText = true;
        this.o.write(r.delta);
        this.atLineStart = r.delta.endsWith('\n');
        return;
      case 'tool_call': {
        const target = toolTarget(r.tool, r.input);
        this.line(this.paint(CYAN, `→ ${r.agent} ${r.tool}${target ? ` ${target}` : ''}`));
        return;
      }
      case 'tool_result': {
        this.flushRuns();
        const first = oneLine(r.output.split('\n').find((l) => l.trim()) ?? '', 100);
        this.line(r.ok ? this.paint(GREEN, `← ok${first ? ` ${first}` : ''}`) : this.paint(RED, `← error${first ? ` ${first}` : ''}`));
        return;
      }
      case 'run_output': {
        const text = (this.runPartial.get(r.run_id) ?? '') + r.data;
        const lines = text.split('\n');
        this.runPartial.set(r.run_id, lines.pop() ?? '');
        for (const l of lines) this.runLine(l, r.stream);
        return;
      }
      case 'approval_needed':
        this.line(this.paint(YELLOW + BOLD, `? ${r.agent} asks to ${r.tool}${toolTarget(r.tool, r.input) ? ` ${toolTarget(r.tool, r.input)}` : ''}: ${r.reason}`));
        this.line(this.paint(YELLOW, `  approval ${r.approval_id}`));
        return;
      case 'done':
        this.flushRuns();
        this.finish(r.response);
        return;
      case 'error':
        this.flushRuns();
        this.line(this.paint(RED + BOLD, `✖ ${r.code}: ${r.message}`));
        if (r.suggestion) this.line(this.paint(DIM, `  ${r.suggestion}`));
        return;
    }
  }

  private runLine(text: string, stream: 'stdout' | 'stderr'): void {
    this.line(this.paint(stream === 'stderr' ? RED + DIM : DIM, `    │ ${text}`));
  }

  private flushRuns(): void {
    for (const [id, rest] of this.runPartial) if (rest) this.runLine(rest, 'stdout'), this.runPartial.set(id, '');
  }

  private finish(r: ChatResponse): void {
    // A turn whose text never streamed (a non-streaming provider, a replayed answer) still shows its answer.
    if (r.answer && !this.sawText) this.line(r.answer.trimEnd());
    if (r.files_changed.length > 0) this.line(this.paint(DIM, `files: ${r.files_changed.join(', ')}`));
    // With git_commit on: the commit, or why there is none (said only when there was something to commit).
    const git = gitOutcome(r);
    if (git) this.line(this.paint(git.committed ? DIM : YELLOW, `git: ${git.text}`));
    if (r.error) this.line(this.paint(RED, `✖ ${r.error.code}: ${r.error.message}`));
    this.line(this.paint(r.status === 'completed' ? DIM : YELLOW, footer(r)));
  }
}
