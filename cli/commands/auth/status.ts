import { Command } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { describeConnection } from '../../connection.ts';
import { formatDetails } from '../../table.ts';

export class AuthStatusCommand extends ZeblitCommand {
  static override paths = [['auth', 'status']];
  static override json = 'Me: user, role, key (id, name, scopes) or the socket owner';
  static override usage = Command.Usage({
    category: 'Auth',
    description: 'Who you are, to which daemon, over which transport',
    examples: [
      ['Show who you are', '$0 auth status'],
      ['As JSON', '$0 auth status --json'],
    ],
  });

  async run(): Promise<number> {
    const conn = this.connection();
    const me = await (await this.client()).users.me();
    this.emit(me, () =>
      formatDetails([
        ['User', `${me.user.name} (${me.user.id})`],
        ['Role', me.user.role],
        ['Email', me.user.email],
        ['Auth', me.auth === 'socket' ? 'socket owner (no key needed)' : `${me.auth === 'jwt' ? 'JWT of key' : 'API key'} ${me.key_id ?? '?'}`],
        ['Client', me.client_type],
        ['Scopes', me.scopes.join(', ')],
        ['Transport', me.transport],
        ['Daemon', describeConnection(conn)],
      ]),
    );
    return 0;
  }
}
