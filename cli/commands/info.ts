import { Command, Option } from 'clipanion';
import { ZeblitApiError } from '../../src/client/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { CliError } from '../cli-error.ts';
import { projectDetails } from '../project-view.ts';

const CHOSEN_BY = {
  given: () => 'given on the command line',
  folder: (subdir: string | null) => `the current directory is in its folder${subdir ? ` (${subdir})` : ''}`,
  current: () => 'the current project (`zeblit use`)',
} as const;

export class InfoCommand extends ZeblitCommand {
  static override paths = [['info']];
  static override json = 'Project, `chosen_by` (given, folder or current: the rule that chose it) and `runs_as` (a folder project: uid, gid, source and note of who commands in its container run as; else null)';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Show a project (by default the folder project you are in, else the current one) and why it was chosen',
    examples: [
      ['The project of this folder, else the current one', '$0 info'],
      ['Another one, as JSON', '$0 info my-api --json'],
    ],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const chosen = await this.resolveProject(this.project);
    const ref = chosen.ref;
    const project = await this.read('project', `project ${ref}`, (c) => c.projects.get(ref)).catch((e: unknown) => {
      if (!this.project && e instanceof ZeblitApiError && e.code === 'NOT_FOUND')
        throw new CliError('NOT_FOUND', `The current project (${ref}) no longer exists`, { suggestion: 'Choose another with `zeblit use <project>`.' });
      throw e;
    });
    // Whom the container runs as matters for a folder project (files written there are the user's, never root's).
    const user = project.path ? await this.client().then((c) => c.containers.status(project.id)).then((st) => st.user, () => null) : null;
    this.emit({ ...project, chosen_by: chosen.rule, runs_as: user }, (p) => projectDetails(p, this.config().current_project, { chosenBy: CHOSEN_BY[chosen.rule](chosen.subdir), user }));
    return 0;
  }
}
