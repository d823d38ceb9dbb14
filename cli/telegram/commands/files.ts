/**
 * /files: browse the current project's files with buttons; a file picked is
 * sent as a document. A document sent to the bot is uploaded to the current
 * project (the caption is the path, else the file's own name). Telegram's
 * limits hold: a bot downloads at most 20 MB and sends at most 50 MB.
 */
import { Readable, Writable } from 'node:stream';
import { InlineKeyboard, InputFile, type Bot } from 'grammy';
import type { BotEnv } from '../bot.ts';
import { escapeHtml } from '../format.ts';
import { currentProject } from './projects.ts';

const MAX_SEND_BYTES = 50 * 1024 * 1024;
const MAX_RECEIVE_BYTES = 20 * 1024 * 1024;
const PAGE = 40;

/** Callback data is limited to 64 bytes: buttons carry an index into the chat's last listing. */
const listings = new Map<number, { projectId: string; paths: string[] }>();

function remember(chatId: number, projectId: string, paths: string[]): (path: string) => string {
  listings.set(chatId, { projectId, paths });
  return (path) => `f:${paths.indexOf(path)}`;
}

export function registerFiles(bot: Bot, env: BotEnv): void {
  const list = async (chatId: number, projectId: string, projectName: string, dir: string, user = 0): Promise<{ text: string; kb: InlineKeyboard }> => {
    const linked = env.state.get(user)!;
    const l = await env.clientFor(linked).files.list(projectId, { dir, limit: PAGE });
    const folders = l.items.filter((e) => e.type === 'dir');
    const files = l.items.filter((e) => e.type !== 'dir');
    const parent = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
    const paths = [...(dir ? [`${parent}/`] : []), ...folders.map((f) => `${f.path}/`), ...files.map((f) => f.path)];
    const data = remember(chatId, projectId, paths);
    const kb = new InlineKeyboard();
    if (dir) kb.text('⬆ ..', data(`${parent}/`)).row();
    for (const f of folders) kb.text(`📁 ${f.name}`, data(`${f.path}/`)).row();
    for (const f of files) kb.text(`📄 ${f.name} (${size(f.size)})`, data(f.path)).row();
    const where = dir ? `/${escapeHtml(dir)}` : '/';
    const text = l.items.length === 0 ? `<b>${escapeHtml(projectName)}</b> ${where}: empty` : `<b>${escapeHtml(projectName)}</b> ${where}${l.truncated ? ` (first ${PAGE})` : ''}: pick a file to get it`;
    return { text, kb };
  };

  bot.command('files', async (ctx) => {
    const user = env.linked(ctx)!;
    const project = await currentProject(ctx, env, user);
    if (!project) return;
    const dir = ctx.match.trim().replace(/^\/+|\/+$/g, '');
    const { text, kb } = await list(ctx.chat.id, project.id, project.name, dir, user.telegram_user_id);
    await ctx.reply(text, { parse_mode: 'HTML', reply_markup: kb });
  });

  bot.callbackQuery(/^f:(\d+)$/, async (ctx) => {
    const user = env.linked(ctx)!;
    const listing = listings.get(ctx.chat!.id);
    const path = listing?.paths[Number(ctx.match[1])];
    if (!listing || path === undefined) return void (await ctx.answerCallbackQuery({ text: 'That list is old: send /files again.' }));
    const project = await env.clientFor(user).projects.get(listing.projectId);
    if (path.endsWith('/')) {
      const { text, kb } = await list(ctx.chat!.id, project.id, project.name, path.slice(0, -1), user.telegram_user_id);
      await ctx.answerCallbackQuery();
      await ctx.editMessageText(text, { parse_mode: 'HTML', reply_markup: kb });
      return;
    }
    const meta = await env.clientFor(user).files.stat(project.id, path);
    if (meta.size > MAX_SEND_BYTES) {
      await ctx.answerCallbackQuery({ text: 'Too big for Telegram' });
      return void (await ctx.reply(`<code>${escapeHtml(path)}</code> is ${size(meta.size)}: Telegram lets bots send at most 50 MB. Get it with <code>zeblit files download</code>.`, { parse_mode: 'HTML' }));
    }
    await ctx.answerCallbackQuery({ text: `Sending ${meta.name}` });
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        chunks.push(chunk);
        cb();
      },
    });
    await env.clientFor(user).files.raw(project.id, path, sink);
    await ctx.replyWithDocument(new InputFile(Buffer.concat(chunks), meta.name), { caption: `${project.name}: ${path}` });
  });

  bot.on('message:document', async (ctx) => {
    const user = env.linked(ctx)!;
    const project = await currentProject(ctx, env, user);
    if (!project) return;
    const doc = ctx.message.document;
    if ((doc.file_size ?? 0) > MAX_RECEIVE_BYTES) return void (await ctx.reply('Telegram lets bots fetch files of at most 20 MB. Use <code>zeblit files upload</code> for bigger ones.', { parse_mode: 'HTML' }));
    const target = (ctx.message.caption?.trim() || doc.file_name || `upload-${doc.file_unique_id}`).replace(/^\/+/, '');
    const file = await ctx.getFile();
    const url = `${env.opts.apiRoot ?? 'https://api.telegram.org'}/file/bot${env.opts.token}/${file.file_path}`;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`Telegram would not hand over the file (${res.status})`);
    const bytes = Buffer.from(await res.arrayBuffer());
    const up = await env.clientFor(user).files.upload(project.id, target, Readable.from([bytes]), bytes.length);
    const written = up.files[0];
    await ctx.reply(`Saved <code>${escapeHtml(written?.path ?? target)}</code> in <b>${escapeHtml(project.name)}</b> (${size(bytes.length)}${written?.version ? `, version ${written.version}` : ''}).`, { parse_mode: 'HTML' });
  });
}

function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
