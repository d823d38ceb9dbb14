import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { runTable, taskDetails } from '../../schedule-view.ts';
import { isInt } from '../../validators.ts';

export class ScheduleStatusCommand extends ZeblitCommand {
  static override paths = [['schedule', 'status'], ['schedule', 'show']];
  static override json = 'ScheduledTaskDetail (the task with `recent_runs`: TaskRunSummary[])';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'A task: its schedule, state, counters and recent runs',
    examples: [
      ['By name', '$0 schedule status backup'],
      ['By id, with the last 20 runs', '$0 schedule status tsk_01j… --runs 20'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project, when the name is in several' });
  runs = Option.String('-n,--runs', { description: 'How many recent runs (default 10)', validator: isInt(0, 100) });
  task = Option.String({ name: 'task' });

  async run(): Promise<number> {
    const t = await (await this.client()).scheduler.get(this.task, { project: this.project, run_limit: this.runs ?? 10 });
    this.emit(t, (d) => taskDetails(d) + (d.recent_runs.length ? `\n${runTable(d.recent_runs)}` : '\nNo runs yet.\n'));
    return 0;
  }
}
