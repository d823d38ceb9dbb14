/**
 * A Zeblit agent's turn as the text an OpenAI client shows: the agents' words
 * as they stream, and each tool call summarised on its own line
 * (`→ write_file app.py`, `→ run_command python app.py`), a failed tool's
 * first line (`✗ …`), a delegate speaking under its name, an approval that
 * waits. The same text goes to a streaming and a non-streaming client, so
 * the transcript a client sends back matches what was remembered.
 */
import type { AgentName, ChatStreamRecord } from '../../contracts/index.ts';

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** The one thing worth showing of a tool's input: the path, the command, the query, the delegate. */
export function toolSummary(tool: string, input: unknown): string {
  const o = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const str = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  let target: string | undefined;
  if (tool === 'run_command') target = str('command');
  else if (tool === 'search') target = str('query') ?? str('pattern');
  else if (tool === 'delegate') target = [str('agent'), str('task') && `"${str('task')}"`].filter(Boolean).join(' ');
  else if (['edit_file', 'write_file', 'read_file', 'delete_file', 'list_files'].includes(tool)) target = str('path');
  target ??= Object.values(o).find((v): v is string => typeof v === 'string') ?? '';
  const t = oneLine(target, 100);
  return t === '' ? tool : `${tool} ${t}`;
}

export class TranscriptRenderer {
  private text = '';
  private speaker: AgentName | null = null;

  constructor(private readonly addressed: AgentName) {}

  /** The whole text so far. */
  get value(): string {
    return this.text;
  }

  /** The text a record adds ('' for records that show nothing). */
  add(rec: ChatStreamRecord): string {
    switch (rec.type) {
      case 'text':
        return this.emit(this.voice(rec.agent) + rec.delta);
      case 'tool_call':
        if (rec.tool === 'finish') return '';
        return this.emit(`${this.lineStart()}→ ${toolSummary(rec.tool, rec.input)}\n`);
      case 'tool_result':
        return rec.ok ? '' : this.emit(`${this.lineStart()}✗ ${rec.tool}: ${oneLine(rec.output.split('\n')[0] ?? '', 200)}\n`);
      case 'approval_needed':
        return this.emit(`${this.lineStart()}? waiting for approval to ${toolSummary(rec.tool, rec.input)} (${oneLine(rec.reason, 120)}): zeblit approve ${rec.approval_id}\n`);
      default:
        return '';
    }
  }

  /** A closing line for a turn that did not complete, e.g. "(stopped: the step limit was reached)". */
  close(note: string): string {
    return this.emit(`${this.lineStart()}${this.text === '' ? '' : '\n'}(${note})`);
  }

  private emit(s: string): string {
    this.text += s;
    return s;
  }

  private lineStart(): string {
    return this.text === '' || this.text.endsWith('\n') ? '' : '\n';
  }

  /** A delegate's words come under its name; the addressed agent's need none. */
  private voice(agent: AgentName): string {
    if (agent === this.speaker) return '';
    const first = this.speaker === null;
    this.speaker = agent;
    if (agent === this.addressed) return first ? '' : `${this.lineStart()}\n`;
    return `${this.lineStart()}${this.text === '' ? '' : '\n'}[${agent.replace(/_/g, ' ')}] `;
  }
}
