import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { isInt } from '../validators.ts';

export class DiffCommand extends ZeblitCommand {
  static override paths = [['diff']];
  static override json = 'CheckpointDiff `{checkpoint, files, diff}`';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'The unified diff of everything an agent turn changed',
    details: `
      From each file's content before the turn to its content after it (a/ and b/ paths, as git prints them). Without \`--turn\`: the newest turn that changed files. For one file's versions see \`zeblit files diff\`.
    `,
    examples: [
      ['The last turn', '$0 diff'],
      ['One turn, piped to a pager', '$0 diff --turn msg_01j… | less -R'],
    ],
  });

  project = Option.String('-p,--project', { description: 'Project id or name (default: the folder you are in, else the current project)' });
  turn = Option.String('--turn', { description: 'The turn (its id; default: the latest that changed files)' });
  contextLines = Option.String('-U,--context', { description: 'Lines of context (default 3)', validator: isInt(0, 100) });

  async run(): Promise<number> {
    const ref = await this.projectRef(this.project);
    const d = await (await this.client()).checkpoints.diff(ref, this.turn ?? 'latest', this.contextLines !== undefined ? { context: this.contextLines } : {});
    this.emit(d, (x) => (x.diff === '' ? `Turn ${x.checkpoint.id} changed no files.\n` : x.diff));
    return 0;
  }
}
