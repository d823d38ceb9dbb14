/** Small formatters shared by the commands' human output. */
import type { TelegramBotStatus } from '../src/contracts/index.ts';

const two = (n: number) => String(n).padStart(2, '0');

/** UTC milliseconds as local `YYYY-MM-DD HH:MM`; null as '-'. */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** Seconds as `3d 4h`, `5h 2m`, `7m 9s`, `12s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3_600);
  const m = Math.floor((s % 3_600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${m}m`;
  if (m) return `${m}m ${s % 60}s`;
  return `${s}s`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** JSON for `--json`: indented, one trailing newline. */
export function toJson(data: unknown): string {
  return `${JSON.stringify(data, null, 2)}\n`;
}

/** How the bot's state reads in one line: `running (pid 4242, @zeblit_bot)`. */
export function describeBot(bot: TelegramBotStatus): string {
  const extra = [bot.pid !== null ? `pid ${bot.pid}` : '', bot.username ? `@${bot.username}` : '', bot.restarts > 0 ? `${bot.restarts} restart${bot.restarts === 1 ? '' : 's'}` : ''].filter(Boolean);
  const state = bot.state.replace('_', ' ');
  return `${state}${extra.length ? ` (${extra.join(', ')})` : ''}${bot.last_error ? `; last error: ${bot.last_error}` : ''}`;
}
