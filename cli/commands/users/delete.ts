import { Command, Option, UsageError } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { confirm, isInteractive } from '../../prompt.ts';

export class UsersDeleteCommand extends ZeblitCommand {
  static override paths = [['users', 'delete'], ['users', 'rm']];
  static override json = 'User (as it was)';
  static override usage = Command.Usage({
    category: 'Users',
    description: 'Delete a user with their keys and projects (admin)',
    details: 'Asks for confirmation on a terminal; without one it refuses unless `--force` is given.',
    examples: [['Delete a user', '$0 users delete usr_01jabc… --force']],
  });

  id = Option.String({ name: 'user-id' });
  force = Option.Boolean('-f,--force', false, { description: 'Do not ask for confirmation' });

  async run(): Promise<number> {
    if (!this.force) {
      if (!isInteractive(this.context.stdin)) throw new UsageError(`Refusing to delete user ${this.id} without --force when stdin is not a terminal`);
      if (!(await confirm(`Delete user ${this.id} with all their keys and projects? This cannot be undone.`, this.context.stdin, this.context.stderr))) {
        this.err('Cancelled.\n');
        return 1;
      }
    }
    const user = await (await this.client()).users.delete(this.id);
    this.emit(user, (u) => `Deleted user ${u.name} (${u.id}).\n`);
    return 0;
  }
}
