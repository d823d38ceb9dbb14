/**
 * Which command a command line names, decided from the manifest alone, so that
 * only that command's module is loaded and parsed (clipanion then parses the
 * line for real, validators and all). Options may come before, between and
 * after the path words, as clipanion allows; an option's value is skipped by
 * the option's arity, so `zeblit run -p files ls` is `run`, not `files`.
 *
 * For a pass-through command (`zeblit run node -v`) everything after the first
 * argument belongs to the program it runs: a `--` is put before that argument,
 * as the user could have typed it, so `-v` reaches node instead of being
 * refused as an option of ours (docker exec and kubectl exec do the same).
 */
import { HELP_OPTION, optionsOf, type CommandSpec, type OptionSpec } from './manifest.ts';

export interface Resolution {
  spec: CommandSpec;
  /** The command line to parse: the one given, or with `--` put in for a pass-through command. */
  argv: string[];
}

interface Match {
  length: number;
  /** Index of the first argument after the path, if any, before any `--`. */
  firstArg: number | undefined;
}

/** The option a token names (`--name`, `--name=value`, `-n`), if the command has it. */
function optionOf(token: string, options: Map<string, OptionSpec>): { option: OptionSpec | undefined; bound: boolean } {
  const eq = token.startsWith('--') ? token.indexOf('=') : -1;
  const name = eq > 0 ? token.slice(0, eq) : token;
  return { option: options.get(name), bound: eq > 0 };
}

function isOptionToken(token: string): boolean {
  return token.length > 1 && token.startsWith('-');
}

function matchPath(argv: readonly string[], path: readonly string[], options: Map<string, OptionSpec>): Match | undefined {
  let k = 0;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (token === '--') return k === path.length ? { length: k, firstArg: undefined } : undefined;
    if (isOptionToken(token)) {
      const { option, bound } = optionOf(token, options);
      // An unknown option is left for clipanion to refuse (with a suggestion); a value is skipped.
      if (option && !bound) i += option.arity;
      continue;
    }
    if (k < path.length) {
      if (token !== path[k]) return undefined;
      k++;
      continue;
    }
    return { length: k, firstArg: i };
  }
  return k === path.length ? { length: k, firstArg: undefined } : undefined;
}

export function optionMap(spec: CommandSpec): Map<string, OptionSpec> {
  const map = new Map<string, OptionSpec>();
  for (const o of [...optionsOf(spec), HELP_OPTION]) for (const n of o.names) map.set(n, o);
  return map;
}

/** The command `argv` names (the longest path that matches), or undefined: no command, help, or a typo. */
export function resolveCommand(argv: readonly string[], specs: readonly CommandSpec[]): Resolution | undefined {
  let best: { spec: CommandSpec; match: Match } | undefined;
  // Only commands whose first word was typed are looked at closely: this runs on every start.
  const typed = new Set(argv);
  for (const spec of specs) {
    if (!spec.paths.some((p) => p.length > 0 && typed.has(p[0] ?? ''))) continue;
    const options = optionMap(spec);
    for (const path of spec.paths) {
      if (path.length === 0 || !typed.has(path[0] ?? '')) continue;
      const match = matchPath(argv, path, options);
      if (match && (!best || match.length > best.match.length)) best = { spec, match };
    }
  }
  if (!best) return undefined;
  const { spec, match } = best;
  if (spec.passThrough && match.firstArg !== undefined) return { spec, argv: [...argv.slice(0, match.firstArg), '--', ...argv.slice(match.firstArg)] };
  return { spec, argv: [...argv] };
}
