import { Command, Option, UsageError } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { confirm, isInteractive } from '../prompt.ts';

export class DeleteCommand extends ZeblitCommand {
  static override paths = [['delete'], ['rm']];
  static override json = 'Project (as it was)';
  static override usage = Command.Usage({
    category: 'Projects',
    description: 'Delete a project, its workspace and its container',
    details: 'Asks for confirmation on a terminal. Without a terminal (a script, a pipe) it refuses unless `--force` is given. This cannot be undone.',
    examples: [
      ['Delete, after confirming', '$0 delete my-api'],
      ['Delete without asking', '$0 delete my-api --force'],
    ],
  });

  project = Option.String({ name: 'project' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    const client = await this.client();
    const project = await client.projects.get(this.project);
    if (!this.force) {
      if (!isInteractive(this.context.stdin)) throw new UsageError(`Refusing to delete ${project.name} without --force when stdin is not a terminal`);
      const yes = await confirm(`Delete project ${project.name} (${project.id}) and its workspace? This cannot be undone.`, this.context.stdin, this.context.stderr);
      if (!yes) {
        this.err('Cancelled.\n');
        return 1;
      }
    }
    const deleted = await client.projects.delete(project.id);
    if (this.config().current_project === deleted.id) this.updateConfig({ current_project: null });
    this.emit(deleted, (p) => `Deleted project ${p.name} (${p.id}).\n`);
    return 0;
  }
}
