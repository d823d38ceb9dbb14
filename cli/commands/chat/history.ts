import { Command, Option } from 'clipanion';
import type { ConversationDetail } from '../../../src/client/index.ts';
import type { ChatMessage, Conversation, PageOf } from '../../../src/contracts/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';
import { formatTable } from '../../table.ts';
import { isInt } from '../../validators.ts';
import { formatUsd, oneLine, toolTarget } from './render.ts';
import { rememberedConversation } from './state.ts';

export class ChatHistoryCommand extends ZeblitCommand {
  static override paths = [['chat', 'history']];
  static override json = 'PageOf<Conversation>; with --conversation ConversationWithMessages';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'Past conversations with the agents, or one of them with its messages and tool calls',
    details: 'Without --conversation: the conversations of the project, newest first (the one `zeblit chat` continues is marked *). With it: that conversation, each message with the tool calls it made and how the turn ended.',
    examples: [
      ['The conversations', '$0 chat history'],
      ['One of them in full', '$0 chat history --conversation cnv_01j…'],
      ['As JSON', '$0 chat history --json'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  conversation = Option.String('-c,--conversation', { description: 'Show this conversation with its messages' });
  limit = Option.String('-n,--limit', { description: 'How many conversations, or with --conversation how many of its newest messages (default 20, at most 200)', validator: isInt(1, 200) });
  offset = Option.String('--offset', { description: 'Skip this many', validator: isInt(0, 1_000_000) });

  async run(): Promise<number> {
    const client = await this.client();
    const project = await client.projects.get(this.projectRef(this.project));
    const query = { limit: this.limit ?? 20, offset: this.offset ?? 0 };
    if (this.conversation) {
      const c = await client.agents.conversation(project.id, this.conversation, query);
      this.emit(c, (d) => conversationText(d, query.offset));
      return 0;
    }
    const page = await client.agents.conversations(project.id, query);
    const current = rememberedConversation(this.files.config, project.id);
    this.emit(page, (p) => conversationsTable(p, current, this.width));
    return 0;
  }
}

export function conversationsTable(p: PageOf<Conversation>, current?: string, width?: number): string {
  if (p.items.length === 0) return 'No conversations yet. Start one with `zeblit chat "…"`.\n';
  const rows = p.items.map((c) => [`${c.id === current ? '* ' : ''}${c.id}`, formatTime(c.updated_at), c.agent, c.message_count, formatUsd(c.cost_usd), oneLine(c.title, 60)]);
  const more = p.offset + p.items.length < p.total ? `(${p.offset + p.items.length} of ${p.total}; --offset ${p.offset + p.items.length} for more)\n` : '';
  return formatTable(['conversation', 'updated', 'agent', 'messages', 'cost', 'title'], rows, width) + more;
}

function messageText(m: ChatMessage): string {
  const who = m.role === 'user' ? 'you' : m.role === 'summary' ? 'summary' : (m.agent ?? 'assistant');
  const lines = [`[${formatTime(m.created_at)}] ${who}:`];
  for (const s of m.steps) {
    lines.push(`  → ${s.agent} ${s.tool}${toolTarget(s.tool, s.input) ? ` ${toolTarget(s.tool, s.input)}` : ''}`);
    lines.push(`  ← ${s.ok ? 'ok' : 'error'}${s.output.trim() ? ` ${oneLine(s.output.split('\n').find((l) => l.trim()) ?? '', 100)}` : ''}`);
  }
  if (m.content) lines.push(...m.content.trimEnd().split('\n').map((l) => `  ${l}`));
  if (m.role === 'assistant' && (m.status || m.usage)) {
    const u = m.usage;
    lines.push(`  ── ${m.status ?? ''}${u ? ` · ${u.input_tokens} in / ${u.output_tokens} out tokens · ${formatUsd(u.cost_usd)}` : ''}`);
  }
  return lines.join('\n');
}

export function conversationText(c: ConversationDetail, offset = 0): string {
  const head = `${c.title}\n${c.id} · ${c.agent} · ${c.message_count} messages · ${formatUsd(c.cost_usd)} · updated ${formatTime(c.updated_at)}\n`;
  if (c.messages.length === 0) return `${head}(no messages)\n`;
  const earlier = c.message_count - offset - c.messages.length;
  const more = earlier > 0 ? `(${earlier} earlier message${earlier === 1 ? '' : 's'}: --offset ${offset + c.messages.length} to see them)\n\n` : '';
  return `${head}\n${more}${c.messages.map(messageText).join('\n\n')}\n`;
}
