import { createInterface } from 'node:readline';
import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import { ZeblitApiError, type ChatBody, type ZeblitClient } from '../../../src/client/index.ts';
import { AGENT_NAMES, type AgentName, type Project } from '../../../src/contracts/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { toJson } from '../../format.ts';
import { isInteractive, readAll } from '../../prompt.ts';
import { ChatView } from './render.ts';
import { LineReader, interpretLine, type SessionState } from './session.ts';
import { rememberConversation, rememberedConversation } from './state.ts';
import { Interrupts, runTurn, type TurnOutcome } from './turn.ts';

export class ChatCommand extends ZeblitCommand {
  static override paths = [['chat']];
  static override json = 'ChatResponse: the final answer of the turn (no deltas)';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'Talk to the agents: they read, write and run code in the project',
    details: `
      The answer streams as it is written; each tool call is one line (\`→ engineer write_file app.py\`, then \`← ok …\` or \`← error …\`), command output is indented, and a footer shows the status, tokens and cost. The Dev Manager answers by default and hands work to the others; \`--agent\` talks to one directly.

      The conversation is remembered per project, so the next \`zeblit chat\` continues it; \`--new\` starts a fresh one, \`--conversation\` picks one (see \`zeblit chat history\`).

      When the project asks for approvals, a tool call that needs one waits: on a terminal you are offered [a]pprove / [d]eny; otherwise use \`zeblit approve <id>\` or \`zeblit deny <id>\`.

      Ctrl-C cancels the turn (what it did so far is kept) and exits 130; a second Ctrl-C quits at once. Losing the connection does not stop the turn: \`zeblit chat cancel\` does, from anywhere. Exit codes: 0 completed, 130 cancelled, 1 failed or stopped at a limit.

      With no message on a terminal, a session starts: each line is a turn; /new, /agent <name>, /exit (or Ctrl-D). Without a terminal the message is read from stdin. \`--json\` prints only the final ChatResponse.
    `,
    examples: [
      ['Ask for something', '$0 chat "Add a /health endpoint and a test for it"'],
      ['Talk to the Engineer directly', '$0 chat --agent engineer "Why does test_api fail?"'],
      ['Start over', '$0 chat --new "Plan a CLI for this library"'],
      ['A session', '$0 chat'],
      ['From a file', '$0 chat < task.txt'],
      ['Only the result, as JSON', '$0 chat --json "Fix the failing test" | jq .answer'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  agent = Option.String('-a,--agent', { description: `Talk to one agent: ${AGENT_NAMES.join(', ')}`, validator: t.isEnum(AGENT_NAMES) });
  conversation = Option.String('-c,--conversation', { description: 'Continue this conversation (cnv_…)' });
  fresh = Option.Boolean('--new', false, { description: 'Start a new conversation' });
  message = Option.Rest({ name: 'message' });

  async run(): Promise<number> {
    if (this.fresh && this.conversation) throw new UsageError('--new and --conversation contradict each other: pick one');
    const client = await this.client();
    const project = await client.projects.get(this.projectRef(this.project));
    const interrupts = new Interrupts();
    process.on('SIGINT', interrupts.fire);
    try {
      let text = this.message.join(' ').trim();
      if (!text && isInteractive(this.context.stdin) && !this.json) return await this.session(client, project, interrupts);
      if (!text) text = (await readAll(this.context.stdin)).trim();
      if (!text) throw new UsageError('No message: pass one (zeblit chat "…"), pipe it on stdin, or run `zeblit chat` on a terminal for a session');
      const remembered = this.fresh || this.conversation ? undefined : rememberedConversation(this.files.config, project.id);
      const outcome = await this.turn(client, project, interrupts, { message: text, agent: this.agent, conversation_id: this.conversation ?? remembered }, remembered, this.ttyAsk(interrupts));
      if (this.json && outcome.response) this.out(toJson(outcome.response));
      return outcome.code;
    } finally {
      process.off('SIGINT', interrupts.fire);
    }
  }

  /**
   * One turn. A remembered conversation that is gone (deleted, another home)
   * is forgotten and the message goes to a new one instead.
   */
  private async turn(client: ZeblitClient, project: Project, interrupts: Interrupts, body: ChatBody, remembered: string | undefined, ask?: (q: string, s: AbortSignal) => Promise<string>, view?: ChatView): Promise<TurnOutcome> {
    const io = {
      api: client.agents,
      projectId: project.id,
      view: this.json ? null : (view ?? new ChatView({ color: this.color, write: (s: string) => this.out(s) })),
      note: (s: string) => this.err(s),
      interrupts,
      ask,
      onConversation: (id: string) => rememberConversation(this.files.config, project.id, id),
    };
    try {
      return await runTurn(io, body);
    } catch (e) {
      if (!(remembered && body.conversation_id === remembered && e instanceof ZeblitApiError && e.code === 'NOT_FOUND')) throw e;
      rememberConversation(this.files.config, project.id, null);
      this.err(`(conversation ${remembered} is gone; starting a new one)\n`);
      return runTurn(io, { ...body, conversation_id: undefined });
    }
  }

  /** On a terminal, approvals are asked inline (on stderr, so stdout stays the transcript). */
  private ttyAsk(interrupts: Interrupts): ((q: string, s: AbortSignal) => Promise<string>) | undefined {
    if (!isInteractive(this.context.stdin) || this.json) return undefined;
    return async (q, signal) => {
      const rl = createInterface({ input: this.context.stdin, output: this.context.stderr, terminal: true });
      rl.on('SIGINT', interrupts.fire);
      try {
        return (await new LineReader(rl).read(q, signal)) ?? '';
      } finally {
        rl.close();
      }
    };
  }

  private async session(client: ZeblitClient, project: Project, interrupts: Interrupts): Promise<number> {
    const rl = createInterface({ input: this.context.stdin, output: this.context.stdout, terminal: true });
    const lines = new LineReader(rl);
    const state: SessionState = { conversationId: this.fresh ? undefined : (this.conversation ?? rememberedConversation(this.files.config, project.id)), agent: this.agent as AgentName | undefined };
    let busy = false;
    rl.on('SIGINT', interrupts.fire);
    const offIdle = interrupts.on(() => {
      if (!busy) rl.close();
    });
    const view = new ChatView({ color: this.color, write: (s) => this.out(s) });
    this.err(`Talking to ${state.agent ?? 'the agents'} in ${project.name}${state.conversationId ? ` (continuing ${state.conversationId})` : ''}. /help for commands, Ctrl-D to leave.\n`);
    try {
      for (;;) {
        const line = await lines.read('you> ');
        if (line === null) break;
        const cmd = interpretLine(line, state);
        if (cmd.kind === 'exit') break;
        if (cmd.kind === 'note') this.err(`${cmd.text}\n`);
        if (cmd.kind !== 'say') continue;
        busy = true;
        try {
          const remembered = state.conversationId;
          const outcome = await this.turn(client, project, interrupts, { message: cmd.message, agent: state.agent, conversation_id: state.conversationId }, remembered, (q, s) => lines.read(q, s).then((a) => a ?? ''), view);
          state.conversationId = outcome.conversationId ?? state.conversationId;
        } catch (e) {
          // One failed turn (busy conversation, no provider) does not end the session.
          const err = e as Error & { code?: string; suggestion?: string };
          this.err(`Error${err.code ? ` [${err.code}]` : ''}: ${err.message}\n${err.suggestion ? `Hint: ${err.suggestion}\n` : ''}`);
        } finally {
          busy = false;
        }
      }
    } finally {
      offIdle();
      rl.close();
    }
    return 0;
  }
}
