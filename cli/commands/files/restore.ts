import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { isInt } from '../../validators.ts';

export class FilesRestoreCommand extends ZeblitCommand {
  static override paths = [['files', 'restore']];
  static override json = 'FileMeta of the restored file';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Write an old version back (as a new version); also brings back a deleted file',
    examples: [['Back to version 2', '$0 files restore src/main.py 2']],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  ifMatch = Option.String('--if-match', { description: 'Refuse (409) unless the file is still at this version or sha256' });
  target = Option.String({ name: 'path' });
  version = Option.String({ name: 'version', validator: isInt(1, Number.MAX_SAFE_INTEGER) });

  async run(): Promise<number> {
    const meta = await (await this.client()).files.restore(this.projectRef(this.project), this.target, this.version, { ifMatch: this.ifMatch });
    this.emit(meta, (m) => `Restored ${m.path} from version ${this.version}${m.version === null ? '' : ` as version ${m.version}`}\n`);
    return 0;
  }
}
