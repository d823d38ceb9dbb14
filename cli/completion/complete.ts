/**
 * What <Tab> offers, from the manifest (commands, options) and, for the
 * values of arguments, from providers that ask the daemon (values.ts). Which
 * values an argument takes is told by its name, in ARGUMENT_VALUES and
 * OPTION_VALUES: a command whose argument is called `project` completes
 * project names without saying anything more.
 */
import { HELP_OPTION, optionsOf, positionalsOf, type CommandSpec, type OptionSpec } from '../manifest.ts';
import { optionMap, resolveCommand } from '../resolve.ts';

export interface Item {
  value: string;
  description?: string;
}

export interface Completion {
  items: Item[];
  /** Let the shell complete local file names instead. */
  files?: boolean;
}

/** The kinds of live values; values.ts answers each. */
export type ValueKind = 'projects' | 'remote-path' | 'runs' | 'agents' | 'conversations' | 'approvals' | 'templates' | 'setting-keys' | 'api-keys' | 'users' | 'tasks' | 'local-path';

/** Positional arguments by name. */
export const ARGUMENT_VALUES: Record<string, ValueKind> = {
  project: 'projects',
  path: 'remote-path',
  dir: 'remote-path',
  remote: 'remote-path',
  from: 'remote-path',
  to: 'remote-path',
  local: 'local-path',
  conversation_id: 'conversations',
  approval_id: 'approvals',
  'key-id': 'api-keys',
  'user-id': 'users',
  task: 'tasks',
  'task-or-run': 'tasks',
};

/** Options by their long name. */
export const OPTION_VALUES: Record<string, ValueKind> = {
  '--project': 'projects',
  '--run': 'runs',
  '--kill': 'runs',
  '--show': 'runs',
  '--agent': 'agents',
  '--conversation': 'conversations',
  '--template': 'templates',
  '--cwd': 'remote-path',
  '--dir': 'remote-path',
};

/** `settings set|reset <key>` complete the project's setting names. */
const KEY_OF_SETTINGS = new Set(['settings set', 'settings reset']);

export interface ValueSource {
  /** Values of a kind; `prefix` is what was typed (a remote path completes one folder at a time). */
  values(kind: ValueKind, context: { project: string | undefined; prefix: string }): Promise<Item[]>;
}

const isOption = (t: string) => t.length > 1 && t.startsWith('-');

function longName(o: OptionSpec): string {
  return o.names.find((n) => n.startsWith('--')) ?? o.names[0] ?? '';
}

/** The value of `-p/--project` on the line, if any. */
function projectOnLine(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if ((w === '-p' || w === '--project') && words[i + 1]) return words[i + 1];
    if (w.startsWith('--project=')) return w.slice('--project='.length);
  }
  return undefined;
}

const startsWith = (prefix: string) => (i: Item) => i.value.startsWith(prefix);

/**
 * `words`: the words of the line after `zeblit`, `current` the one under the
 * cursor (maybe empty). `currentProject`: what `zeblit use` chose.
 */
export async function complete(words: readonly string[], current: string, specs: readonly CommandSpec[], source: ValueSource, currentProject: string | undefined): Promise<Completion> {
  const found = resolveCommand(words, specs);
  const project = projectOnLine(words) ?? currentProject;
  if (!found || words.indexOf('--') >= 0) {
    if (found) return { items: [], files: true };
    return { items: nextWords(words, current, specs).filter(startsWith(current)) };
  }
  const spec = found.spec;
  const options = optionMap(spec);
  const path = spec.paths.find((p) => p.every((w, i) => words.filter((x) => !isOption(x))[i] === w)) ?? spec.paths[0] ?? [];

  // The value of an option typed just before the cursor.
  const prev = words.at(-1);
  const prevOption = prev && isOption(prev) && !prev.includes('=') ? options.get(prev) : undefined;
  if (prevOption && prevOption.arity > 0) {
    const kind = OPTION_VALUES[longName(prevOption)];
    if (!kind) return { items: [] };
    if (kind === 'local-path') return { items: [], files: true };
    return { items: (await source.values(kind, { project, prefix: current })).filter(startsWith(current)) };
  }
  // Which positional argument the cursor is on: the words after the path, less options and their values.
  let index = 0;
  let skipped = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] ?? '';
    if (isOption(w)) {
      const o = options.get(w.split('=')[0] ?? w);
      if (o && o.arity > 0 && !w.includes('=')) i += o.arity;
      continue;
    }
    if (skipped < path.length) skipped++;
    else index++;
  }
  // Past the first argument of `zeblit run`, everything belongs to the program it runs.
  if (spec.passThrough && index > 0) return { items: [], files: true };
  if (current.startsWith('-')) {
    const used = new Set(words.filter(isOption).map((w) => w.split('=')[0]));
    const all = [...optionsOf(spec), HELP_OPTION].filter((o) => !o.hidden && !o.names.some((n) => used.has(n)));
    return { items: all.flatMap((o) => o.names.filter((n) => n.startsWith('--') || current.length < 2).map((n) => ({ value: n, description: o.description }))).filter(startsWith(current)) };
  }
  // `zeblit settings <Tab>`: the verbs of a command that is also a group.
  const verbs = index === 0 ? nextWords(words, current, specs).filter(startsWith(current)) : [];
  const positionals = positionalsOf(spec);
  const arg = positionals[Math.min(index, positionals.length - 1)];
  if (!arg || (index >= positionals.length && !arg.rest)) return { items: verbs };
  if (arg.name === 'key' && KEY_OF_SETTINGS.has(spec.paths[0]?.join(' ') ?? '')) return { items: (await source.values('setting-keys', { project, prefix: current })).filter(startsWith(current)) };
  const kind = ARGUMENT_VALUES[arg.name];
  if (!kind) return { items: verbs };
  if (kind === 'local-path') return verbs.length ? { items: verbs } : { items: [], files: true };
  return { items: [...verbs, ...(await source.values(kind, { project, prefix: current })).filter(startsWith(current))] };
}

/** The next word of a command path: top-level commands and groups, or the verbs of a group. */
function nextWords(words: readonly string[], current: string, specs: readonly CommandSpec[]): Item[] {
  const typed = words.filter((w) => !isOption(w));
  const items = new Map<string, Item>();
  for (const spec of specs) {
    for (const p of spec.paths) {
      if (p.length <= typed.length || !typed.every((w, i) => p[i] === w)) continue;
      const word = p[typed.length] ?? '';
      const isLast = p.length === typed.length + 1;
      const known = items.get(word);
      if (isLast) items.set(word, { value: word, description: spec.description });
      else if (!known) items.set(word, { value: word, description: `${[...typed, word].join(' ')} commands` });
    }
  }
  if (typed.length === 0 && current.startsWith('-')) items.set('--version', { value: '--version', description: 'The version of zeblit' });
  return [...items.values()].sort((a, b) => a.value.localeCompare(b.value));
}
