import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { statsText } from '../../schedule-view.ts';

export class ScheduleStatsCommand extends ZeblitCommand {
  static override paths = [['schedule', 'stats']];
  static override json = 'TaskStats (totals, runs in the last 24 h by status, success rate, next runs, overdue)';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'The scheduler at a glance: tasks, runs of the last 24 hours, success rate, next and overdue runs',
    examples: [
      ['Everything', '$0 schedule stats'],
      ['One project', '$0 schedule stats --project web'],
    ],
  });

  project = Option.String('-p,--project', { description: 'Only this project' });

  async run(): Promise<number> {
    this.emit(await (await this.client()).scheduler.stats(this.project), statsText);
    return 0;
  }
}
