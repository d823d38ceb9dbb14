import { Command } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';
import { formatTable } from '../../table.ts';

export class UsersListCommand extends ZeblitCommand {
  static override paths = [['users', 'list'], ['users', 'ls']];
  static override json = 'User[]';
  static override usage = Command.Usage({
    category: 'Users',
    description: 'List users (admin)',
    examples: [['All users', '$0 users list']],
  });

  async run(): Promise<number> {
    const users = await (await this.client()).users.list();
    this.emit(users, () => formatTable(['id', 'name', 'role', 'email', 'created'], users.map((u) => [u.id, u.name, u.role, u.email, formatTime(u.created_at)])));
    return 0;
  }
}
