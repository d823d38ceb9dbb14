import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';

export class ArchiveCommand extends ZeblitCommand {
  static override paths = [['archive']];
  static override json = 'Project';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Archive a project (hidden from `zeblit list`, kept on disk)',
    examples: [['Archive a project', '$0 archive old-api']],
  });

  project = Option.String({ name: 'project' });

  async run(): Promise<number> {
    const project = await (await this.client()).projects.archive(this.project);
    this.emit(project, (p) => `Archived project ${p.name} (${p.id}); status: ${p.status}.\n`);
    return 0;
  }
}
