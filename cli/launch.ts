/**
 * What `zeblit` does once it knows its commands (docs/cli.md, "Speed"):
 *
 *   a command line     the manifest says which command it names (resolve.ts);
 *                      only that command's class is loaded and parsed.
 *   anything else      help, a group, a typo: parse.ts, with stand-ins for
 *                      every command built from the manifest.
 *
 * The built CLI comes here from main.ts, which answers `--version` itself and
 * loads classes from the bundles with V8's code cache (bundle-loader.ts);
 * source-run.ts is the same program run from the sources (tests), where the
 * manifest is recorded from the classes on first use.
 */
import type { BaseContext } from 'clipanion';
import type { CommandClass, CommandSpec } from './manifest.ts';
import { runCommand, runWithoutCommand } from './parse.ts';
import { resolveCommand } from './resolve.ts';

export type RunContext = Partial<BaseContext> & Pick<BaseContext, 'stdin' | 'stdout' | 'stderr' | 'env'>;
export type ClassLoader = (spec: CommandSpec) => Promise<CommandClass>;

export function isVersionLine(argv: readonly string[]): boolean {
  return argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v');
}

/** Runs `zeblit <argv>` given every command's spec and a way to load a command's class. */
export async function runResolved(argv: string[], context: RunContext, specs: readonly CommandSpec[], load: ClassLoader): Promise<number> {
  const ctx: BaseContext = { colorDepth: 1, ...context };
  // `zeblit help files list` is `zeblit files list --help`, as git and kubectl have it.
  if (argv[0] === 'help') argv = [...argv.slice(1), '--help'];
  const found = resolveCommand(argv, specs);
  if (found) return runCommand(await load(found.spec), found.spec, specs, found.argv, ctx);
  return runWithoutCommand(specs, argv, ctx, load);
}
