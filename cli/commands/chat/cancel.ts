import { Command, Option, UsageError } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { rememberedConversation } from './state.ts';

export class ChatCancelCommand extends ZeblitCommand {
  static override paths = [['chat', 'cancel']];
  static override json = '`{cancelled}`';
  static override usage = Command.Usage({
    category: 'Agents',
    description: 'Stop the turn running in a conversation (what it did so far is kept)',
    details: 'Without an id: the conversation `zeblit chat` continues in this project. Useful when the `zeblit chat` that started the turn lost its connection: the turn goes on without it.',
    examples: [
      ['The current conversation', '$0 chat cancel'],
      ['A given one', '$0 chat cancel cnv_01j…'],
    ],
  });

  project = Option.String('-p,--project', { description: 'The project (default: the current one)' });
  conversation = Option.String({ name: 'conversation_id', required: false });

  async run(): Promise<number> {
    const client = await this.client();
    const project = await client.projects.get(this.projectRef(this.project));
    const id = this.conversation ?? rememberedConversation(this.files.config, project.id);
    if (!id) throw new UsageError('No conversation given and none remembered for this project: pass its id (see `zeblit chat history`)');
    const r = await client.agents.cancel(project.id, id);
    this.emit(r, (x) => (x.cancelled ? `Cancelled the turn in ${id}.\n` : `No turn is running in ${id}.\n`));
    return 0;
  }
}
