import { Command, Option } from 'clipanion';
import type { LogLine } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { isInt } from '../validators.ts';

export class LogsCommand extends ZeblitCommand {
  static override paths = [['logs']];
  static override json = '`{lines: LogLine[]}`; with -f, one LogLine a line (NDJSON)';
  static override usage = Command.Usage({
    category: 'Containers',
    description: "The container's own output (not the daemon's: see `zeblit daemon logs`)",
    examples: [
      ['The last 100 lines', '$0 logs'],
      ['Follow', '$0 logs -f'],
      ['The last 20 lines of another project', '$0 logs --tail 20 my-api'],
    ],
  });

  follow = Option.Boolean('-f,--follow', false, { description: 'Keep printing new lines until Ctrl-C' });
  tail = Option.String('-n,--tail', { description: 'How many lines from the end (default 100)', validator: isInt(0, 10_000) });
  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const api = (await this.client()).containers;
    const print = (l: LogLine) => (l.stream === 'stderr' ? this.context.stderr : this.context.stdout).write(this.json ? `${JSON.stringify(l)}\n` : `${l.text}\n`);
    if (!this.follow) {
      const logs = await api.logs(ref, { tail: this.tail ?? 100 });
      if (this.json) this.out(`${JSON.stringify(logs, null, 2)}\n`);
      else logs.lines.forEach(print);
      return 0;
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    process.once('SIGINT', stop);
    try {
      await api.followLogs(ref, { tail: this.tail ?? 100 }, print, ac.signal).catch((e: unknown) => {
        if (!ac.signal.aborted) throw e;
      });
    } finally {
      process.off('SIGINT', stop);
    }
    return 0;
  }
}
