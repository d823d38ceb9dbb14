/**
 * /chat and plain messages: a turn of the agents (the Dev Manager unless
 * the text starts with @agent). Progress is ONE status message, edited as the
 * turn goes (tool calls, runs), at most every 1.5 s (Telegram's edit limits);
 * the answer arrives as a reply with the cost in its footer. /cancel stops
 * the turn. Approval requests become messages with Approve / Deny buttons.
 */
import type { Bot, Context } from 'grammy';
import { AGENT_NAMES, gitOutcome, type AgentName, type ChatResponse } from '../../../src/contracts/index.ts';
import type { BotEnv, ChatTurn } from '../bot.ts';
import { escapeHtml, friendlyError, textMessages, usd } from '../format.ts';
import type { LinkedUser } from '../state.ts';
import { background } from './background.ts';
import { currentProject } from './projects.ts';

const EDIT_EVERY_MS = 1_500;

function describeCall(tool: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const arg = typeof i.path === 'string' ? i.path : typeof i.command === 'string' ? i.command : typeof i.query === 'string' ? i.query : typeof i.agent === 'string' ? i.agent : '';
  return `→ ${tool}${arg ? ` ${arg.slice(0, 80)}` : ''}`;
}

function footer(r: ChatResponse): string {
  const tokens = r.usage.input_tokens + r.usage.output_tokens;
  const outcome = gitOutcome(r);
  const git = outcome ? ` · ${escapeHtml(outcome.text)}` : '';
  return `\n\n<i>— ${escapeHtml(r.agent)} · ${r.status} · ${tokens.toLocaleString('en-US')} tokens · ${usd(r.usage.cost_usd)}${r.files_changed.length ? ` · changed ${r.files_changed.length} file(s)` : ''}${git}</i>`;
}

async function turn(ctx: Context, env: BotEnv, user: LinkedUser, text: string): Promise<void> {
  const chatId = ctx.chat!.id;
  const running = env.chatTurns;
  if (running.has(chatId)) return void (await ctx.reply('The agents are still working on your last message: wait, or /cancel it.'));
  // The slot is taken before the first await: a second message handled meanwhile (turns run beside the update loop) is turned away.
  const slot: ChatTurn = { projectId: '', conversationId: null, abort: new AbortController() };
  running.set(chatId, slot);
  try {
    await runTurn(ctx, env, user, text, slot);
  } finally {
    running.delete(chatId);
  }
}

async function runTurn(ctx: Context, env: BotEnv, user: LinkedUser, text: string, slot: ChatTurn): Promise<void> {
  const chatId = ctx.chat!.id;
  const project = await currentProject(ctx, env, user);
  if (!project) return;
  slot.projectId = project.id;
  slot.conversationId = user.conversations?.[project.id] || null;
  const named = /^@([a-z_-]+)\s+([\s\S]+)$/i.exec(text);
  const asked = named?.[1]?.toLowerCase().replace(/-/g, '_') ?? '';
  const agent = (AGENT_NAMES as readonly string[]).includes(asked) ? (asked as AgentName) : undefined;
  const message = agent ? (named?.[2] ?? text) : text;
  const client = env.clientFor(user);
  const status = await ctx.reply(`🤖 Working on it in <b>${escapeHtml(project.name)}</b>…`, { parse_mode: 'HTML', reply_parameters: { message_id: ctx.message!.message_id } });
  const steps: string[] = [];
  let header = '🤖 Working…';
  let lastEdit = 0;
  let shown = '';
  let pending: NodeJS.Timeout | null = null;
  const render = () => [header, ...steps.slice(-8)].join('\n');
  const edit = async (force = false) => {
    const text = render();
    if (text === shown) return;
    const wait = EDIT_EVERY_MS - (Date.now() - lastEdit);
    if (!force && wait > 0) {
      pending ??= setTimeout(() => {
        pending = null;
        void edit();
      }, wait);
      return;
    }
    lastEdit = Date.now();
    shown = text;
    await ctx.api.editMessageText(chatId, status.message_id, escapeHtml(text), { parse_mode: 'HTML' }).catch(() => {});
  };
  const abort = slot.abort;
  let result: ChatResponse | null = null;
  try {
    for await (const r of client.agents.stream(project.id, { message, ...(agent ? { agent } : {}), ...(slot.conversationId ? { conversation_id: slot.conversationId } : {}) }, { signal: abort.signal })) {
      if (r.type === 'start') {
        slot.conversationId = r.conversation_id;
        env.state.update(user.telegram_user_id, { conversations: { ...(env.state.get(user.telegram_user_id)?.conversations ?? {}), [project.id]: r.conversation_id } });
        header = `🤖 ${r.agent} is working…`;
      } else if (r.type === 'status' && r.status === 'working') header = `🤖 ${r.agent} is working…`;
      else if (r.type === 'tool_call') steps.push(describeCall(r.tool, r.input));
      else if (r.type === 'tool_result' && !r.ok) steps.push(`  ✗ ${r.tool} failed`);
      else if (r.type === 'approval_needed') await env.notifier.askApproval(user, project.id, { approval_id: r.approval_id, agent: r.agent, tool: r.tool, input: r.input, reason: r.reason });
      else if (r.type === 'done') result = r.response;
      else if (r.type === 'error') throw Object.assign(new Error(r.message), { suggestion: r.suggestion });
      else continue;
      await edit();
    }
  } catch (e) {
    if (pending) clearTimeout(pending);
    header = abort.signal.aborted ? '⏹ Cancelled.' : '⚠️ The turn failed.';
    await edit(true);
    if (!abort.signal.aborted) await ctx.reply(friendlyError(e), { parse_mode: 'HTML' });
    return;
  }
  if (pending) clearTimeout(pending);
  if (!result) return;
  header = result.status === 'completed' ? '✅ Done.' : result.status === 'cancelled' ? '⏹ Cancelled.' : `⚠️ ${result.status}`;
  await edit(true);
  const answer = result.answer.trim() || (result.error ? result.error.message : '(no answer)');
  const messages = textMessages(answer);
  const last = messages.length - 1;
  const tail = footer(result);
  // The footer goes on the last piece when it fits, else on its own.
  if ((messages[last] ?? '').length + tail.length <= 4096) messages[last] = `${messages[last]}${tail}`;
  else messages.push(tail.trim());
  for (const m of messages) await ctx.reply(m, { parse_mode: 'HTML', reply_parameters: { message_id: ctx.message!.message_id } });
}

export function registerChat(bot: Bot, env: BotEnv): void {
  bot.command('chat', async (ctx) => {
    const text = ctx.match.trim();
    if (!text) return void (await ctx.reply('Usage: /chat &lt;message&gt; — or just write to me. Start with @engineer (or another agent) to ask one directly.', { parse_mode: 'HTML' }));
    background(ctx, env, () => turn(ctx, env, env.linked(ctx)!, text));
  });

  bot.command('cancel', async (ctx) => {
    const user = env.linked(ctx)!;
    const slot = env.chatTurns.get(ctx.chat.id);
    if (!slot) return void (await ctx.reply('Nothing is running.'));
    if (slot.conversationId) await env.clientFor(user).agents.cancel(slot.projectId, slot.conversationId).catch(() => null);
    slot.abort.abort();
    await ctx.reply('Stopping the turn; what it did so far is kept.');
  });

  bot.command('new', async (ctx) => {
    const user = env.linked(ctx)!;
    if (user.current_project) env.state.update(user.telegram_user_id, { conversations: { ...(user.conversations ?? {}), [user.current_project]: '' } });
    await ctx.reply('The next message starts a new conversation.');
  });

  bot.callbackQuery(/^ap:(apv_\w+):([ad])$/, async (ctx) => {
    const user = env.linked(ctx)!;
    await env.notifier.decide(ctx, user, ctx.match[1] ?? '', ctx.match[2] === 'a' ? 'approve' : 'deny');
  });

  // Anything else a linked user writes is a message to the agents.
  bot.on('message:text', async (ctx) => {
    if (ctx.message.text.startsWith('/')) return void (await ctx.reply('Unknown command. /help lists them.'));
    background(ctx, env, () => turn(ctx, env, env.linked(ctx)!, ctx.message.text));
  });
}
