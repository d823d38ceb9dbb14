import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';

export class FilesRmCommand extends ZeblitCommand {
  static override paths = [['files', 'rm']];
  static override json = 'DeleteResult[]: one per path';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'Delete a file or folder (history is kept: `zeblit files restore` brings it back)',
    examples: [
      ['A file', '$0 files rm old.py'],
      ['Only if nobody changed it since version 4', '$0 files rm old.py --if-match 4'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  ifMatch = Option.String('--if-match', { description: 'Refuse (409) unless the file is still at this version or sha256' });
  targets = Option.Rest({ required: 1, name: 'path' });

  async run(): Promise<number> {
    const files = (await this.client()).files;
    const ref = this.projectRef(this.project);
    const results = [];
    for (const path of this.targets) results.push(await files.delete(ref, path, { ifMatch: this.ifMatch }));
    this.emit(results, (rs) => rs.map((r) => `Deleted ${r.path}${r.type === 'dir' ? `/ (${r.files} files)` : ''}\n`).join(''));
    return 0;
  }
}
