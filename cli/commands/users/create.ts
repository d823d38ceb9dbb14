import { Command, Option } from 'clipanion';
import * as t from 'typanion';
import { ZeblitCommand } from '../../base-command.ts';

export class UsersCreateCommand extends ZeblitCommand {
  static override paths = [['users', 'create']];
  static override json = 'CreatedUser: `{user, api_key}`';
  static override usage = Command.Usage({
    category: 'Users',
    description: 'Create a user (admin); prints their first API key once',
    details: 'Give the key to the new user: with it they can `zeblit auth login --host … --api-key …` at once. It is shown only this once.',
    examples: [
      ['A user', '$0 users create bob'],
      ['An admin with an email', '$0 users create alice --email alice@example.com --role admin'],
    ],
  });

  name = Option.String({ name: 'name' });
  email = Option.String('--email', { description: 'Their email address' });
  role = Option.String('--role', { description: 'user (default) or admin', validator: t.isEnum(['user', 'admin'] as const) });

  async run(): Promise<number> {
    const created = await (await this.client()).users.create({
      name: this.name,
      ...(this.email ? { email: this.email } : {}),
      ...(this.role ? { role: this.role } : {}),
    });
    this.emit(created, ({ user, api_key }) => {
      this.err(`Created user ${user.name} (${user.id}, ${user.role}) with a first API key ${api_key.id}.\n`);
      this.err('Store the key now and hand it over safely: it is shown only this once.\n');
      return `${api_key.key}\n`;
    });
    if (this.json) this.err('Store the key now: it is shown only this once.\n');
    return 0;
  }
}
