/** /run, /logs, /errors. */
import { InputFile, type Bot, type Context } from 'grammy';
import type { BotEnv } from '../bot.ts';
import { codeMessages, escapeHtml } from '../format.ts';
import { background } from './background.ts';
import { currentProject } from './projects.ts';

/** Output longer than this goes as a file: three screens of a phone are enough to read in a chat. */
const INLINE_OUTPUT_CHARS = 3_500;

/** Sends text as code blocks, or as a document when it is long. */
export async function sendOutput(ctx: Context, text: string, opts: { header: string; fileName: string; language?: string }): Promise<void> {
  if (text.length > INLINE_OUTPUT_CHARS) {
    await ctx.replyWithDocument(new InputFile(Buffer.from(text, 'utf8'), opts.fileName), { caption: `${opts.header}\n(${text.length} characters: sent as a file)`, parse_mode: 'HTML' });
    return;
  }
  for (const m of codeMessages(text, { header: opts.header, ...(opts.language ? { language: opts.language } : {}) })) await ctx.reply(m, { parse_mode: 'HTML' });
}

export function registerRun(bot: Bot, env: BotEnv): void {
  bot.command('run', async (ctx) => {
    const user = env.linked(ctx)!;
    const command = ctx.match.trim();
    if (!command) return void (await ctx.reply('Usage: /run &lt;command&gt;, e.g. <code>/run python3 app.py</code>', { parse_mode: 'HTML' }));
    const project = await currentProject(ctx, env, user);
    if (!project) return;
    await ctx.replyWithChatAction('typing');
    // A command may take minutes: the bot keeps answering other messages meanwhile.
    background(ctx, env, async () => {
      const r = await env.clientFor(user).containers.execute(project.id, { command, timeout_seconds: 300 });
      const output = [r.stdout, r.stderr].filter((s) => s.length > 0).join(r.stdout.endsWith('\n') || !r.stdout ? '' : '\n');
      const verdict = r.status === 'timed_out' ? 'timed out' : r.oom_killed ? 'out of memory' : r.exit_code === 0 ? 'exit 0' : `exit ${r.exit_code ?? '?'}`;
      const header = `<code>$ ${escapeHtml(command.slice(0, 200))}</code> → <b>${escapeHtml(verdict)}</b> (${(r.duration_ms / 1000).toFixed(1)} s)`;
      await sendOutput(ctx, output, { header, fileName: 'output.txt' });
    });
  });

  bot.command('logs', async (ctx) => {
    const user = env.linked(ctx)!;
    const project = await currentProject(ctx, env, user);
    if (!project) return;
    const h = await env.clientFor(user).console.history(project.id, { limit: 40 });
    const text = h.items.map((e) => e.text).join('\n');
    await sendOutput(ctx, text, { header: `Console of <b>${escapeHtml(project.name)}</b> (last ${h.items.length} lines):`, fileName: 'console.txt' });
  });

  bot.command('errors', async (ctx) => {
    const user = env.linked(ctx)!;
    const project = await currentProject(ctx, env, user);
    if (!project) return;
    const errors = await env.clientFor(user).console.errors(project.id, { limit: 10 });
    if (errors.length === 0) return void (await ctx.reply(`No errors found in the console of <b>${escapeHtml(project.name)}</b>.`, { parse_mode: 'HTML' }));
    const blocks = errors.map((e) =>
      [
        `<b>${escapeHtml(e.type)}</b>${e.occurrences > 1 ? ` ×${e.occurrences}` : ''}: ${escapeHtml(e.message.slice(0, 300))}`,
        e.file ? `at <code>${escapeHtml(e.file)}${e.line ? `:${e.line}` : ''}</code>` : '',
        e.suggestion ? `💡 ${escapeHtml(e.suggestion.slice(0, 400))}` : '',
      ]
        .filter(Boolean)
        .join('\n'),
    );
    let message = '';
    for (const b of blocks) {
      if (message.length + b.length + 2 > 4000) {
        await ctx.reply(message, { parse_mode: 'HTML' });
        message = '';
      }
      message += (message ? '\n\n' : '') + b;
    }
    if (message) await ctx.reply(message, { parse_mode: 'HTML' });
  });
}
