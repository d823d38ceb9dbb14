/**
 * Loads a command's class from the sources, for the CLI run by tsx (tests,
 * development) and for the build, which records the manifest from the
 * classes. The built CLI loads its bundles instead (cli/bundle-loader.ts).
 */
import type { CommandEntry } from './app.ts';
import type { CommandClass } from './manifest.ts';

export async function loadCommandClass(entry: CommandEntry): Promise<CommandClass> {
  const mod = (await import(new URL(entry.module, import.meta.url).href)) as Record<string, unknown>;
  const cls = mod[entry.export];
  if (typeof cls !== 'function') throw new Error(`cli/app.ts: ${entry.module} exports no class ${entry.export} (the line for "${entry.path}")`);
  return cls as CommandClass;
}
