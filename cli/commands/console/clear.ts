import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { plural } from '../../format.ts';

export class ConsoleClearCommand extends ZeblitCommand {
  static override paths = [['console', 'clear']];
  static override json = 'ClearResult: `{deleted_lines, deleted_errors}`';
  static override usage = Command.Usage({
    category: 'Console',
    description: "Delete a project's stored console lines and detected errors",
    examples: [['Clear the current project', '$0 console clear']],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const res = await (await this.client()).console.clear(ref);
    this.emit(res, (r) => `Cleared ${plural(r.deleted_lines, 'line')} and ${plural(r.deleted_errors, 'detected error')}.\n`);
    return 0;
  }
}
