import { Command, Option } from 'clipanion';
import type { TaskRun } from '../../../src/contracts/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { runDetails } from '../../schedule-view.ts';

const POLL_MS = 500;

export class ScheduleRunCommand extends ZeblitCommand {
  static override paths = [['schedule', 'run']];
  static override json = 'TaskRun when it ended (exit code 0 on success, 1 otherwise); with --detach the TaskRun as started (`queued` or `running`)';
  static override usage = Command.Usage({
    category: 'Scheduler',
    description: 'Run a task now and wait for its result',
    details: `
      The task's concurrency policy applies: while it runs, a task with \`skip\` refuses a second run unless \`--force\`, one with \`queue\` queues it. Exits 0 when the run succeeded, 1 otherwise. \`--detach\` prints the run id and returns at once (see it later with \`zeblit schedule logs <run>\`); Ctrl-C stops waiting, not the run.
    `,
    examples: [
      ['Run now and wait', '$0 schedule run backup'],
      ['Start a second run even though one is running', '$0 schedule run backup --force'],
      ['Start and return', '$0 schedule run backup --detach'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project, when the name is in several' });
  force = Option.Boolean('--force', false, { description: 'Run even when the concurrency policy would skip or queue it' });
  detach = Option.Boolean('-d,--detach', false, { description: 'Do not wait for the result' });
  task = Option.String({ name: 'task' });

  async run(): Promise<number> {
    const api = (await this.client()).scheduler;
    const started = await api.execute(this.task, { force: this.force || undefined, project: this.project });
    if (this.detach) {
      this.emit(started, (r) => `${r.id} ${r.status}\n`);
      return 0;
    }
    if (!this.json) this.err(`${started.id} ${started.status}…\n`);
    let run: TaskRun = await api.run(started.id);
    while (run.status === 'queued' || run.status === 'running') {
      await new Promise((r) => setTimeout(r, POLL_MS));
      run = await api.run(started.id);
    }
    this.emit(run, runDetails);
    return run.status === 'success' ? 0 : 1;
  }
}
