import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { CliError } from '../../cli-error.ts';
import { runDetails } from '../../schedule-view.ts';

export class ScheduleLogsCommand extends ZeblitCommand {
  static override paths = [['schedule', 'logs']];
  static override json = 'TaskRun (the full record, with its stdout and stderr tails)';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: "A task's latest run, or one run by id: its record and output (the ends of stdout and stderr)",
    examples: [
      ['The latest run of a task', '$0 schedule logs backup'],
      ['A run', '$0 schedule logs trn_01j…'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project, when the task name is in several' });
  ref = Option.String({ name: 'task-or-run' });

  async run(): Promise<number> {
    const client = await this.client();
    let runId = this.ref;
    // A task (name or id) means its latest run: what `docker logs` and `kubectl logs` give for a name.
    if (!runId.startsWith('trn_')) {
      const latest = (await client.scheduler.runs(this.ref, { project: this.project, limit: 1 })).items[0];
      if (!latest) throw new CliError('NOT_FOUND', `The task ${this.ref} has not run yet.`, { suggestion: `Run it now: zeblit schedule run ${this.ref}` });
      runId = latest.id;
    }
    this.emit(await client.scheduler.run(runId), runDetails);
    return 0;
  }
}
