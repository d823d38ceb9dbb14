/**
 * Aligned plain-text tables, as `docker ps` prints them: upper-case headers,
 * columns padded to the widest cell, two spaces apart, no trailing spaces.
 * Given the terminal's width, a table too wide for it has its free-text
 * columns (description, message, title, reason) cut with `…`, never an id,
 * a name or a time; off a terminal nothing is cut (scripts get everything).
 */
import { stripAnsi } from './style.ts';

export type Cell = string | number | boolean | null | undefined;

export function cellText(v: Cell): string {
  if (v === null || v === undefined || v === '') return '-';
  return String(v).replace(/[\r\n\t]+/g, ' ');
}

/** Display width: code points, so an accent or an emoji does not shift the columns much; colour codes take none. */
function width(s: string): number {
  return [...stripAnsi(s)].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

/** Columns that may be cut to fit the terminal, by header. */
const FREE_TEXT = new Set(['description', 'message', 'title', 'reason', 'details', 'note']);
/** A cut column keeps at least this many characters. */
const MIN_CUT = 12;

function cut(s: string, w: number): string {
  const chars = [...s];
  return chars.length <= w ? s : `${chars.slice(0, Math.max(1, w - 1)).join('')}…`;
}

/**
 * `width`: the terminal's width in columns (see style.ts terminalWidth);
 * undefined prints every cell whole.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[], maxWidth?: number): string {
  let text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  let widths = headers.map((h, i) => Math.max(width(h), ...text.map((r) => width(r[i] ?? ''))));
  const total = () => widths.reduce((a, b) => a + b, 0) + 2 * Math.max(0, widths.length - 1);
  if (maxWidth !== undefined && total() > maxWidth) {
    // Take the excess from the free-text columns, the widest first.
    const flexible = headers.map((h, i) => (FREE_TEXT.has(h.toLowerCase()) ? i : -1)).filter((i) => i >= 0);
    let excess = total() - maxWidth;
    for (const i of [...flexible].sort((a, b) => (widths[b] ?? 0) - (widths[a] ?? 0))) {
      const w = widths[i] ?? 0;
      const floor = Math.max(MIN_CUT, width(headers[i] ?? ''));
      const take = Math.min(excess, Math.max(0, w - floor));
      widths[i] = w - take;
      excess -= take;
      if (excess <= 0) break;
    }
    text = text.map((r) => r.map((c, i) => (flexible.includes(i) ? cut(c, widths[i] ?? 0) : c)));
    widths = headers.map((h, i) => Math.max(width(h), ...text.map((r) => width(r[i] ?? ''))));
  }
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...text.map(line)].join('\n') + '\n';
}

/** Two columns, label and value: the detail view of one record. */
export function formatDetails(pairs: readonly (readonly [string, Cell])[]): string {
  const w = Math.max(0, ...pairs.map(([k]) => width(k)));
  return pairs.map(([k, v]) => `${pad(k, w)}  ${cellText(v)}`.trimEnd()).join('\n') + '\n';
}
