/**
 * "Did you mean …?" for a mistyped command or option, by edit distance
 * (Damerau–Levenshtein, optimal string alignment: a swap of two neighbours
 * counts as one edit, as `lsit` for `list`).
 */
import { optionsOf, type CommandSpec } from './manifest.ts';

export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  if (m === 0) return n;
  if (n === 0) return m;
  // Three rows are enough: the swap looks two rows back.
  let prev2: number[] = [];
  let prev = Array.from({ length: n + 1 }, (_, j) => j);
  for (let i = 1; i <= m; i++) {
    const row = [i];
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, (prev2[j - 2] ?? 0) + 1);
      row.push(d);
    }
    prev2 = prev;
    prev = row;
  }
  return prev[n] ?? 0;
}

/** How far a typo may be from a name and still be suggested: about a third of the name, at least one edit. */
function closeEnough(typed: string, name: string, d: number): boolean {
  return d <= Math.max(1, Math.floor(Math.max(typed.length, name.length) / 3));
}

/** The nearest candidates (ties kept, best first), or none close enough. Prefixes count as close (`dae` → `daemon`). */
export function nearest(typed: string, candidates: readonly string[], max = 3): string[] {
  const scored = [...new Set(candidates)]
    .map((c) => ({ c, d: c.startsWith(typed) && typed.length >= 2 ? 0.5 : editDistance(typed, c) }))
    .filter(({ c, d }) => d === 0.5 || closeEnough(typed, c, d))
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c));
  const best = scored[0]?.d;
  return scored.filter((s) => s.d <= (best ?? 0) + 0.5).slice(0, max).map((s) => s.c);
}

/** The words of the line that are not options (and not option values we can tell). */
function words(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of argv) {
    if (t === '--') break;
    if (t.length > 1 && t.startsWith('-')) continue;
    out.push(t);
  }
  return out;
}

/**
 * For a line that names no command: the commands it may have meant, as
 * typed paths (`files list`). Compares the first words with each path of the
 * same length; a known group (`files lst`) narrows it to that group.
 */
export function suggestCommands(argv: readonly string[], specs: readonly CommandSpec[]): string[] {
  const typed = words(argv);
  if (typed.length === 0) return [];
  const paths = specs.flatMap((s) => s.paths.map((p) => p.join(' ')));
  const byLength = new Map<number, string[]>();
  for (const p of paths) {
    const n = p.split(' ').length;
    byLength.set(n, [...(byLength.get(n) ?? []), p]);
  }
  // The longest reading first: `files lst` is about `files list`, not the top-level `list`.
  for (const n of [...byLength.keys()].sort((a, b) => b - a)) {
    if (typed.length < n) continue;
    const phrase = typed.slice(0, n).join(' ');
    const group = n > 1 ? typed.slice(0, n - 1).join(' ') : undefined;
    const candidates = (byLength.get(n) ?? []).filter((p) => group === undefined || p.startsWith(`${group} `));
    const found = nearest(phrase, candidates);
    // An alias and its command are one suggestion (`list`, not `list` and `ls`).
    const owner = (p: string) => specs.find((s) => s.paths.some((q) => q.join(' ') === p))?.entry;
    const unique = found.filter((p, i) => found.findIndex((q) => owner(q) === owner(p)) === i);
    if (unique.length > 0) return unique;
  }
  return [];
}

/** For an option the command does not have: its own options that are close, else another command's. */
export function suggestOption(typed: string, spec: CommandSpec, specs: readonly CommandSpec[]): { names: string[]; elsewhere?: string } {
  const name = typed.split('=')[0] ?? typed;
  const own = optionsOf(spec)
    .filter((o) => !o.hidden)
    .flatMap((o) => o.names);
  const found = nearest(name, [...own, '--help']);
  if (found.length > 0) return { names: found };
  for (const other of specs) {
    if (optionsOf(other).some((o) => o.names.includes(name))) return { names: [], elsewhere: other.paths[0]?.join(' ') };
  }
  return { names: [] };
}
