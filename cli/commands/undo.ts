import { Command, Option } from 'clipanion';
import { ZeblitApiError } from '../../src/client/index.ts';
import { ZeblitCommand } from '../base-command.ts';
import { undoConflicts, undoText } from '../checkpoint-view.ts';

export class UndoCommand extends ZeblitCommand {
  static override paths = [['undo']];
  static override json = 'UndoResult `{checkpoint, files}`';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'Put back every file an agent turn changed, as it was before the turn',
    details: `
      Without \`--turn\`: the newest turn that changed files and was not undone yet. Refused, with the list, where a file changed since the turn (your own edit, a later turn) unless \`--force\`; the undo is recorded as new versions, so nothing is lost either way (\`zeblit files versions PATH\`).
    `,
    examples: [
      ['Undo the last turn', '$0 undo'],
      ['Undo one turn even over later edits', '$0 undo --turn msg_01j… --force'],
    ],
  });

  project = Option.String('-p,--project', { description: 'Project id or name (default: the folder you are in, else the current project)' });
  turn = Option.String('--turn', { description: 'The turn (its id; default: the latest that changed files)' });
  force = Option.Boolean('-f,--force', false, { description: 'Restore also the files changed since the turn' });

  async run(): Promise<number> {
    const ref = await this.projectRef(this.project);
    try {
      const r = await (await this.client()).checkpoints.undo(ref, this.turn ?? 'latest', { force: this.force });
      this.emit(r, undoText);
      return 0;
    } catch (e) {
      const files = e instanceof ZeblitApiError && e.code === 'CONFLICT' ? undoConflicts(e.details) : [];
      if (files.length === 0 || this.json) throw e;
      this.err(`Undo refused: these files changed since the turn (nothing was changed):\n${files.map((f) => `  ${f.path}: ${f.reason}`).join('\n')}\nHint: look at them, then \`zeblit undo${this.turn ? ` --turn ${this.turn}` : ''} --force\` to restore them anyway (their later versions stay in the history).\n`);
      return 1;
    }
  }
}
