import { Command, Option } from 'clipanion';
import { followEvents } from '../../../src/client/index.ts';
import type { ConsoleEntry, EventPayload } from '../../../src/contracts/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { consoleLine, detectedLine } from '../../console-view.ts';
import { isInt } from '../../validators.ts';

export class ConsoleCommand extends ZeblitCommand {
  static override paths = [['console']];
  static override json = 'NDJSON: the history lines as `{"type":"console.line", …ConsoleEntry}`, then each event of the project stream as it arrives (ZeblitEvent)';
  static override usage = Command.Usage({
    category: 'Console',
    description: "A project's console, live: every run's output as it is printed, and the errors Zeblit recognises in it",
    details: `
      Shows the last lines first, then follows over a WebSocket. When the connection drops (or the daemon restarts) it reconnects and resumes where it stopped: no line is lost or shown twice. stderr is red; recognised errors are summarised with a suggestion. Ctrl-C stops.
    `,
    examples: [
      ['Follow the current project', '$0 console'],
      ['Only one run, from the start', '$0 console --run run_01… --since 0'],
      ['The last 50 lines, no following', '$0 console -n 50 --no-follow'],
      ['Every event as NDJSON', '$0 console --json'],
    ],
  });

  lines = Option.String('-n,--lines', { description: 'How many stored lines to show first (default 20)', validator: isInt(0, 5000) });
  since = Option.String('--since', { description: 'Start after this console seq instead (0 = everything kept)', validator: isInt(0, Number.MAX_SAFE_INTEGER) });
  runId = Option.String('--run', { description: 'Only lines of this run' });
  follow = Option.Boolean('--follow', true, { description: 'Keep following (use --no-follow to stop after the history)' });
  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const client = await this.client();
    const project = await client.projects.get(ref);
    const color = this.color;
    const show = (e: Pick<ConsoleEntry, 'stream' | 'text' | 'level'> & { run_id: string | null }) => {
      if (this.runId && e.run_id !== this.runId) return;
      this.out(consoleLine(e, { color }));
    };
    const wanted = this.lines ?? 20;
    const fetched =
      this.since !== undefined
        ? await client.console.history(project.id, { since_seq: this.since, run_id: this.runId, limit: 5000 })
        : await client.console.history(project.id, { limit: Math.max(1, wanted), run_id: this.runId });
    // -n 0: nothing from the past, only where the past ends.
    const first = wanted === 0 && this.since === undefined ? { ...fetched, items: [] } : fetched;
    for (const e of first.items) this.json ? this.out(`${JSON.stringify({ type: 'console.line', ...e })}\n`) : show(e);
    if (!this.follow) return 0;
    const last = first.items.at(-1)?.seq ?? (this.since !== undefined ? this.since : first.last_seq);
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    try {
      await followEvents(() => client.connectWebSocket('/ws'), {
        projectId: project.id,
        // agent: auto-fix progress and approvals waiting, the two things a person watching the console acts on;
        // tasks: scheduled runs starting and ending (their output comes as console lines).
        topics: ['console', 'agent', 'tasks'],
        sinceSeq: Math.max(last, first.last_seq),
        signal: ac.signal,
        onStatus: (s, detail) => {
          if (s === 'reconnecting') this.err(`(connection lost: ${detail ?? 'reconnecting'}; resuming…)\n`);
        },
        onEvent: (e) => {
          if (e.topic === 'agent' && e.type !== 'agent.autofix' && e.type !== 'agent.approval_needed') return;
          if (this.json) return this.out(`${JSON.stringify(e)}\n`);
          if (e.type === 'agent.autofix' || e.type === 'agent.approval_needed') return this.out(agentLine(e.type, e.data, color));
          if (e.type === 'task.progress' || e.type === 'task.completed') return this.out(taskLine(e.type, e.data, color));
          if (e.type === 'console.output') {
            const d = e.data as EventPayload<'console.output'>;
            show({ stream: d.stream, text: d.text, level: 'info', run_id: d.run_id });
          } else if (e.type === 'console.error_detected') {
            const d = e.data as EventPayload<'console.error_detected'>;
            if (!this.runId || d.run_id === this.runId) this.out(detectedLine(d, { color }));
          }
        },
      });
    } finally {
      process.off('SIGINT', stop);
    }
    return 0;
  }
}

/** The agent events the console shows, one line each. */
function agentLine(type: 'agent.autofix' | 'agent.approval_needed', data: unknown, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  if (type === 'agent.approval_needed') {
    const d = data as EventPayload<'agent.approval_needed'>;
    return `${paint('33', `? ${d.agent} asks to ${d.tool}: ${d.reason}`)} — zeblit approve ${d.approval_id}  |  zeblit deny ${d.approval_id}\n`;
  }
  const d = data as EventPayload<'agent.autofix'>;
  const code = d.status === 'fixed' ? '32' : d.status === 'started' ? '36' : '33';
  const files = d.files_changed.length ? ` (changed: ${d.files_changed.join(', ')})` : '';
  return `${paint(code, `[auto-fix ${d.attempt}/${d.max_attempts}] ${d.status}: ${d.message}`)}${files}\n`;
}

/** Scheduled runs, one line as each starts (or is skipped, queued) and one as it ends. */
function taskLine(type: 'task.progress' | 'task.completed', data: unknown, color: boolean): string {
  const paint = (code: string, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  if (type === 'task.progress') {
    const d = data as EventPayload<'task.progress'>;
    return `${paint('36', `[schedule] ${d.message ?? `${d.task_id} ${d.status}`}`)}\n`;
  }
  const d = data as EventPayload<'task.completed'>;
  const took = d.duration_ms === null ? '' : ` in ${(d.duration_ms / 1000).toFixed(1)} s`;
  const exit = d.exit_code === null ? '' : `, exit ${d.exit_code}`;
  return `${paint(d.status === 'succeeded' ? '32' : '31', `[schedule] ${d.name ?? d.task_id} ${d.status}${took}${exit}`)} (${d.run_id ?? '-'})\n`;
}
