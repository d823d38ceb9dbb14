import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';

export class FilesMvCommand extends ZeblitCommand {
  static override paths = [['files', 'mv']];
  static override json = 'MoveResult: `{from, to, type, files}`';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Move or rename a file or folder in the workspace',
    examples: [
      ['Rename', '$0 files mv app.py main.py'],
      ['Replace what is there', '$0 files mv draft.md README.md --force'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  force = Option.Boolean('-f,--force', false, { description: 'Replace the target when it exists' });
  from = Option.String({ name: 'from' });
  to = Option.String({ name: 'to' });

  async run(): Promise<number> {
    const res = await (await this.client()).files.move(this.projectRef(this.project), this.from, this.to, this.force);
    this.emit(res, (r) => `Moved ${r.from} -> ${r.to}${r.type === 'dir' ? ` (${r.files} files)` : ''}\n`);
    return 0;
  }
}
