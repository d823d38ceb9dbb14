import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { renderTree } from '../../file-view.ts';
import { isInt } from '../../validators.ts';

export class FilesTreeCommand extends ZeblitCommand {
  static override paths = [['files', 'tree']];
  static override json = 'FileTree';
  static override usage = Command.Usage({
    category: 'Files',
    description: 'The workspace as a tree, with sizes (ignored folders such as node_modules are shown closed)',
    examples: [
      ['Everything', '$0 files tree'],
      ['Two levels of src', '$0 files tree src --depth 2'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  depth = Option.String('-d,--depth', { description: 'How deep (default 16)', validator: isInt(1, 64) });
  all = Option.Boolean('-a,--all', false, { description: 'Also open ignored folders' });
  target = Option.String({ name: 'path', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const query = { path: this.target, depth: this.depth, expand_ignored: this.all };
    const tree = await this.read('tree', `tree ${ref} ${JSON.stringify(query)}`, (c) => c.files.tree(ref, query));
    this.emit(tree, renderTree);
    return 0;
  }
}
