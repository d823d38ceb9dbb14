import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';

export class AuthRevokeKeyCommand extends ZeblitCommand {
  static override paths = [['auth', 'revoke-key']];
  static override json = 'ApiKeyInfo of the revoked key';
  static override usage = Command.Usage({
    category: 'Auth',
    description: 'Revoke an API key; it fails from its next request on',
    examples: [['Revoke a key', '$0 auth revoke-key key_01jabc…']],
  });

  id = Option.String({ name: 'key-id' });

  async run(): Promise<number> {
    const key = await (await this.client()).auth.revokeKey(this.id);
    this.emit(key, () => `Revoked key ${key.id} "${key.name}".\n`);
    return 0;
  }
}
