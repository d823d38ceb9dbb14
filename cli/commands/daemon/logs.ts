import { Command, Option } from 'clipanion';
import { existsSync } from 'node:fs';
import { ZeblitCommand } from '../../base-command.ts';
import { CliError } from '../../cli-error.ts';
import { formatLogLine } from '../../log-format.ts';
import { follow, lastLines } from '../../log-tail.ts';
import { isInt } from '../../validators.ts';

export class DaemonLogsCommand extends ZeblitCommand {
  static override paths = [['daemon', 'logs']];
  static override json = 'the daemon log\'s own JSON lines, unchanged (NDJSON)';
  static override usage = Command.Usage({
    category: 'Daemon',
    description: "Print the daemon's log",
    details: `
      Reads \`$ZEBLIT_HOME/logs/zeblitd.log\` (JSON lines) and prints them as readable text: time, level, message and fields. \`--json\` prints the raw JSON lines. \`-f\` keeps printing new lines until you press Ctrl-C.
    `,
    examples: [
      ['The last 50 lines', '$0 daemon logs'],
      ['Follow the log', '$0 daemon logs -f'],
      ['The last 200 lines as JSON', '$0 daemon logs --lines 200 --json'],
    ],
  });

  follow = Option.Boolean('-f,--follow', false, { description: 'Keep printing new lines' });
  lines = Option.String('-n,--lines', { description: 'How many lines from the end (default 50)', validator: isInt(0, 100_000) });

  async run(): Promise<number> {
    const file = this.files.daemonLog;
    if (!existsSync(file) && !this.follow)
      throw new CliError('LOG_NOT_FOUND', `No daemon log yet at ${file}`, { suggestion: 'Start the daemon with `zeblit daemon start`.' });
    const print = (line: string) => this.out(`${this.json ? line : formatLogLine(line)}\n`);
    const { lines, end } = lastLines(file, this.lines ?? 50);
    lines.forEach(print);
    if (!this.follow) return 0;
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await follow(file, { from: end, onLine: print, signal: ac.signal });
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  }
}
