import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { containerDetails } from '../container-view.ts';

export class StatusCommand extends ZeblitCommand {
  static override paths = [['status']];
  static override usage = Command.Usage({
    category: 'Containers',
    description: 'The project and its container: state, image, limits, health, ports, why it stopped',
    examples: [
      ['The current project', '$0 status'],
      ['As JSON', '$0 status my-api --json'],
    ],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const client = await this.client();
    const project = await client.projects.get(await this.projectRef(this.project));
    const container = await client.containers.status(project.id);
    this.emit({ project, container }, ({ project: p, container: c }) => containerDetails(c, p));
    return 0;
  }
}
