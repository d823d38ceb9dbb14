import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { versionTable } from '../../file-view.ts';

export class FilesVersionsCommand extends ZeblitCommand {
  static override paths = [['files', 'versions']];
  static override json = 'FileVersionList: `{path, exists, current_version, items}`';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'The history of a file, newest first (* marks the current version); deleted files too',
    examples: [['History of a file', '$0 files versions src/main.py']],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  target = Option.String({ name: 'path' });

  async run(): Promise<number> {
    const list = await (await this.client()).files.versions(this.projectRef(this.project), this.target);
    this.emit(list, (l) => (l.exists ? '' : `${l.path} does not exist now; restore a version with \`zeblit files restore ${l.path} <version>\`\n`) + versionTable(l.items));
    return 0;
  }
}
