/**
 * Telegram's side of presentation: HTML parse mode with everything escaped,
 * code blocks with a language, messages split at 4,096 characters on line
 * boundaries (Telegram's limit counts the text as sent, entities included),
 * and daemon errors as friendly text with their suggestion.
 */
import { ZeblitApiError } from '../../src/client/index.ts';

export const MESSAGE_LIMIT = 4096;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Splits plain text into pieces whose ESCAPED length, plus `overhead`, fits the limit: at line breaks where possible. */
export function splitText(text: string, overhead = 0, limit = MESSAGE_LIMIT): string[] {
  const room = limit - overhead;
  if (room < 16) throw new RangeError('no room left for text');
  const pieces: string[] = [];
  let current = '';
  let currentLen = 0;
  const flush = () => {
    if (current.length > 0) pieces.push(current);
    current = '';
    currentLen = 0;
  };
  for (const line of text.split('\n')) {
    const piece = current.length > 0 ? `\n${line}` : line;
    const len = escapeHtml(piece).length;
    if (currentLen + len <= room) {
      current += piece;
      currentLen += len;
      continue;
    }
    flush();
    // A line longer than a whole message is cut at character boundaries (never inside an escape or a surrogate pair).
    let rest = line;
    while (escapeHtml(rest).length > room) {
      let cut = 0;
      let used = 0;
      for (const ch of rest) {
        const w = escapeHtml(ch).length;
        if (used + w > room) break;
        used += w;
        cut += ch.length;
      }
      pieces.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    current = rest;
    currentLen = escapeHtml(rest).length;
  }
  flush();
  return pieces.length > 0 ? pieces : [''];
}

/** A code block (monospace, with a language for highlighting clients); split into as many messages as needed. */
export function codeMessages(text: string, opts: { language?: string; header?: string } = {}): string[] {
  const open = opts.language ? `<pre><code class="language-${escapeHtml(opts.language.replace(/[^\w+-]/g, ''))}">` : '<pre>';
  const close = opts.language ? '</code></pre>' : '</pre>';
  const header = opts.header ? `${opts.header}\n` : '';
  const body = text.length > 0 ? text : '(no output)';
  const first = splitText(body, header.length + open.length + close.length);
  return first.map((piece, i) => `${i === 0 ? header : ''}${open}${escapeHtml(piece)}${close}`);
}

/** Plain text (escaped) split into messages; `prefix` is HTML already. */
export function textMessages(text: string, prefix = ''): string[] {
  return splitText(text, prefix.length).map((piece, i) => `${i === 0 ? prefix : ''}${escapeHtml(piece)}`);
}

/** A daemon error as a person reads it: what happened and what to do. */
export function friendlyError(e: unknown): string {
  if (e instanceof ZeblitApiError) {
    const hint = e.suggestion ? `\n💡 ${escapeHtml(e.suggestion)}` : '';
    return `⚠️ ${escapeHtml(e.message)}${hint}`;
  }
  const message = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED|ENOENT|socket hang up/.test(message)) return '⚠️ The Zeblit daemon is not answering right now. Try again in a moment.';
  return `⚠️ ${escapeHtml(message)}`;
}

/** Dollars as the CLI shows them. */
export function usd(n: number): string {
  return n >= 0.01 || n === 0 ? `$${n.toFixed(2)}` : `$${n.toFixed(4)}`;
}
