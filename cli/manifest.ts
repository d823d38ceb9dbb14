/**
 * What `zeblit` knows about every command without loading it: paths and
 * aliases, category and description, and each option and argument exactly as
 * the command declares it to clipanion (the builder calls its option fields
 * make, recorded). The start-up path, the help, the completion and the typo
 * suggestions read this; only the command that runs is loaded.
 *
 * The built CLI carries it: build.mjs records it from the classes
 * (cli/manifest-build.ts) and embeds it as ZEBLIT_CLI_MANIFEST. Run from the
 * sources (tests), it is recorded on first use by loading every command
 * (launch.ts).
 */
import type { BaseContext, CommandClass as ClipanionCommandClass } from 'clipanion';

/** A command class as the table loads it; `passThrough` is ZeblitCommand's (see base-command.ts). */
export type CommandClass = ClipanionCommandClass<BaseContext> & { passThrough?: boolean; json?: string };

/** One call an option field made on clipanion's command builder, replayed as it was. */
export interface BuilderCall {
  method: 'addOption' | 'addPositional' | 'addRest' | 'addProxy' | 'setArity';
  arg: Record<string, unknown>;
}

export interface CommandSpec {
  /** Index of the command in COMMANDS (cli/app.ts). */
  entry: number;
  paths: string[][];
  category?: string;
  description?: string;
  /** Everything after the first argument belongs to the program it runs (`zeblit run node -v`). */
  passThrough?: boolean;
  fields: Array<{ key: string; calls: BuilderCall[] }>;
}

export interface OptionSpec {
  key: string;
  names: string[];
  /** 0 for a flag, 1 for an option that takes a value. */
  arity: number;
  description?: string;
  hidden: boolean;
}

export interface PositionalSpec {
  key: string;
  name: string;
  required: boolean;
  /** Takes every remaining argument. */
  rest: boolean;
}

declare const ZEBLIT_CLI_MANIFEST: string | undefined;

/** The manifest the build embedded, or undefined when running from the sources. */
export function embeddedManifest(): CommandSpec[] | undefined {
  return typeof ZEBLIT_CLI_MANIFEST === 'string' ? (JSON.parse(ZEBLIT_CLI_MANIFEST) as CommandSpec[]) : undefined;
}

export function optionsOf(spec: CommandSpec): OptionSpec[] {
  return spec.fields.flatMap(({ key, calls }) =>
    calls
      .filter((c) => c.method === 'addOption')
      .map((c) => ({
        key,
        names: c.arg.names as string[],
        arity: typeof c.arg.arity === 'number' ? c.arg.arity : 0,
        description: typeof c.arg.description === 'string' ? c.arg.description : undefined,
        hidden: c.arg.hidden === true,
      })),
  );
}

export function positionalsOf(spec: CommandSpec): PositionalSpec[] {
  return spec.fields.flatMap(({ key, calls }) =>
    calls.flatMap((c): PositionalSpec[] => {
      if (c.method === 'addPositional') return [{ key, name: String(c.arg.name ?? key), required: c.arg.required !== false, rest: false }];
      if (c.method === 'addRest') return [{ key, name: String(c.arg.name ?? key), required: Number(c.arg.required ?? 0) > 0, rest: true }];
      if (c.method === 'addProxy') return [{ key, name: key, required: Number(c.arg.required ?? 0) > 0, rest: true }];
      return [];
    }),
  );
}

/** Options every command has that are not the command's own business: clipanion's help. */
export const HELP_OPTION: OptionSpec = { key: 'help', names: ['-h', '--help'], arity: 0, description: 'Show the help of this command', hidden: false };
