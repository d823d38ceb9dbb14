import { Command, Option } from 'clipanion';
import { ZeblitApiError } from '../../src/client/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { CliError } from '../cli-error.ts';
import { projectDetails } from '../project-view.ts';

export class InfoCommand extends ZeblitCommand {
  static override paths = [['info']];
  static override json = 'Project';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Show a project (the current one by default)',
    examples: [
      ['The current project', '$0 info'],
      ['Another one, as JSON', '$0 info my-api --json'],
    ],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const project = await this.read('project', `project ${ref}`, (c) => c.projects.get(ref)).catch((e: unknown) => {
      if (!this.project && e instanceof ZeblitApiError && e.code === 'NOT_FOUND')
        throw new CliError('NOT_FOUND', `The current project (${ref}) no longer exists`, { suggestion: 'Choose another with `zeblit use <project>`.' });
      throw e;
    });
    this.emit(project, (p) => projectDetails(p, this.config().current_project));
    return 0;
  }
}
