/**
 * What the bot tells linked users unasked: approval requests of their
 * projects' agents (with Approve / Deny buttons that go away once decided,
 * here or anywhere else), over the daemon's event stream, as each user.
 */
import { InlineKeyboard, type Bot, type Context } from 'grammy';
import { followEvents } from '../../src/client/index.ts';
import type { ZeblitEvent } from '../../src/contracts/index.ts';
import type { BotEnv } from './bot.ts';
import { escapeHtml, friendlyError } from './format.ts';
import type { LinkedUser } from './state.ts';

interface ShownApproval {
  chatId: number;
  messageId: number;
  text: string;
}

export interface ApprovalAsk {
  approval_id: string;
  agent: string;
  tool: string;
  input: unknown;
  reason: string;
}

export class Notifier {
  /** One event subscription per (user, project). */
  private readonly follows = new Map<string, AbortController>();
  private readonly approvals = new Map<string, ShownApproval>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly bot: Bot,
    private readonly env: BotEnv,
  ) {}

  start(): void {
    void this.refresh();
    // New projects (made in the CLI, say) are followed within a minute.
    this.timer = setInterval(() => void this.refresh(), 60_000);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    for (const a of this.follows.values()) a.abort();
    this.follows.clear();
  }

  /** Follows the projects of every linked user; stops following what is gone. */
  async refresh(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Set<string>();
    for (const user of this.env.state.all()) {
      let projects: string[] = [];
      try {
        projects = (await this.env.clientFor(user).projects.list({ limit: 500 })).items.map((p) => p.id);
      } catch (e) {
        this.env.log('warn', `cannot list the projects of ${user.user_name}: ${e instanceof Error ? e.message : String(e)}`);
        continue;
      }
      for (const projectId of projects) {
        const key = `${user.telegram_user_id}:${projectId}`;
        wanted.add(key);
        if (!this.follows.has(key)) this.follow(key, user, projectId);
      }
    }
    for (const [key, abort] of this.follows) {
      if (wanted.has(key)) continue;
      abort.abort();
      this.follows.delete(key);
    }
  }

  private follow(key: string, user: LinkedUser, projectId: string): void {
    const abort = new AbortController();
    this.follows.set(key, abort);
    const client = this.env.clientFor(user);
    void followEvents(() => client.connectWebSocket('/ws'), { projectId, topics: ['agent'], signal: abort.signal, onEvent: (e) => void this.onEvent(user.telegram_user_id, projectId, e) }).catch((e: unknown) => {
      this.follows.delete(key);
      this.env.log('warn', `stopped following ${projectId} for ${user.user_name}: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  private async onEvent(telegramUserId: number, projectId: string, e: ZeblitEvent): Promise<void> {
    const user = this.env.state.get(telegramUserId);
    if (!user) return;
    if (e.type === 'agent.approval_needed') await this.askApproval(user, projectId, e.data as ApprovalAsk);
    else if (e.type === 'agent.approval_resolved') {
      const d = e.data as { approval_id: string; status: string; decided_by: string | null };
      await this.resolved(d.approval_id, d.status, d.decided_by);
    }
  }

  /** Shows an approval request once, with its buttons. */
  async askApproval(user: LinkedUser, projectId: string, a: ApprovalAsk): Promise<void> {
    if (this.approvals.has(a.approval_id)) return;
    this.approvals.set(a.approval_id, { chatId: user.chat_id, messageId: 0, text: '' });
    const input = typeof a.input === 'object' && a.input !== null ? (a.input as Record<string, unknown>) : {};
    const what = typeof input.command === 'string' ? input.command : typeof input.path === 'string' ? input.path : JSON.stringify(a.input).slice(0, 300);
    let project = projectId;
    try {
      project = (await this.env.clientFor(user).projects.get(projectId)).name;
    } catch {
      // the id will do
    }
    const text = `🔐 <b>${escapeHtml(a.agent)}</b> wants to <b>${escapeHtml(a.tool)}</b> in <b>${escapeHtml(project)}</b>:\n<pre>${escapeHtml(what)}</pre>\n${escapeHtml(a.reason)}`;
    const kb = new InlineKeyboard().text('✅ Approve', `ap:${a.approval_id}:a`).text('⛔ Deny', `ap:${a.approval_id}:d`);
    const sent = await this.bot.api.sendMessage(user.chat_id, text, { parse_mode: 'HTML', reply_markup: kb });
    this.approvals.set(a.approval_id, { chatId: user.chat_id, messageId: sent.message_id, text });
  }

  /** A button was pressed: the linked user decides (as themselves; the daemon records their name). */
  async decide(ctx: Context, user: LinkedUser, approvalId: string, decision: 'approve' | 'deny'): Promise<void> {
    try {
      const shown = this.approvals.get(approvalId);
      const projectId = await this.projectOfApproval(user, approvalId);
      if (!projectId) return void (await ctx.answerCallbackQuery({ text: 'This request is no longer pending.' }));
      const a = await this.env.clientFor(user).agents.decide(projectId, approvalId, { decision });
      await ctx.answerCallbackQuery({ text: decision === 'approve' ? 'Approved' : 'Denied' });
      if (!shown) this.approvals.set(approvalId, { chatId: ctx.chat!.id, messageId: ctx.callbackQuery!.message!.message_id, text: escapeHtml(ctx.callbackQuery?.message?.text ?? '') });
      await this.resolved(approvalId, a.status, a.decided_by);
    } catch (e) {
      await ctx.answerCallbackQuery({ text: 'Could not decide' });
      await ctx.reply(friendlyError(e), { parse_mode: 'HTML' });
    }
  }

  private async projectOfApproval(user: LinkedUser, approvalId: string): Promise<string | null> {
    const client = this.env.clientFor(user);
    for (const p of (await client.projects.list({ limit: 500 })).items) {
      const pending = await client.agents.approvals(p.id, 'pending');
      if (pending.some((a) => a.id === approvalId)) return p.id;
    }
    return null;
  }

  /** Decided (anywhere) or expired: the buttons go, the outcome stays. */
  private async resolved(approvalId: string, status: string, by: string | null): Promise<void> {
    const shown = this.approvals.get(approvalId);
    if (!shown || shown.messageId === 0) return;
    this.approvals.delete(approvalId);
    const outcome = status === 'approved' ? '✅ Approved' : status === 'denied' ? '⛔ Denied' : '⌛ Expired';
    await this.bot.api.editMessageText(shown.chatId, shown.messageId, `${shown.text}\n\n<b>${outcome}</b>${by ? ` by ${escapeHtml(by)}` : ''}`, { parse_mode: 'HTML' }).catch(() => {});
  }
}
