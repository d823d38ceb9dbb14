/** /projects, /use, /create, /status, /usage. */
import { InlineKeyboard, type Bot, type Context } from 'grammy';
import type { Project } from '../../../src/contracts/index.ts';
import type { BotEnv } from '../bot.ts';
import { escapeHtml, friendlyError, usd } from '../format.ts';
import type { LinkedUser } from '../state.ts';

/** The current project of a linked user, or a reply saying how to pick one. */
export async function currentProject(ctx: Context, env: BotEnv, user: LinkedUser): Promise<Project | null> {
  if (!user.current_project) {
    await ctx.reply('Pick a project first: /use &lt;name&gt; (or /use for a list).', { parse_mode: 'HTML' });
    return null;
  }
  try {
    return await env.clientFor(user).projects.get(user.current_project);
  } catch (e) {
    await ctx.reply(friendlyError(e), { parse_mode: 'HTML' });
    return null;
  }
}

export function registerProjects(bot: Bot, env: BotEnv): void {
  bot.command('projects', async (ctx) => {
    const user = env.linked(ctx)!;
    const page = await env.clientFor(user).projects.list({ limit: 50 });
    if (page.items.length === 0) return void (await ctx.reply('No projects yet. Create one: /create &lt;name&gt; [python|node|blank]', { parse_mode: 'HTML' }));
    const lines = page.items.map((p) => `${p.id === user.current_project ? '▶' : '•'} <b>${escapeHtml(p.name)}</b> <i>${escapeHtml(p.template)}</i>${p.description ? ` — ${escapeHtml(p.description.slice(0, 80))}` : ''}`);
    await ctx.reply([`Your projects (${page.total}):`, ...lines, '', 'Pick one with /use.'].join('\n'), { parse_mode: 'HTML' });
  });

  bot.command('use', async (ctx) => {
    const user = env.linked(ctx)!;
    const name = ctx.match.trim();
    const client = env.clientFor(user);
    if (name) {
      const p = await client.projects.get(name);
      env.state.update(user.telegram_user_id, { current_project: p.id });
      return void (await ctx.reply(`Now using <b>${escapeHtml(p.name)}</b>.`, { parse_mode: 'HTML' }));
    }
    const page = await client.projects.list({ limit: 30 });
    if (page.items.length === 0) return void (await ctx.reply('No projects yet. Create one: /create &lt;name&gt;', { parse_mode: 'HTML' }));
    const kb = new InlineKeyboard();
    page.items.forEach((p, i) => {
      kb.text(`${p.id === user.current_project ? '▶ ' : ''}${p.name}`, `use:${p.id}`);
      if (i % 2 === 1) kb.row();
    });
    await ctx.reply('Which project?', { reply_markup: kb });
  });

  bot.callbackQuery(/^use:(prj_\w+)$/, async (ctx) => {
    const user = env.linked(ctx)!;
    try {
      const p = await env.clientFor(user).projects.get(ctx.match[1] ?? '');
      env.state.update(user.telegram_user_id, { current_project: p.id });
      await ctx.answerCallbackQuery({ text: `Using ${p.name}` });
      await ctx.editMessageText(`Now using <b>${escapeHtml(p.name)}</b>.`, { parse_mode: 'HTML' });
    } catch (e) {
      await ctx.answerCallbackQuery({ text: 'That project is gone.' });
      await ctx.reply(friendlyError(e), { parse_mode: 'HTML' });
    }
  });

  bot.command('create', async (ctx) => {
    const user = env.linked(ctx)!;
    const [name, template] = ctx.match.trim().split(/\s+/);
    if (!name) return void (await ctx.reply('Usage: /create &lt;name&gt; [python|node|blank]', { parse_mode: 'HTML' }));
    const p = await env.clientFor(user).projects.create({ name, ...(template ? { template: template as Project['template'] } : {}) });
    env.state.update(user.telegram_user_id, { current_project: p.id });
    await env.notifier.refresh();
    await ctx.reply(`Created <b>${escapeHtml(p.name)}</b> (${escapeHtml(p.template)}) and made it the current project.`, { parse_mode: 'HTML' });
  });

  bot.command('status', async (ctx) => {
    const user = env.linked(ctx)!;
    const project = await currentProject(ctx, env, user);
    if (!project) return;
    const s = await env.clientFor(user).containers.status(project.id);
    const lines = [
      `<b>${escapeHtml(project.name)}</b> (${escapeHtml(project.template)})`,
      `Container: ${escapeHtml(s.state)}${s.health !== 'unknown' ? `, ${escapeHtml(s.health)}` : ''}`,
      `Limits: ${s.limits.cpus} CPUs, ${s.limits.memory_mb} MiB, ${s.limits.pids} processes`,
      `Runs now: ${s.active_runs}`,
      ...(s.ports.length ? [`Ports: ${s.ports.map((p) => `${p.container_port}→${p.host_ip}:${p.host_port}`).join(', ')}`] : []),
    ];
    await ctx.reply(lines.join('\n'), { parse_mode: 'HTML' });
  });

  bot.command('usage', async (ctx) => {
    const user = env.linked(ctx)!;
    const u = await env.clientFor(user).llm.usage({ group_by: 'project' });
    const lines = [
      `<b>Usage this month</b>: ${u.totals.calls} calls, ${u.totals.input_tokens + u.totals.output_tokens} tokens, ${usd(u.totals.cost_usd)}`,
      ...u.groups.slice(0, 10).map((g) => `• ${escapeHtml(g.label ?? g.key ?? '(none)')}: ${usd(g.cost_usd)} (${g.calls} calls)`),
      ...u.budgets.filter((b) => b.limit_usd !== null).map((b) => `Budget ${b.scope === 'global' ? 'overall' : 'project'}: ${usd(b.spent_usd)} of ${usd(b.limit_usd ?? 0)}`),
    ];
    await ctx.reply(lines.join('\n'), { parse_mode: 'HTML' });
  });
}
