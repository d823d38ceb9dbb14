import { Command, Option, UsageError } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { isInt } from '../../validators.ts';

const ref = (v: string | undefined, flag: string): number | 'current' | undefined => {
  if (v === undefined || v === 'current') return v;
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag} takes a version number or "current", got "${v}"`);
  return Number(v);
};

export class FilesDiffCommand extends ZeblitCommand {
  static override paths = [['files', 'diff']];
  static override json = 'FileDiff: `{path, from, to, binary, identical, diff, additions, deletions}`';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'A unified diff between two versions of a file, or a version and the file as it is now',
    examples: [
      ['What changed since the previous version', '$0 files diff src/main.py'],
      ['Between versions 2 and 5', '$0 files diff src/main.py --from 2 --to 5'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  from = Option.String('--from', { description: 'Version (default: the one before --to)' });
  to = Option.String('--to', { description: 'Version, or "current" (default)' });
  contextLines = Option.String('-U,--context', { description: 'Lines of context (default 3)', validator: isInt(0, 100) });
  target = Option.String({ name: 'path' });

  async run(): Promise<number> {
    const d = await (await this.client()).files.diff(this.projectRef(this.project), this.target, { from: ref(this.from, '--from'), to: ref(this.to, '--to'), context: this.contextLines });
    this.emit(d, (x) => (x.binary ? `Binary content ${x.identical ? 'is identical' : 'differs'} (v${x.from} → ${x.to === null ? 'current' : `v${x.to}`})\n` : x.identical ? 'No differences.\n' : (x.diff ?? '')));
    return 0;
  }
}
