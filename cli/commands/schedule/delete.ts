import { Command, Option, UsageError } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { confirm, isInteractive } from '../../prompt.ts';

export class ScheduleDeleteCommand extends ZeblitCommand {
  static override paths = [['schedule', 'delete'], ['schedule', 'rm']];
  static override json = 'ScheduledTask (as it was)';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'Delete a task and its run history (a run in progress is stopped)',
    details: 'Asks for confirmation on a terminal; without one it refuses unless `--force` is given.',
    examples: [
      ['Delete, after confirming', '$0 schedule delete backup'],
      ['Delete without asking', '$0 schedule delete backup --force'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project, when the name is in several' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });
  task = Option.String({ name: 'task' });

  async run(): Promise<number> {
    const api = (await this.client()).scheduler;
    const task = await api.get(this.task, { project: this.project, run_limit: 0 });
    if (!this.force) {
      if (!isInteractive(this.context.stdin)) throw new UsageError(`Refusing to delete ${task.name} without --force when stdin is not a terminal`);
      if (!(await confirm(`Delete scheduled task ${task.name} (${task.id}) and its ${task.run_count} runs?`, this.context.stdin, this.context.stderr))) {
        this.err('Cancelled.\n');
        return 1;
      }
    }
    const gone = await api.delete(task.id);
    this.emit(gone, (t) => `Deleted scheduled task ${t.name} (${t.id}).\n`);
    return 0;
  }
}
