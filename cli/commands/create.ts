import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { TEMPLATE_NAMES } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';

export class CreateCommand extends ZeblitCommand {
  static override paths = [['create']];
  static override json = 'Project';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Create a project',
    details: `
      Creates the project and its workspace (\`$ZEBLIT_HOME/projects/<id>/workspace\`). Names are unique per user: letters, digits, \`.\`, \`_\` and \`-\`. Templates: python (default), node, blank.
    `,
    examples: [
      ['A Python project', '$0 create my-api'],
      ['A Node project with a description', '$0 create web --template node --description "The shop front"'],
    ],
  });

  name = Option.String({ name: 'name' });
  template = Option.String('-t,--template', { description: 'python, node or blank (default python)', validator: t.isEnum(TEMPLATE_NAMES) });
  description = Option.String('-d,--description', { description: 'What the project is for' });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the new project id' });

  async run(): Promise<number> {
    const project = await (await this.client()).projects.create({
      name: this.name,
      ...(this.template ? { template: this.template } : {}),
      ...(this.description !== undefined ? { description: this.description } : {}),
    });
    if (this.quiet && !this.json) {
      this.out(`${project.id}\n`);
      return 0;
    }
    this.emit(project, (p) => `Created project ${p.name} (${p.id}) from the ${p.template} template.\nMake it the current one with: zeblit use ${p.name}\n`);
    return 0;
  }
}
