import { Command, Option } from 'clipanion';
import { realpathSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import * as t from 'typanion';
import { TEMPLATE_NAMES } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { createdText } from './create.ts';

/** A project name from a folder name: what the API accepts (letters, digits, . _ -, starting with a letter or digit). */
export function nameFromFolder(folder: string): string {
  const cleaned = basename(folder)
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '')
    .slice(0, 64);
  const name = /^prj_/.test(cleaned) ? cleaned.slice(4) : cleaned;
  return name === '' || name.toLowerCase() === 'templates' ? 'project' : name;
}

export class InitCommand extends ZeblitCommand {
  static override paths = [['init']];
  static override json = 'Project (the new folder project)';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Make the current folder a project (a folder project)',
    details: `
      The folder IS the project's workspace: bind-mounted at /workspace in an isolated container that runs as you (the folder's owner), nothing in it overwritten, never deleted with the project. The template only chooses the image. A large repository is not copied: its files are recorded as they are and a file's content is stored when it first changes. \`.git/\` is never versioned or shown; \`.gitignore\` applies.

      From then on, commands run anywhere in this folder use this project (\`zeblit info\` says why), and \`zeblit run\` in a subfolder runs there.
    `,
    examples: [
      ['This folder, named after it', '$0 init'],
      ['With a name and a template', '$0 init --name shop --template node'],
    ],
  });

  name = Option.String('-n,--name', { description: 'Project name (default: the folder name)' });
  template = Option.String('-t,--template', { description: 'python, node or blank (default python)', validator: t.isEnum(TEMPLATE_NAMES) });
  description = Option.String('-d,--description', { description: 'What the project is for' });
  folder = Option.String('--path', { description: 'Another folder than the current one' });

  async run(): Promise<number> {
    const dir = realpathSync(resolve(this.folder ?? process.cwd()));
    const project = await (await this.client()).projects.create({
      name: this.name ?? nameFromFolder(dir),
      path: dir,
      ...(this.template ? { template: this.template } : {}),
      ...(this.description !== undefined ? { description: this.description } : {}),
    });
    this.emit(project, (p) => createdText(p, 'on'));
    return 0;
  }
}
