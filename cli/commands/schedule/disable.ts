import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';

export class ScheduleDisableCommand extends ZeblitCommand {
  static override paths = [['schedule', 'disable']];
  static override json = 'ScheduledTask after the change';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'Disable a task: it does not fire until enabled again (a run in progress finishes)',
    examples: [['Disable by name', '$0 schedule disable backup']],
  });

  project = Option.String('-p,--project', { description: 'The project, when the name is in several' });
  task = Option.String({ name: 'task' });

  async run(): Promise<number> {
    const t = await (await this.client()).scheduler.disable(this.task, this.project);
    this.emit(t, (x) => `${x.name} is ${x.enabled ? `enabled; next run ${formatTime(x.next_run_at)}` : 'disabled'}.\n`);
    return 0;
  }
}
