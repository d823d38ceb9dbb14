import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { errorsTable } from '../console-view.ts';
import { isInt } from '../validators.ts';

export class ErrorsCommand extends ZeblitCommand {
  static override paths = [['errors']];
  static override json = 'DetectedErrorInfo[]: one object per distinct error (type, severity, message, file, line, suggestion, occurrences, first_seen, last_seen…)';
  static override usage = Command.Usage({
    category: 'Console',
    description: 'The errors Zeblit recognised in the console, one row per distinct error, with suggestions',
    examples: [
      ['The current project', '$0 errors'],
      ['Only one run', '$0 errors --run run_01…'],
      ['As JSON', '$0 errors --json'],
    ],
  });

  runId = Option.String('--run', { description: 'Only errors last seen in this run' });
  limit = Option.String('--limit', { description: 'At most this many (default 50)', validator: isInt(1, 1000) });
  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    const query = { run_id: this.runId, limit: this.limit ?? 50 };
    const errors = await this.read('errors', `errors ${ref} ${JSON.stringify(query)}`, (c) => c.console.errors(ref, query));
    this.emit(errors, (e) => errorsTable(e, this.width));
    return 0;
  }
}
