import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { withSpinner } from '../activity.ts';
import { containerDetails } from '../container-view.ts';

export class StopCommand extends ZeblitCommand {
  static override paths = [['stop']];
  static override json = 'ContainerStatus';
  static override usage = Command.Usage({
    category: 'Containers',
    description: "Stop the project's container",
    examples: [
      ['The current project', '$0 stop'],
      ['Another one', '$0 stop my-api'],
    ],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const client = await this.client();
    const status = await withSpinner(this.context.stderr, this.env, `Stopping the container of ${ref}`, () => client.containers.stop(ref));
    this.emit(status, (s) => containerDetails(s));
    return 0;
  }
}
