import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';

export class UnarchiveCommand extends ZeblitCommand {
  static override paths = [['unarchive']];
  static override json = 'Project';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Bring an archived project back',
    examples: [['Unarchive a project', '$0 unarchive old-api']],
  });

  project = Option.String({ name: 'project' });

  async run(): Promise<number> {
    const project = await (await this.client()).projects.unarchive(this.project);
    this.emit(project, (p) => `Unarchived project ${p.name} (${p.id}); status: ${p.status}.\n`);
    return 0;
  }
}
