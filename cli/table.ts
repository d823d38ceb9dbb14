/**
 * Aligned plain-text tables, as `docker ps` prints them: upper-case headers,
 * columns padded to the widest cell, two spaces apart, no trailing spaces.
 */
export type Cell = string | number | boolean | null | undefined;

export function cellText(v: Cell): string {
  if (v === null || v === undefined || v === '') return '-';
  return String(v).replace(/[\r\n\t]+/g, ' ');
}

/** Display width: code points, so an accent or an emoji does not shift the columns much. */
function width(s: string): number {
  return [...s].length;
}

function pad(s: string, w: number): string {
  return s + ' '.repeat(Math.max(0, w - width(s)));
}

export function formatTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => headers.map((_, i) => cellText(r[i])));
  const widths = headers.map((h, i) => Math.max(width(h), ...text.map((r) => width(r[i] ?? ''))));
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
