/**
 * /schedule: the current project's scheduled tasks, with buttons to enable,
 * disable and run each now; `/schedule new` creates one through a short
 * conversation (name → what to run → when → notify), every answer checked by
 * the daemon (the schedule through validate-schedule) before the next
 * question. The conversation lives in memory per chat: a restart of the bot
 * forgets it, /cancel abandons it.
 */
import { InlineKeyboard, type Bot, type Context } from 'grammy';
import { AGENT_NAMES, type AgentName, type ScheduledTask } from '../../../src/contracts/index.ts';
import type { BotEnv } from '../bot.ts';
import { escapeHtml, friendlyError } from '../format.ts';
import type { LinkedUser } from '../state.ts';
import { currentProject } from './projects.ts';

type NotifyOn = ScheduledTask['notify_on'];

interface Draft {
  projectId: string;
  projectName: string;
  step: 'name' | 'what' | 'when' | 'notify';
  name?: string;
  command?: string;
  agent?: AgentName;
  prompt?: string;
  schedule?: string;
  description?: string;
}

/** The schedules offered as buttons; anything else is typed (cron, a nickname, a one-shot time). */
const PRESETS: Array<[label: string, cron: string]> = [
  ['Every 15 minutes', '*/15 * * * *'],
  ['Hourly', '0 * * * *'],
  ['Daily 09:00', '0 9 * * *'],
  ['Weekdays 09:00', '0 9 * * 1-5'],
  ['Mondays 09:00', '0 9 * * 1'],
];

const NOTIFY_LABELS: Record<NotifyOn, string> = { failure: 'On failure', always: 'Always', never: 'Never' };

function when(ms: number | null): string {
  return ms === null ? '—' : `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function taskLine(t: ScheduledTask): string {
  const what = t.kind === 'agent' ? `@${t.agent}: ${t.prompt ?? ''}` : Array.isArray(t.command) ? t.command.join(' ') : (t.command ?? '');
  const state = t.enabled ? '🟢' : '⏸';
  const last = t.last_status ? ` · last: ${escapeHtml(t.last_status)}` : '';
  const next = t.enabled ? ` · next: ${when(t.next_run_at)}` : t.disabled_reason ? ` · disabled: ${escapeHtml(t.disabled_reason)}` : ' · disabled';
  return `${state} <b>${escapeHtml(t.name)}</b> — ${escapeHtml(t.schedule_description)}\n<code>${escapeHtml(what.length > 80 ? `${what.slice(0, 79)}…` : what)}</code>${last}${next}`;
}

function taskButtons(tasks: ScheduledTask[]): InlineKeyboard {
  const kb = new InlineKeyboard();
  for (const t of tasks) {
    kb.text(`${t.enabled ? '⏸ Disable' : '▶ Enable'} ${t.name}`, `sc:${t.id}:${t.enabled ? 'd' : 'e'}`).text(`⚡ Run ${t.name} now`, `sc:${t.id}:r`).row();
  }
  return kb.text('➕ New task', 'sc:new');
}

async function list(ctx: Context, env: BotEnv, user: LinkedUser): Promise<void> {
  const project = await currentProject(ctx, env, user);
  if (!project) return;
  const page = await env.clientFor(user).scheduler.list({ project: project.id, limit: 20 });
  if (page.items.length === 0) {
    await ctx.reply(`No scheduled tasks in <b>${escapeHtml(project.name)}</b>.`, { parse_mode: 'HTML', reply_markup: new InlineKeyboard().text('➕ New task', 'sc:new') });
    return;
  }
  const more = page.total > page.items.length ? `\n\n(${page.total - page.items.length} more: <code>zeblit schedule list</code>)` : '';
  await ctx.reply(`Scheduled tasks in <b>${escapeHtml(project.name)}</b>:\n\n${page.items.map(taskLine).join('\n\n')}${more}`, { parse_mode: 'HTML', reply_markup: taskButtons(page.items) });
}

export function registerSchedule(bot: Bot, env: BotEnv): void {
  const drafts = new Map<number, Draft>();

  const begin = async (ctx: Context, user: LinkedUser) => {
    const project = await currentProject(ctx, env, user);
    if (!project) return;
    drafts.set(ctx.chat!.id, { projectId: project.id, projectName: project.name, step: 'name' });
    await ctx.reply(`A new scheduled task in <b>${escapeHtml(project.name)}</b> (/cancel stops).\n\n1/4 Its <b>name</b>? (letters, digits, . _ -)`, { parse_mode: 'HTML' });
  };

  const create = async (ctx: Context, user: LinkedUser, d: Draft, notifyOn: NotifyOn) => {
    drafts.delete(ctx.chat!.id);
    const task = await env.clientFor(user).scheduler.create({
      project_id: d.projectId,
      name: d.name ?? '',
      schedule: d.schedule ?? '',
      notify_on: notifyOn,
      ...(d.agent ? { agent: d.agent, prompt: d.prompt ?? '' } : { command: d.command ?? '' }),
    });
    await ctx.reply(`Scheduled <b>${escapeHtml(task.name)}</b> in <b>${escapeHtml(d.projectName)}</b>: ${escapeHtml(task.schedule_description)}.\nNext run: ${when(task.next_run_at)}. Results: ${NOTIFY_LABELS[task.notify_on].toLowerCase()}. /schedule lists your tasks.`, { parse_mode: 'HTML' });
  };

  bot.command('schedule', async (ctx) => {
    const user = env.linked(ctx)!;
    const arg = ctx.match.trim().toLowerCase();
    if (arg === 'new' || arg === 'create') return begin(ctx, user);
    if (arg) return void (await ctx.reply('Usage: /schedule — your tasks, with buttons; /schedule new — create one.'));
    await list(ctx, env, user);
  });

  // /cancel during a conversation abandons it (a chat turn, if any, is the chat's /cancel).
  bot.command('cancel', async (ctx, next) => {
    if (!drafts.delete(ctx.chat.id)) return next();
    await ctx.reply('No task created.');
  });

  // The answers of a conversation in progress; other commands pass (the conversation waits).
  bot.on('message:text', async (ctx, next) => {
    const d = drafts.get(ctx.chat.id);
    const text = ctx.message.text.trim();
    if (!d || text.startsWith('/')) return next();
    const user = env.linked(ctx)!;
    if (d.step === 'name') {
      // The daemon checks the name when the task is created; the obvious mistakes are caught here, before three more questions.
      if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/.test(text)) return void (await ctx.reply('A name starts with a letter or digit, then letters, digits, . _ or - (at most 64). Another name?'));
      d.name = text;
      d.step = 'what';
      return void (await ctx.reply('2/4 <b>What</b> should it run? A shell command (<code>npm test</code>), or <code>@engineer</code> (or another agent) and what to ask.', { parse_mode: 'HTML' }));
    }
    if (d.step === 'what') {
      const named = /^@([a-z_-]+)\s+([\s\S]+)$/i.exec(text);
      if (named) {
        const agent = (named[1] ?? '').toLowerCase().replace(/-/g, '_');
        if (!(AGENT_NAMES as readonly string[]).includes(agent)) return void (await ctx.reply(`There is no agent @${escapeHtml(agent)}: ${AGENT_NAMES.map((a) => `@${a}`).join(', ')}.`, { parse_mode: 'HTML' }));
        d.agent = agent as AgentName;
        d.prompt = named[2];
      } else d.command = text;
      d.step = 'when';
      const kb = new InlineKeyboard();
      PRESETS.forEach(([label], i) => {
        kb.text(label, `sq:${i}`);
        if (i % 2 === 1) kb.row();
      });
      return void (await ctx.reply('3/4 <b>When?</b> Pick one, or write a cron expression (<code>30 7 * * 1-5</code>), <code>@daily</code>, or a time to run once (<code>2030-01-31T09:00</code>).', { parse_mode: 'HTML', reply_markup: kb }));
    }
    if (d.step === 'when') return setSchedule(ctx, env, user, d, text);
    await ctx.reply('Pick when to hear of its results with the buttons above (or /cancel).');
  });

  async function setSchedule(ctx: Context, env: BotEnv, user: LinkedUser, d: Draft, schedule: string): Promise<void> {
    const v = await env.clientFor(user).scheduler.validate({ schedule, count: 1 });
    if (!v.is_valid) {
      const where = v.error?.field ? ` (${v.error.field.replace(/_/g, ' ')})` : '';
      return void (await ctx.reply(`That schedule does not work${escapeHtml(where)}: ${escapeHtml(v.error?.message ?? 'invalid')}. Try again, or pick a button.`, { parse_mode: 'HTML' }));
    }
    d.schedule = schedule;
    d.description = v.description ?? schedule;
    d.step = 'notify';
    const kb = new InlineKeyboard().text(NOTIFY_LABELS.failure, 'sn:failure').text(NOTIFY_LABELS.always, 'sn:always').text(NOTIFY_LABELS.never, 'sn:never');
    const next = v.next_runs[0] ? ` First run: ${escapeHtml(v.next_runs[0].local)}.` : '';
    await ctx.reply(`${escapeHtml(d.description)}.${next}\n\n4/4 Tell you of its <b>results</b>?`, { parse_mode: 'HTML', reply_markup: kb });
  }

  bot.callbackQuery(/^sq:(\d+)$/, async (ctx) => {
    const d = drafts.get(ctx.chat!.id);
    const preset = PRESETS[Number(ctx.match[1])];
    if (!d || d.step !== 'when' || !preset) return void (await ctx.answerCallbackQuery({ text: 'That question is over: /schedule new starts again.' }));
    await ctx.answerCallbackQuery({ text: preset[0] });
    await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => {});
    await setSchedule(ctx, env, env.linked(ctx)!, d, preset[1]);
  });

  bot.callbackQuery(/^sn:(failure|always|never)$/, async (ctx) => {
    const d = drafts.get(ctx.chat!.id);
    if (!d || d.step !== 'notify') return void (await ctx.answerCallbackQuery({ text: 'That question is over: /schedule new starts again.' }));
    await ctx.answerCallbackQuery();
    await ctx.editMessageReplyMarkup({ reply_markup: undefined }).catch(() => {});
    try {
      await create(ctx, env.linked(ctx)!, d, ctx.match[1] as NotifyOn);
    } catch (e) {
      await ctx.reply(`${friendlyError(e)}\n\n/schedule new starts again.`, { parse_mode: 'HTML' });
    }
  });

  bot.callbackQuery('sc:new', async (ctx) => {
    await ctx.answerCallbackQuery();
    await begin(ctx, env.linked(ctx)!);
  });

  // A task's buttons: act as the user, then show the list again in the same message.
  bot.callbackQuery(/^sc:(tsk_\w+):([edr])$/, async (ctx) => {
    const user = env.linked(ctx)!;
    const client = env.clientFor(user);
    const id = ctx.match[1] ?? '';
    try {
      if (ctx.match[2] === 'r') {
        const run = await client.scheduler.execute(id);
        await ctx.answerCallbackQuery({ text: run.status === 'skipped' ? `Skipped: ${run.reason ?? 'it is running'}` : 'Started' });
        return;
      }
      const t = ctx.match[2] === 'e' ? await client.scheduler.enable(id) : await client.scheduler.disable(id);
      await ctx.answerCallbackQuery({ text: `${t.name} ${t.enabled ? 'enabled' : 'disabled'}` });
      const [page, project] = await Promise.all([client.scheduler.list({ project: t.project_id, limit: 20 }), client.projects.get(t.project_id)]);
      await ctx.editMessageText(`Scheduled tasks in <b>${escapeHtml(project.name)}</b>:\n\n${page.items.map(taskLine).join('\n\n')}`, { parse_mode: 'HTML', reply_markup: taskButtons(page.items) }).catch(() => {});
    } catch (e) {
      await ctx.answerCallbackQuery({ text: 'Could not do that' });
      await ctx.reply(friendlyError(e), { parse_mode: 'HTML' });
    }
  });
}
