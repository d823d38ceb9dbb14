import { Cli, type BaseContext, type Command } from 'clipanion';
import { EXIT_USAGE } from './report-error.ts';
import { colorEnabled } from './style.ts';

type RunContext = Partial<BaseContext> | void;

/** Turns a command line that does not parse into what to print; see parse.ts. */
export type ParseFailure = (err: unknown, cli: ZeblitCli, ctx: BaseContext) => string;

/**
 * Clipanion's Cli, with two changes: a command line that does not parse
 * (unknown command or option, missing argument, invalid value) is reported on
 * stderr and exits 2, the usual code for usage errors, rather than on stdout
 * with 1, with a hint where one can be found; and colour follows the stream
 * it is written to, NO_COLOR and --json (cli/style.ts), not only the
 * environment as clipanion's default does. Everything after parsing is
 * clipanion's own `run`.
 */
export class ZeblitCli extends Cli<BaseContext> {
  onParseFailure?: ParseFailure;

  override run(input: Command<BaseContext> | string[], context: void): Promise<number>;
  override run(input: Command<BaseContext> | string[], context: Partial<BaseContext>): Promise<number>;
  override async run(input: Command<BaseContext> | string[], context: RunContext): Promise<number> {
    const ctx: BaseContext = { ...Cli.defaultContext, ...(context ?? {}) };
    if (!Array.isArray(input)) return super.run(input, ctx);
    let command: Command<BaseContext>;
    try {
      command = this.process(input, ctx);
    } catch (err) {
      ctx.stderr.write(this.onParseFailure ? this.onParseFailure(err, this, ctx) : this.error(err, { colored: colorEnabled(ctx.stderr, ctx.env) }));
      return EXIT_USAGE;
    }
    return super.run(command, ctx);
  }
}
