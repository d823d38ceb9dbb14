import { Cli, type BaseContext, type Command } from 'clipanion';
import { EXIT_USAGE } from './report-error.ts';

type RunContext = Partial<BaseContext> | void;

/**
 * Clipanion's Cli, with one change: a command line that does not parse
 * (unknown command or option, missing argument, invalid value) is reported on
 * stderr and exits 2, the usual code for usage errors, rather than on stdout
 * with 1. Everything after parsing is clipanion's own `run`.
 */
export class ZeblitCli extends Cli<BaseContext> {
  override run(input: Command<BaseContext> | string[], context: void): Promise<number>;
  override run(input: Command<BaseContext> | string[], context: Partial<BaseContext>): Promise<number>;
  override async run(input: Command<BaseContext> | string[], context: RunContext): Promise<number> {
    const ctx: BaseContext = { ...Cli.defaultContext, ...(context ?? {}) };
    if (!Array.isArray(input)) return super.run(input, ctx);
    let command: Command<BaseContext>;
    try {
      command = this.process(input, ctx);
    } catch (err) {
      const tty = (ctx.stderr as { isTTY?: boolean }).isTTY === true;
      ctx.stderr.write(this.error(err, { colored: tty && ctx.colorDepth > 1 }));
      return EXIT_USAGE;
    }
    return super.run(command, ctx);
  }
}
