import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { containerDetails } from '../container-view.ts';

export class RestartCommand extends ZeblitCommand {
  static override paths = [['restart']];
  static override usage = Command.Usage({
    category: 'Containers',
    description: "Restart the project's container",
    examples: [
      ['The current project', '$0 restart'],
      ['Another one', '$0 restart my-api'],
    ],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const status = await (await this.client()).containers.restart(await this.projectRef(this.project));
    this.emit(status, (s) => containerDetails(s));
    return 0;
  }
}
