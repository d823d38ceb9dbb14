/**
 * Records the manifest (cli/manifest.ts) from the command classes themselves:
 * each option field is asked to declare itself to a recording builder, the
 * same call clipanion makes when it registers a command, so what the manifest
 * says is what the parser will be told. build.mjs runs this once per build;
 * run from the sources, the CLI runs it on first use.
 */
import { Command } from 'clipanion';
import type { CommandEntry } from './app.ts';
import type { BuilderCall, CommandClass, CommandSpec } from './manifest.ts';
import { loadCommandClass } from './source-loader.ts';

interface OptionField {
  definition: (builder: unknown, key: string) => void;
}

function isOptionField(v: unknown): v is OptionField {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[Command.isOption] === true;
}

/** The spec of one command; `path` is its line in cli/app.ts, checked against the class. */
export function specOf(cls: CommandClass, entry: number, path: string): CommandSpec {
  const paths = cls.paths ?? [];
  const first = paths[0]?.join(' ');
  if (first !== path) throw new Error(`cli/app.ts: the line for "${path}" loads ${cls.name}, whose first path is ${first === undefined ? 'missing' : `"${first}"`}`);
  const instance = new cls() as unknown as Record<string, unknown>;
  const fields: CommandSpec['fields'] = [];
  // for…in, as clipanion's own register() walks the fields.
  for (const key in instance) {
    const field = instance[key];
    if (!isOptionField(field)) continue;
    const calls: BuilderCall[] = [];
    const record = (method: BuilderCall['method']) => (arg: Record<string, unknown> = {}) => {
      // Keep what JSON keeps: undefined members are dropped, as clipanion's defaults apply to them anyway.
      calls.push({ method, arg: JSON.parse(JSON.stringify(arg)) as Record<string, unknown> });
    };
    field.definition({ addOption: record('addOption'), addPositional: record('addPositional'), addRest: record('addRest'), addProxy: record('addProxy'), setArity: record('setArity') }, key);
    fields.push({ key, calls });
  }
  const usage = cls.usage;
  return {
    entry,
    paths,
    ...(usage?.category ? { category: usage.category } : {}),
    ...(usage?.description ? { description: usage.description } : {}),
    ...(cls.passThrough ? { passThrough: true } : {}),
    fields,
  };
}

/** The specs of the table's classes (in table order), checked against the table. */
export function specsOf(classes: readonly unknown[], entries: readonly CommandEntry[]): CommandSpec[] {
  const specs = entries.map((e, i) => {
    const cls = classes[i];
    if (typeof cls !== 'function') throw new Error(`cli/app.ts: ${e.module} exports no class ${e.export} (the line for "${e.path}")`);
    return specOf(cls as CommandClass, i, e.path);
  });
  const seen = new Map<string, string>();
  for (const spec of specs)
    for (const p of spec.paths) {
      const key = p.join(' ');
      const other = seen.get(key);
      if (other !== undefined) throw new Error(`cli/app.ts: "${key}" is the path of two commands (${other} and ${spec.paths[0]?.join(' ')})`);
      seen.set(key, spec.paths[0]?.join(' ') ?? '');
    }
  return specs;
}

export async function buildManifest(entries: readonly CommandEntry[]): Promise<CommandSpec[]> {
  return specsOf(await Promise.all(entries.map((e) => loadCommandClass(e))), entries);
}
