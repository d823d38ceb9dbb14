import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';

export class UseCommand extends ZeblitCommand {
  static override paths = [['use']];
  static override json = 'Project (the one now current)';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Choose the current project',
    details: 'Commands that take a project use this one when none is given. It is remembered (by id, so a rename does not lose it) in `$ZEBLIT_HOME/config.json`.',
    examples: [
      ['Work on my-api', '$0 use my-api'],
      ['By id', '$0 use prj_01jabc…'],
    ],
  });

  project = Option.String({ name: 'project' });

  async run(): Promise<number> {
    const project = await (await this.client()).projects.get(this.project);
    this.updateConfig({ current_project: project.id });
    this.emit(project, (p) => `Now using project ${p.name} (${p.id}).\n`);
    return 0;
  }
}
