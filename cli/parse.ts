/**
 * The clipanion side of start-up, loaded only once a command line has to be
 * parsed (`zeblit --version` never gets here). A line that names a command
 * is parsed by a Cli that knows that one command, its real class, loaded now.
 * Anything else (help, a group without its verb, a typo) goes to a Cli of
 * stand-ins built from the manifest: they declare the same paths and options
 * to clipanion as the real classes, so the help is the same, and none of
 * their modules is loaded.
 */
import { Builtins, Command, type BaseContext } from 'clipanion';
import { VERSION } from '../src/contracts/version.ts';
import { CliError } from './cli-error.ts';
import type { CommandClass, CommandSpec } from './manifest.ts';
import { reportError } from './report-error.ts';
import { colorEnabled } from './style.ts';
import { suggestCommands, suggestOption } from './suggest.ts';
import { ZeblitCli } from './zeblit-cli.ts';

const BINARY = { binaryLabel: 'Zeblit', binaryName: 'zeblit', binaryVersion: VERSION } as const;

/** Words before `--`: `--json` after it belongs to the program `zeblit run` starts. */
function ownPart(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf('--');
  return end < 0 ? argv : argv.slice(0, end);
}

export function wantsJson(argv: readonly string[]): boolean {
  return ownPart(argv).includes('--json');
}

function newCli(ctx: BaseContext, argv: readonly string[]): ZeblitCli {
  return new ZeblitCli({ ...BINARY, enableColors: colorEnabled(ctx.stdout, ctx.env, wantsJson(argv)) });
}

interface ClipanionFailure {
  candidates?: Array<{ reason: string | null }>;
}

/** The first line of what clipanion would say, without its list of usages. */
function reasonOf(err: unknown): string {
  const candidates = (err as ClipanionFailure).candidates;
  const reason = candidates?.[0]?.reason;
  if (reason && candidates.every((c) => c.reason === reason)) return reason;
  return err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
}

/** A parse failure of one command's line: clipanion's message, and the option the user may have meant. */
function optionFailure(spec: CommandSpec, specs: readonly CommandSpec[], argv: readonly string[]) {
  return (err: unknown, cli: ZeblitCli, ctx: BaseContext): string => {
    const reason = reasonOf(err);
    const unknown = /^Unsupported option name \("([^"]+)"\)/.exec(reason)?.[1];
    let hint: string | undefined;
    if (unknown) {
      const s = suggestOption(unknown, spec, specs);
      if (s.names.length > 0) hint = `Did you mean ${s.names.join(' or ')}?`;
      else if (s.elsewhere) hint = `${unknown} is an option of \`zeblit ${s.elsewhere}\`.`;
      if (spec.passThrough) hint = `${hint ? `${hint} ` : ''}Options of the program go after it: \`zeblit ${spec.paths[0]?.join(' ')} <program> ${unknown}\`.`;
    }
    hint ??= `\`zeblit ${spec.paths[0]?.join(' ')} --help\` shows its options and examples.`;
    if (wantsJson(argv)) {
      const error = { code: 'USAGE', message: reason, suggestion: hint, details: null, request_id: null };
      return `${JSON.stringify({ error })}\n`;
    }
    return `${cli.error(err, { colored: colorEnabled(ctx.stderr, ctx.env) })}Hint: ${hint}\n`;
  };
}

/** Runs the command `spec` names with its real class, parsed by clipanion. */
export async function runCommand(cls: CommandClass, spec: CommandSpec, specs: readonly CommandSpec[], argv: string[], ctx: BaseContext): Promise<number> {
  const cli = newCli(ctx, argv);
  cli.register(cls);
  cli.onParseFailure = optionFailure(spec, specs, argv);
  return cli.run(argv, ctx);
}

type StubField = { [k: symbol]: boolean; definition: (builder: unknown, key: string) => void; transformer: () => undefined };

/** A class that declares to clipanion what the real one does, and runs nothing. */
function stubOf(spec: CommandSpec): CommandClass {
  class Stub extends Command {
    static override paths = spec.paths;
    static override usage = Command.Usage({ category: spec.category, description: spec.description });

    constructor() {
      super();
      const self = this as unknown as Record<string, StubField>;
      for (const { key, calls } of spec.fields) {
        self[key] = {
          [Command.isOption]: true,
          definition: (builder) => {
            const b = builder as Record<string, (arg: Record<string, unknown>) => void>;
            for (const c of calls) b[c.method]?.(c.arg);
          },
          transformer: () => undefined,
        };
      }
    }

    async execute(): Promise<number> {
      return 0;
    }
  }
  return Stub;
}

/** For a line that names no command: help, the commands of a group, or what a typo may have meant. */
export async function runWithoutCommand(specs: readonly CommandSpec[], argv: string[], ctx: BaseContext, load: (spec: CommandSpec) => Promise<CommandClass>): Promise<number> {
  const words = ownPart(argv).filter((t) => !(t.length > 1 && t.startsWith('-')));
  const help = ownPart(argv).some((t) => t === '-h' || t === '--help');
  if (words.length > 0) {
    const group = specs.filter((s) => s.paths.some((p) => p.length > words.length && words.every((w, i) => p[i] === w)));
    if (group.length > 0) {
      // `zeblit files`: the commands of the group, as `zeblit --help` shows them.
      const cli = newCli(ctx, argv);
      for (const s of group) cli.register(stubOf(s));
      ctx.stdout.write(cli.usage(null, { colored: colorEnabled(ctx.stdout, ctx.env, wantsJson(argv)) }));
      return help || words.length === argv.length ? 0 : 2;
    }
    const meant = suggestCommands(argv, specs);
    const list = meant.map((m) => `\`zeblit ${m}\``).join(' or ');
    const typed = words.slice(0, Math.max(1, (meant[0]?.split(' ').length ?? 1))).join(' ');
    const suggestion = `${meant.length > 0 ? `Did you mean ${list}? ` : ''}\`zeblit --help\` lists every command.`;
    return reportError(new CliError('UNKNOWN_COMMAND', `"${typed}" is not a zeblit command`, { suggestion, exitCode: 2 }), ctx.stderr, wantsJson(argv));
  }
  const cli = newCli(ctx, argv);
  for (const s of specs) cli.register(stubOf(s));
  cli.register(Builtins.HelpCommand);
  cli.register(Builtins.VersionCommand);
  cli.onParseFailure = (err, c, context) => {
    const reason = reasonOf(err);
    if (wantsJson(argv)) return `${JSON.stringify({ error: { code: 'USAGE', message: reason, suggestion: '`zeblit --help` lists every command.', details: null, request_id: null } })}\n`;
    return `${c.error(err, { colored: colorEnabled(context.stderr, context.env) }).split('\n')[0]}\nHint: \`zeblit --help\` lists every command.\n`;
  };
  let selected: Command<BaseContext>;
  try {
    selected = cli.process(argv, ctx);
  } catch {
    return cli.run(argv, ctx);
  }
  // A stand-in was chosen: the resolver missed a line clipanion understands; run the real command.
  const spec = specs.find((s) => selected instanceof Command && (selected.constructor as CommandClass).paths === s.paths);
  if (spec) return runCommand(await load(spec), spec, specs, argv, ctx);
  return cli.run(argv, ctx);
}
