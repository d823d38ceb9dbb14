import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';
import { formatTable } from '../../table.ts';

export class AuthKeysCommand extends ZeblitCommand {
  static override paths = [['auth', 'keys']];
  static override json = 'ApiKeyInfo[] (never the key itself)';
  static override usage = Command.Usage({
    category: 'Auth',
    description: 'List your API keys',
    details: 'Secrets are never shown again after creation; the prefix is enough to recognise a key.',
    examples: [
      ['Your active keys', '$0 auth keys'],
      ['Revoked ones too', '$0 auth keys --all'],
    ],
  });

  all = Option.Boolean('-a,--all', false, { description: 'Include revoked keys' });

  async run(): Promise<number> {
    const keys = await (await this.client()).auth.listKeys({ includeRevoked: this.all });
    this.emit(keys, () => {
      if (keys.length === 0) return 'No API keys. Create one with `zeblit auth create-key <name>`.\n';
      const rows = keys.map((k) => [
        k.id,
        k.name,
        k.client_type,
        k.scopes.join(','),
        `${k.prefix}…`,
        formatTime(k.created_at),
        formatTime(k.expires_at),
        formatTime(k.last_used_at),
        ...(this.all ? [formatTime(k.revoked_at)] : []),
      ]);
      return formatTable(['id', 'name', 'client', 'scopes', 'prefix', 'created', 'expires', 'last used', ...(this.all ? ['revoked'] : [])], rows);
    });
    return 0;
  }
}
