import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { runDetails } from '../../schedule-view.ts';

export class ScheduleLogsCommand extends ZeblitCommand {
  static override paths = [['schedule', 'logs']];
  static override json = 'TaskRun (the full record, with its stdout and stderr tails)';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'One run of a task: its record and output (the ends of stdout and stderr)',
    examples: [['A run', '$0 schedule logs trn_01j…']],
  });

  run_id = Option.String({ name: 'run' });

  async run(): Promise<number> {
    this.emit(await (await this.client()).scheduler.run(this.run_id), runDetails);
    return 0;
  }
}
