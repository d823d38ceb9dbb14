import { Command, Option } from 'clipanion';
import { RunStatus } from '../../src/contracts/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { runTable } from '../container-view.ts';
import { formatDetails } from '../table.ts';
import { isInt } from '../validators.ts';

export class RunsCommand extends ZeblitCommand {
  static override paths = [['runs']];
  static override json = 'PageOf<RunSummary>; with --show a Run (with its output), with --kill the Run after it';
  static override usage = Command.Usage({
    category: 'Containers',
    description: 'Commands run in the project, newest first; kill one, or show one with its output',
    examples: [
      ['The last runs', '$0 runs'],
      ['Only those still running', '$0 runs --status running'],
      ['One run with its output', '$0 runs --show run_01j…'],
      ['Stop a background run', '$0 runs --kill run_01j…'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  kill = Option.String('--kill', { description: 'Kill this run (its whole process tree)' });
  show = Option.String('--show', { description: 'Show this run with its output' });
  status = Option.String('--status', { description: `Only runs in this state (${RunStatus.options.join(', ')})` });
  limit = Option.String('-n,--limit', { description: 'How many (default 20)', validator: isInt(1, 500) });
  quiet = Option.Boolean('-q,--quiet', false, { description: 'Print only the run ids, one a line' });

  async run(): Promise<number> {
    const ref = this.projectRef(this.project);
    if (this.kill) {
      const run = await (await this.client()).containers.kill(ref, this.kill);
      this.emit(run, (r) => `${r.id} ${r.status}${r.exit_code === null ? '' : ` (exit ${r.exit_code})`}\n`);
      return 0;
    }
    if (this.show) {
      const run = await (await this.client()).containers.run(ref, this.show);
      this.emit(run, (r) =>
        formatDetails([
          ['Run', r.id],
          ['Command', r.command],
          ['Status', r.status],
          ['Exit code', r.exit_code],
          ['Cwd', r.cwd],
        ]) + (r.stdout ? `--- stdout${r.stdout_truncated ? ' (truncated)' : ''}\n${r.stdout}${r.stdout.endsWith('\n') ? '' : '\n'}` : '') + (r.stderr ? `--- stderr${r.stderr_truncated ? ' (truncated)' : ''}\n${r.stderr}${r.stderr.endsWith('\n') ? '' : '\n'}` : ''),
      );
      return 0;
    }
    const status = this.status === undefined ? undefined : RunStatus.parse(this.status);
    const query = { status, limit: this.limit ?? 20 };
    const page = await this.read('runs', `runs ${ref} ${JSON.stringify(query)}`, (c) => c.containers.runs(ref, query));
    if (this.quiet && !this.json) {
      this.out(page.items.map((r) => `${r.id}\n`).join(''));
      return 0;
    }
    this.emit(page, (p) => (p.items.length === 0 ? 'No runs yet. Run something with `zeblit run <command>`.\n' : runTable(p.items)));
    return 0;
  }
}
