import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { containerDetails } from '../container-view.ts';

export class StopCommand extends ZeblitCommand {
  static override paths = [['stop']];
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
    const status = await (await this.client()).containers.stop(await this.projectRef(this.project));
    this.emit(status, (s) => containerDetails(s));
    return 0;
  }
}
