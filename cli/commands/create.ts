import { Command, Option, UsageError } from 'clipanion';
import { resolve } from 'node:path';
import * as t from 'typanion';
import { TEMPLATE_NAMES, type Project } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';

/** What a new project's line says, for the three kinds. */
export function createdText(p: Project, how: string): string {
  if (!p.path) return `Created project ${p.name} (${p.id}) from the ${p.template} template.\nMake it the current one with: zeblit use ${p.name}\n`;
  return `Created folder project ${p.name} (${p.id}) ${how} ${p.path}: it is bind-mounted at /workspace, nothing in it was changed (the ${p.template} template chose the image).\nCommands run in that folder use it; elsewhere: zeblit use ${p.name}\n`;
}

export class CreateCommand extends ZeblitCommand {
  static override paths = [['create']];
  static override json = 'Project';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Create a project',
    details: `
      Without \`--path\` or \`--git\`: a workspace Zeblit keeps (\`$ZEBLIT_HOME/projects/<id>/workspace\`).

      \`--path DIR\`: a folder project, whose workspace IS your folder (see also \`zeblit init\`): bind-mounted at /workspace, nothing in it overwritten, never deleted with the project.

      \`--git URL\`: clones the repository on this machine with your git (https, ssh, file URLs; credentials are your git's business) into \`--path\`, default ~/zeblit/<name> (config \`clone_dir\`), and makes it a folder project.

      Names are unique per user: letters, digits, \`.\`, \`_\` and \`-\`. Templates: python (default), node, blank.
    `,
    examples: [
      ['A Python project', '$0 create my-api'],
      ['A Node project with a description', '$0 create web --template node --description "The shop front"'],
      ['A project on a folder you have', '$0 create shop --path ~/code/shop --template node'],
      ['Clone a repository and work on it', '$0 create shop --git git@github.com:me/shop.git --branch main'],
    ],
  });

  name = Option.String({ name: 'name' });
  template = Option.String('-t,--template', { description: 'python, node or blank (default python)', validator: t.isEnum(TEMPLATE_NAMES) });
  description = Option.String('-d,--description', { description: 'What the project is for' });
  folder = Option.String('--path', { description: 'A folder of yours to work on (with --git: where to clone)' });
  git = Option.String('--git', { description: 'Clone this repository (https://, ssh://, user@host:path or file://)' });
  branch = Option.String('--branch', { description: 'With --git: the branch to check out' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the new project id' });

  async run(): Promise<number> {
    if (this.branch && !this.git) throw new UsageError('--branch goes with --git');
    const project = await (await this.client()).projects.create({
      name: this.name,
      ...(this.template ? { template: this.template } : {}),
      ...(this.description !== undefined ? { description: this.description } : {}),
      ...(this.folder !== undefined ? { path: resolve(this.folder) } : {}),
      ...(this.git ? { git: { url: this.git, ...(this.branch ? { branch: this.branch } : {}) } } : {}),
    });
    if (this.quiet && !this.json) {
      this.out(`${project.id}\n`);
      return 0;
    }
    this.emit(project, (p) => createdText(p, this.git ? `cloned from ${this.git} into` : 'on'));
    return 0;
  }
}
