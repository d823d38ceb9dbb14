import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';

export class ScheduleEnableCommand extends ZeblitCommand {
  static override paths = [['schedule', 'enable']];
  static override json = 'ScheduledTask after the change';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'Enable a task: it runs from its next instant on (time while disabled is not caught up)',
    examples: [['Enable by name', '$0 schedule enable backup']],
  });

  project = Option.String('-p,--project', { description: 'The project, when the name is in several' });
  task = Option.String({ name: 'task' });

  async run(): Promise<number> {
    const t = await (await this.client()).scheduler.enable(this.task, this.project);
    this.emit(t, (x) => `${x.name} is ${x.enabled ? `enabled; next run ${formatTime(x.next_run_at)}` : 'disabled'}.\n`);
    return 0;
  }
}
