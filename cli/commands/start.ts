import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { withContainerProgress } from '../container-progress.ts';
import { containerDetails } from '../container-view.ts';

export class StartCommand extends ZeblitCommand {
  static override paths = [['start']];
  static override json = 'ContainerStatus';
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
    const ref = this.projectRef(this.project);
    const status = await withContainerProgress(this, ref, `Starting the container of ${ref}`, (c) => c.containers.start(ref));
    this.emit(status, (s) => containerDetails(s));
    return 0;
  }
}
