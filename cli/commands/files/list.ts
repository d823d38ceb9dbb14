import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { entryTable } from '../../file-view.ts';
import { isInt } from '../../validators.ts';

export class FilesListCommand extends ZeblitCommand {
  static override paths = [['files', 'list'], ['files', 'ls']];
  static override json = 'FileList: `{dir, items: FileEntry[], truncated}`';
  static override usage = Command.Usage({
    category: 'Files',
    description: "List a folder of the project's workspace",
    examples: [
      ['The workspace root', '$0 files list'],
      ['One folder', '$0 files list src'],
      ['Every Python file below src', '$0 files list src --glob "*.py"'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  glob = Option.String('-g,--glob', { description: 'Only what matches (a name at any depth, or a path with /)' });
  recursive = Option.Boolean('-r,--recursive', false, { description: 'Everything below the folder' });
  limit = Option.String('-n,--limit', { description: 'At most this many entries (default 5000)', validator: isInt(1, 100_000) });
  dir = Option.String({ name: 'dir', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const query = { dir: this.dir ?? '', glob: this.glob, recursive: this.recursive || undefined, limit: this.limit };
    const list = await this.read('files', `files ${ref} ${JSON.stringify(query)}`, (c) => c.files.list(ref, query));
    this.emit(list, (l) => entryTable(l.items) + (l.truncated ? '(more entries not shown: raise --limit or narrow with --glob)\n' : ''));
    return 0;
  }
}
