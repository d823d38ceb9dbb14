import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { checkpointDetails, checkpointTable } from '../checkpoint-view.ts';
import { isInt } from '../validators.ts';

export class ChangesCommand extends ZeblitCommand {
  static override paths = [['changes']];
  static override json = 'CheckpointList `{items, total}`; with --turn one Checkpoint';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'What the agent turns changed (checkpoints), newest first',
    details: `
      Every agent turn, and every auto-fix attempt, is a checkpoint: the files it created, changed or deleted, with the versions before and after. \`--turn ID\` shows one turn's files. Review a turn with \`zeblit diff --turn ID\`, put it back with \`zeblit undo --turn ID\`.
    `,
    examples: [
      ['The turns that changed files', '$0 changes'],
      ['Every turn, also those that changed nothing', '$0 changes --all'],
      ['One turn', '$0 changes --turn msg_01j…'],
    ],
  });

  project = Option.String('-p,--project', { description: 'Project id or name (default: the folder you are in, else the current project)' });
  turn = Option.String('--turn', { description: 'One turn (its id, or "latest")' });
  all = Option.Boolean('-a,--all', false, { description: 'Also turns that changed no file' });
  limit = Option.String('-n,--limit', { description: 'How many turns (default 20)', validator: isInt(1, 200) });

  async run(): Promise<number> {
    const ref = await this.projectRef(this.project);
    const api = (await this.client()).checkpoints;
    if (this.turn) {
      const c = await api.get(ref, this.turn);
      this.emit(c, checkpointDetails);
      return 0;
    }
    const list = await api.list(ref, { ...(this.all ? {} : { with_changes: '1' }), ...(this.limit ? { limit: this.limit } : {}) });
    this.emit(list, (l) => checkpointTable(l.items) + (l.total > l.items.length ? `(${l.items.length} of ${l.total}: --limit for more)\n` : ''));
    return 0;
  }
}
