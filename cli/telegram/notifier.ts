/**
 * What the bot tells linked users unasked, over the daemon's event stream, as
 * each user: approval requests of their projects' agents (with Approve / Deny
 * buttons that go away once decided, here or anywhere else), and the end of
 * agent turns that ran a minute or more (started from the CLI, another
 * client, auto-fix) and the results of scheduled tasks, per the user's
 * /notify preference: on (every such turn or result), failures (those that
 * did not complete), off. Approval requests are always shown: an agent waits
 * on them.
 */
import { InlineKeyboard, type Bot, type Context } from 'grammy';
import { followEvents } from '../../src/client/index.ts';
import type { EventPayload, ZeblitEvent } from '../../src/contracts/index.ts';
import type { BotEnv } from './bot.ts';
import { escapeHtml, friendlyError, usd } from './format.ts';
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
  /** Turns seen starting, by user, project and conversation: the top-level agent and when it began (the daemon's clock). */
  private readonly turns = new Map<string, { agent: string; startedAt: number }>();
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
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
    void followEvents(() => client.connectWebSocket('/ws'), { projectId, topics: ['agent', 'notifications'], signal: abort.signal, onEvent: (e) => this.enqueue(user.telegram_user_id, projectId, e) }).catch((e: unknown) => {
      this.follows.delete(key);
      this.env.log('warn', `stopped following ${projectId} for ${user.user_name}: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /** Events are handled one after another, so what the bot says unasked arrives in the order it happened. */
  private enqueue(telegramUserId: number, projectId: string, e: ZeblitEvent): void {
    this.chain = this.chain
      .then(() => this.onEvent(telegramUserId, projectId, e))
      .catch((err: unknown) => this.env.log('warn', `could not tell about ${e.type} in ${projectId}: ${err instanceof Error ? err.message : String(err)}`));
  }

  private async onEvent(telegramUserId: number, projectId: string, e: ZeblitEvent): Promise<void> {
    const user = this.env.state.get(telegramUserId);
    if (!user) return;
    if (e.type === 'agent.status') await this.turnStatus(user, projectId, e);
    else if (e.type === 'agent.approval_needed') await this.askApproval(user, projectId, e.data as ApprovalAsk);
    else if (e.type === 'notification.created') await this.notification(user, projectId, e.data as EventPayload<'notification.created'>);
    else if (e.type === 'agent.approval_resolved') {
      const d = e.data as { approval_id: string; status: string; decided_by: string | null };
      await this.resolved(d.approval_id, d.status, d.decided_by);
    }
  }

  /**
   * A turn's top-level agent says `working` first (sub-agents it delegates to
   * say so with a message) and `idle` last; in between it may wait for
   * approvals and work again.
   */
  private async turnStatus(user: LinkedUser, projectId: string, e: ZeblitEvent): Promise<void> {
    const d = e.data as { agent: string; status: string; conversation_id: string | null; message: string | null };
    if (!d.conversation_id) return;
    const key = `${user.telegram_user_id}:${projectId}:${d.conversation_id}`;
    const seen = this.turns.get(key);
    if (d.status === 'working' && !seen && d.message === null) {
      this.turns.set(key, { agent: d.agent, startedAt: e.time });
      return;
    }
    if (d.status !== 'idle' || !seen || seen.agent !== d.agent) return;
    this.turns.delete(key);
    const took = e.time - seen.startedAt;
    if (took < (this.env.opts.longTurnMs ?? 60_000) || user.notify === 'off') return;
    // A turn this bot runs for the chat is answered there already.
    if ([...this.env.chatTurns.values()].some((t) => t.conversationId === d.conversation_id)) return;
    await this.turnEnded(user, projectId, d.conversation_id, d.agent, took);
  }

  private async turnEnded(user: LinkedUser, projectId: string, conversationId: string, agent: string, took: number): Promise<void> {
    const client = this.env.clientFor(user);
    const [project, convo] = await Promise.all([client.projects.get(projectId), client.agents.conversation(projectId, conversationId, { limit: 2 })]).catch((e: unknown) => {
      this.env.log('warn', `cannot read the turn that ended in ${projectId}: ${e instanceof Error ? e.message : String(e)}`);
      return [null, null] as const;
    });
    if (!project || !convo) return;
    const answer = convo.messages.filter((m) => m.role === 'assistant').at(-1);
    const status = answer?.status ?? 'completed';
    if (user.notify === 'failures' && status === 'completed') return;
    const icon = status === 'completed' ? '✅' : status === 'cancelled' ? '⏹' : '⚠️';
    const text = (answer?.content ?? '').trim();
    const body = text.length > 600 ? `${text.slice(0, 600)}…` : text;
    const lines = [
      `${icon} <b>${escapeHtml(agent)}</b> ${status === 'completed' ? 'finished' : `ended (${escapeHtml(status)})`} in <b>${escapeHtml(project.name)}</b> after ${duration(took)}`,
      ...(body ? ['', escapeHtml(body)] : []),
      '',
      `<i>${answer?.usage ? `${usd(answer.usage.cost_usd)} · ` : ''}${escapeHtml(convo.title.slice(0, 80))}</i>`,
    ];
    await this.bot.api.sendMessage(user.chat_id, lines.join('\n'), { parse_mode: 'HTML' });
  }

  /**
   * The daemon's notifications (src/notify): a scheduled task's result, sent
   * when the task's notify_on says so, shown per the link's preference (on:
   * all, failures: failed ones, off: none) with the end of the run's output.
   * Approval requests and the end of long turns come from the agent events
   * above (with buttons, and after a minute rather than the notifier's two).
   */
  private async notification(user: LinkedUser, projectId: string, n: EventPayload<'notification.created'>): Promise<void> {
    if (n.kind !== 'task_result' || user.notify === 'off') return;
    const failed = n.level === 'error';
    if (user.notify === 'failures' && !failed) return;
    const client = this.env.clientFor(user);
    const [project, run] = await Promise.all([
      client.projects.get(projectId).catch(() => null),
      n.run_id ? client.scheduler.run(n.run_id).catch(() => null) : Promise.resolve(null),
    ]);
    const output = run ? `${run.stdout}${run.stderr ? `${run.stdout && !run.stdout.endsWith('\n') ? '\n' : ''}${run.stderr}` : ''}`.trimEnd() : '';
    const tail = output.length > 1500 ? `…${output.slice(-1500)}` : output;
    const lines = [
      `${failed ? '⚠️' : '✅'} <b>${escapeHtml(n.title)}</b>${project ? ` in <b>${escapeHtml(project.name)}</b>` : ''}`,
      escapeHtml(n.message),
      ...(tail ? [`<pre>${escapeHtml(tail)}</pre>`] : []),
    ];
    await this.bot.api.sendMessage(user.chat_id, lines.join('\n'), { parse_mode: 'HTML' });
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

/** 75_000 → `1 min 15 s`. */
function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min${s % 60 ? ` ${s % 60} s` : ''}` : `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}
