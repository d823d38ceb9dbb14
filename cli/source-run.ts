/**
 * `zeblit` run from the sources, in this process (cli/testing.ts): the
 * manifest is recorded from the classes on first use and classes are
 * imported as modules. The built CLI is cli/main.ts; both end in launch.ts.
 */
import { VERSION } from '../src/contracts/version.ts';
import { COMMANDS } from './app.ts';
import { runComplete } from './completion/index.ts';
import { isVersionLine, runResolved, type RunContext } from './launch.ts';
import { buildManifest } from './manifest-build.ts';
import type { CommandSpec } from './manifest.ts';
import { loadCommandClass } from './source-loader.ts';

let sourceManifest: Promise<CommandSpec[]> | undefined;

/** `zeblit <argv>` from the sources, in this process; resolves with the exit code. */
export async function runZeblit(argv: string[], context: RunContext): Promise<number> {
  if (isVersionLine(argv)) {
    context.stdout.write(`${VERSION}\n`);
    return 0;
  }
  sourceManifest ??= buildManifest(COMMANDS);
  if (argv[0] === '__complete') return runComplete(argv, context, await sourceManifest);
  return runResolved(argv, context, await sourceManifest, (spec) => {
    const entry = COMMANDS[spec.entry];
    if (!entry) throw new Error(`no command #${spec.entry} in cli/app.ts`);
    return loadCommandClass(entry);
  });
}
