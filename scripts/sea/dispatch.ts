import { basename } from 'node:path';

/** Which program the single executable runs: an explicit first argument, else the name it was called by. */
export function programOf(argv0: string, args: string[]): { program: 'zeblitd' | 'zeblit'; args: string[] } {
  if (args[0] === 'zeblitd' || args[0] === 'zeblit') return { program: args[0], args: args.slice(1) };
  return { program: /^zeblitd/.test(basename(argv0)) ? 'zeblitd' : 'zeblit', args };
}
