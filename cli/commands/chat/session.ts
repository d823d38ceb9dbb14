/**
 * `zeblit chat` on a terminal with no message: a prompt (`you> `) where each
 * line is a turn. `/new` starts a fresh conversation, `/agent <name>` talks to
 * one agent, `/exit` or Ctrl-D leaves; Ctrl-C cancels a running turn and, at
 * the prompt, leaves.
 */
import type { Interface } from 'node:readline';
import { AGENT_NAMES, type AgentName } from '../../../src/contracts/index.ts';

/**
 * Lines from a terminal, one per read. Lines typed (or pasted) while nobody
 * is reading wait in a queue: with rl.question they would be lost, and a
 * pasted block of three lines is three turns.
 */
export class LineReader {
  private readonly queue: string[] = [];
  private waiting: ((line: string | null) => void) | null = null;
  private closed = false;

  constructor(private readonly rl: Interface) {
    rl.on('line', (line) => {
      const w = this.waiting;
      this.waiting = null;
      if (w) w(line);
      else this.queue.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      const w = this.waiting;
      this.waiting = null;
      w?.(null);
    });
  }

  /** The next line after showing `prompt`; null once the input is closed; '' when `signal` aborts. */
  read(prompt: string, signal?: AbortSignal): Promise<string | null> {
    const next = this.queue.shift();
    if (next !== undefined) return Promise.resolve(next);
    if (this.closed) return Promise.resolve(null);
    if (signal?.aborted) return Promise.resolve('');
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    return new Promise((resolve) => {
      const onAbort = () => {
        if (this.waiting !== done) return;
        this.waiting = null;
        resolve('');
      };
      const done = (line: string | null) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(line);
      };
      this.waiting = done;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export interface SessionState {
  conversationId: string | undefined;
  agent: AgentName | undefined;
}

export type SessionCommand = { kind: 'exit' } | { kind: 'say'; message: string } | { kind: 'note'; text: string } | { kind: 'none' };

/** What one line at the prompt means; slash commands change `state`. */
export function interpretLine(line: string, state: SessionState): SessionCommand {
  const text = line.trim();
  if (!text) return { kind: 'none' };
  if (!text.startsWith('/')) return { kind: 'say', message: text };
  const [cmd = '', ...rest] = text.slice(1).split(/\s+/);
  const arg = rest.join(' ');
  switch (cmd) {
    case 'exit':
    case 'quit':
      return { kind: 'exit' };
    case 'new':
      state.conversationId = undefined;
      return { kind: 'note', text: 'A new conversation starts with your next message.' };
    case 'agent': {
      if (!arg || arg === 'default' || arg === 'dev_manager') {
        state.agent = arg === 'dev_manager' ? 'dev_manager' : undefined;
        return { kind: 'note', text: `Talking to ${state.agent ?? 'the Dev Manager (default)'}.` };
      }
      const name = AGENT_NAMES.find((n) => n === arg);
      if (!name) return { kind: 'note', text: `No agent named "${arg}". The agents are: ${AGENT_NAMES.join(', ')}.` };
      state.agent = name;
      return { kind: 'note', text: `Talking to ${name}.` };
    }
    case 'help':
      return { kind: 'note', text: 'Type a message to send it. /new: a new conversation, /agent <name>: talk to one agent (/agent alone: the default), /exit or Ctrl-D: leave.' };
    default:
      return { kind: 'note', text: `Unknown command /${cmd}; /help lists them.` };
  }
}
