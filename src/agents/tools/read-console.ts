import { z } from 'zod';
import type { ConsoleEntry } from '../../contracts/index.ts';
import type { ToolDef } from '../types.ts';
import { clip } from './common.ts';
import { describeError } from './run-command.ts';

export const CONSOLE_MAX_LINES = 1000;
/** The lines shown are the newest that fit here. */
const CONSOLE_MAX_CHARS = 24_000;
const LINE_MAX_CHARS = 500;
const ERRORS_SHOWN = 10;

const Input = z.strictObject({
  lines: z.number().int().min(1).max(CONSOLE_MAX_LINES).default(100).describe('How many of the newest console lines to show (default 100)'),
  errors_only: z.boolean().default(false).describe('Only the detected errors, no output lines'),
  run_id: z.string().min(1).max(64).optional().describe('Only the output of this run'),
});
type Input = z.output<typeof Input>;

export const readConsole: ToolDef<Input> = {
  name: 'read_console',
  description: [
    "Read the project's console: the newest output of commands (yours, the user's, scheduled jobs) and of the container's main process (a dev server, say), with run ids and streams,",
    'then the errors detected recently (type, message, file:line, how often, a suggestion).',
    'Use it to see what a server in the background printed, or what went wrong before you were asked.',
  ].join(' '),
  input: Input,
  async run(input, ctx) {
    const { console } = ctx.services;
    const projectId = ctx.project.id;
    const out: string[] = [];
    if (!input.errors_only) {
      const entries = console.store.tail(projectId, input.lines, input.run_id);
      out.push(entries.length === 0 ? (input.run_id ? `No console output for run ${input.run_id}.` : 'The console is empty.') : formatLines(entries));
    }
    const errors = console.store.errors(projectId, { limit: ERRORS_SHOWN, run_id: input.run_id });
    if (errors.length === 0) out.push('No errors detected.');
    else {
      const now = Date.now();
      const list = errors.map((e) => `${describeError(e)}\n    run ${e.run_id ?? '-'}, last seen ${ago(now - e.last_seen)}`);
      out.push([`Errors detected, newest first${errors.length === ERRORS_SHOWN ? ` (the ${ERRORS_SHOWN} newest)` : ''}:`, ...list].join('\n'));
    }
    return out.join('\n\n');
  },
};

/** Lines grouped by where they came from; stderr marked with "!". The newest that fit are kept. */
function formatLines(entries: ConsoleEntry[]): string {
  const blocks: string[] = [];
  let size = 0;
  let group = '';
  let cut = 0;
  // Newest first, so that what does not fit is the oldest; reversed at the end.
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i] as ConsoleEntry;
    const line = `${e.stream === 'stderr' ? '!' : ' '} ${clip(e.text, LINE_MAX_CHARS)}`;
    if (size + line.length > CONSOLE_MAX_CHARS) {
      cut = i + 1;
      break;
    }
    const key = `${e.run_id ?? ''}|${e.source}`;
    if (key !== group && blocks.length > 0) blocks.push(`--- ${label(entries[i + 1] as ConsoleEntry)}`);
    group = key;
    blocks.push(line);
    size += line.length + 1;
  }
  const first = entries[cut];
  if (first) blocks.push(`--- ${label(first)}`);
  blocks.reverse();
  const head = `Console, last ${entries.length - cut} line(s)${cut > 0 ? ` (${cut} older not shown: too long)` : ''}; "!" marks stderr:`;
  return [head, ...blocks].join('\n');
}

function label(e: ConsoleEntry): string {
  if (e.run_id) return `run ${e.run_id} (${e.source})`;
  return e.source === 'container' ? "the container's main process" : e.source;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}
