/**
 * grammY handles one update at a time. A chat turn or a command can take
 * minutes — and may wait for an approval that only a later update (a button)
 * can give — so long work runs beside the update loop: the bot keeps
 * answering (/cancel, buttons, other users) meanwhile. Failures still reach
 * the user as friendly text.
 */
import type { Context } from 'grammy';
import type { BotEnv } from '../bot.ts';
import { friendlyError } from '../format.ts';

export function background(ctx: Context, env: BotEnv, work: () => Promise<void>): void {
  void work().catch(async (e: unknown) => {
    env.log('warn', `background work failed: ${e instanceof Error ? e.message : String(e)}`);
    await ctx.reply(friendlyError(e), { parse_mode: 'HTML' }).catch(() => {});
  });
}
