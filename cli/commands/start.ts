import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { containerDetails } from '../container-view.ts';

export class StartCommand extends ZeblitCommand {
  static override paths = [['start']];
  static override usage = Command.Usage({
    category: 'Containers',
    description: "Start the project's container",
    examples: [
      ['The current project', '$0 start'],
      ['Another one', '$0 start my-api'],
    ],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const status = await (await this.client()).containers.start(await this.projectRef(this.project));
    this.emit(status, (s) => containerDetails(s));
    return 0;
  }
}
