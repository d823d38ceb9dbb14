import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { withContainerProgress } from '../container-progress.ts';
import { containerDetails } from '../container-view.ts';

export class RestartCommand extends ZeblitCommand {
  static override paths = [['restart']];
  static override json = 'ContainerStatus';
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
    const ref = this.projectRef(this.project);
    const status = await withContainerProgress(this, ref, `Restarting the container of ${ref}`, (c) => c.containers.restart(ref));
    this.emit(status, (s) => containerDetails(s));
    return 0;
  }
}
