/** /start, /help, /link, /unlink, /notify: who you are to the bot. */
import type { Bot } from 'grammy';
import type { BotEnv } from '../bot.ts';
import { escapeHtml, friendlyError } from '../format.ts';
import type { NotifyPreference } from '../state.ts';

const HELP_LINKED = [
  '<b>Zeblit</b>: your projects, from your phone.',
  '',
  '/projects — your projects; /use &lt;name&gt; picks one (or choose from a list)',
  '/create &lt;name&gt; [python|node|blank] — a new project',
  '/chat &lt;message&gt; — ask the agents (or just write a message)',
  '/cancel — stop the agents\' current turn; /new — start a new conversation',
  '/run &lt;command&gt; — run a command in the project\'s container',
  '/logs — the console\'s last lines; /errors — errors found in it',
  '/files [folder] — browse and download files; send a document to upload it',
  '/schedule — scheduled tasks (enable, disable, run now); /schedule new — create one',
  '/status — the project and its container; /usage — tokens and cost',
  '/notify on|off|failures — what I tell you unasked',
  '/unlink — forget this Telegram account',
].join('\n');

const HELP_UNLINKED = [
  '<b>Zeblit</b>: your projects, from your phone.',
  '',
  'To start, link your Zeblit account: on your computer run',
  '<code>zeblit auth telegram-link</code>',
  'and send me the <code>/link &lt;token&gt;</code> it prints (valid 10 minutes).',
].join('\n');

export function registerAccount(bot: Bot, env: BotEnv): void {
  bot.command(['start', 'help'], async (ctx) => {
    await ctx.reply(env.linked(ctx) ? HELP_LINKED : HELP_UNLINKED, { parse_mode: 'HTML' });
  });

  bot.command('link', async (ctx) => {
    const token = ctx.match.trim();
    if (!token) return void (await ctx.reply('Send the token with the command: <code>/link tgl_…</code> (from <code>zeblit auth telegram-link</code>).', { parse_mode: 'HTML' }));
    const from = ctx.from!;
    try {
      const { link, api_key } = await env.service.auth.telegramVerify({ token, telegram_user_id: from.id, chat_id: ctx.chat.id, ...(from.username ? { username: from.username } : {}) });
      const me = await env.clientForKey(api_key.key).users.me();
      env.state.set({ telegram_user_id: from.id, chat_id: ctx.chat.id, link_id: link.id, key: api_key.key, user_name: me.user.name, current_project: null, notify: 'failures' });
      await env.notifier.refresh();
      await ctx.reply(`Linked to Zeblit as <b>${escapeHtml(me.user.name)}</b>. Try /projects.`, { parse_mode: 'HTML' });
    } catch (e) {
      await ctx.reply(friendlyError(e), { parse_mode: 'HTML' });
    }
  });

  bot.command('unlink', async (ctx) => {
    const user = env.linked(ctx)!;
    try {
      await env.clientFor(user).auth.telegramUnlink(user.link_id);
    } catch (e) {
      // Already gone on the daemon's side (unlinked from the CLI, key revoked): forget it here too.
      env.log('warn', `unlink: ${e instanceof Error ? e.message : String(e)}`);
    }
    env.state.remove(user.telegram_user_id);
    await env.notifier.refresh();
    await ctx.reply('Unlinked. Your Zeblit account no longer answers to this Telegram account.');
  });

  bot.command('notify', async (ctx) => {
    const user = env.linked(ctx)!;
    const want = ctx.match.trim().toLowerCase();
    if (!['on', 'off', 'failures'].includes(want)) {
      await ctx.reply(`Notifications are <b>${user.notify}</b>. Change with /notify on, /notify failures or /notify off.`, { parse_mode: 'HTML' });
      return;
    }
    env.state.update(user.telegram_user_id, { notify: want as NotifyPreference });
    await ctx.reply(`Notifications: <b>${want}</b>.`, { parse_mode: 'HTML' });
  });
}
