/**
 * `zeblit chat` on a terminal with no message: a prompt (`you> `) where each
 * line is a turn. `/new` starts a fresh conversation, `/agent <name>` talks to
 * one agent, `/exit` or Ctrl-D leaves; Ctrl-C cancels a running turn and, at
 * the prompt, leaves.
 */
import type { Interface } from 'node:readline/promises';
import { AGENT_NAMES, type AgentName } from '../../../src/contracts/index.ts';

/** rl.question that also ends (with null) when the input closes: Node 20 leaves it pending otherwise. */
export function question(rl: Interface, text: string, signal?: AbortSignal): Promise<string | null> {
  return new Promise<string | null>((resolve) => {
    const onClose = () => resolve(null);
    rl.once('close', onClose);
    rl.question(text, signal ? { signal } : {}).then(
      (answer) => resolve(answer),
      () => resolve(signal?.aborted ? '' : null),
    ).finally(() => rl.off('close', onClose));
  });
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
