/**
 * The `zeblit` program as built (dist/zeblit.cjs): answers `--version` with
 * nothing else loaded, then loads the shared code (dist/cli/core.cjs) and the
 * command's own bundle through the code cache (bundle-loader.ts) and runs it
 * (launch.ts). No main guard: inside a bundle every module would pass it (see
 * STACK-NOTES).
 */
import { join } from 'node:path';
import { VERSION } from '../src/contracts/version.ts';
import type { ClassLoader, RunContext } from './launch.ts';
import { embeddedManifest, type CommandClass } from './manifest.ts';

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  // Not before: process.stdin alone costs milliseconds (and clipanion touches it anyway).
  const context: RunContext = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
  const specs = embeddedManifest();
  // From the sources, the program is source-run.ts's runZeblit (cli/testing.ts runs it); this file is the bundle's entry.
  if (specs === undefined) throw new Error('cli/main.ts is the entry of the built CLI: run `node build.mjs`, then dist/zeblit.cjs');
  // Imported here, not above: `--version` needs neither (nor node:vm, node:module, node:os they load).
  const [{ bundleLoader, codeCacheDir }, { zeblitPaths }] = await Promise.all([import('./bundle-loader.ts'), import('../src/contracts/paths.ts')]);
  const bundles = bundleLoader(codeCacheDir(zeblitPaths(process.env).home, process.env));
  process.once('exit', () => bundles.flush());
  const dir = join(__dirname, 'cli');
  // <Tab>: its own bundle, without clipanion or the commands (completion/index.ts).
  if (argv[0] === '__complete') {
    const { runComplete } = bundles.load(join(dir, 'complete.cjs')) as typeof import('./completion/index.ts');
    return runComplete(argv, context, specs);
  }
  const core = bundles.load(join(dir, 'core.cjs')) as { load(key: string): unknown };
  const { runResolved } = core.load('cli/launch.ts') as typeof import('./launch.ts');
  const load: ClassLoader = async (spec) => {
    const bundle = bundles.load(join(dir, `${spec.paths[0]?.join('-') ?? ''}.cjs`)) as { Command: CommandClass };
    return bundle.Command;
  };
  return runResolved(argv, context, specs, load);
}

// A top-level await would not survive the CommonJS bundle.
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
