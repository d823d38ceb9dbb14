import { Command, Option, UsageError } from 'clipanion';
import * as t from 'typanion';
import { CLIENT_TYPES, SCOPES, type Scope } from '../../../src/contracts/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';
import { isInt } from '../../validators.ts';

/** `read,write` → ['read', 'write']; unknown names are a usage error. */
export function parseScopes(input: string): Scope[] {
  const names = input.split(/[,\s]+/).filter(Boolean);
  if (names.length === 0) throw new UsageError('--scopes needs at least one of: read, write, admin');
  const bad = names.filter((n) => !(SCOPES as readonly string[]).includes(n));
  if (bad.length) throw new UsageError(`Unknown scope${bad.length > 1 ? 's' : ''} ${bad.join(', ')}: use read, write, admin`);
  return [...new Set(names as Scope[])];
}

export class AuthCreateKeyCommand extends ZeblitCommand {
  static override paths = [['auth', 'create-key']];
  static override json = 'CreatedKey: ApiKeyInfo and `key`, shown this once';
  static override usage = Command.Usage({
    category: 'Auth',
    description: 'Create an API key (shown once)',
    details: `
      One key per client is the idea: your editor, the Telegram bot, a script. The key is printed once, on stdout; store it then. Scopes: \`read\`, \`write\` (default both) and \`admin\`; a key cannot get scopes its creator lacks.
    `,
    examples: [
      ['A key for this CLI on another machine', '$0 auth create-key laptop'],
      ['A read-only key for an editor, valid 30 days', '$0 auth create-key vscode --client editor --scopes read --expires-days 30'],
    ],
  });

  name = Option.String({ name: 'name' });
  clientType = Option.String('--client', { description: 'cli, telegram, editor, web, openai or other (default cli): a label for logs and the audit, it grants nothing', validator: t.isEnum(CLIENT_TYPES) });
  scopes = Option.String('--scopes', { description: 'Comma-separated: read,write,admin (default read,write)' });
  expiresDays = Option.String('--expires-days', { description: 'Expire after N days (default never)', validator: isInt(1, 3650) });
  project = Option.String('-p,--project', { description: 'Default project (id or name) of the OpenAI-compatible agent models, when a request names none' });

  async run(): Promise<number> {
    const scopes = this.scopes === undefined ? undefined : parseScopes(this.scopes);
    const key = await (await this.client()).auth.createKey({
      name: this.name,
      client_type: this.clientType,
      ...(scopes ? { scopes } : {}),
      ...(this.expiresDays ? { expires_in_days: this.expiresDays } : {}),
      ...(this.project ? { project: this.project } : {}),
    });
    this.emit(key, () => {
      const expiry = key.expires_at ? `expires ${formatTime(key.expires_at)}` : 'never expires';
      this.err(`Created key ${key.id} "${key.name}" (${key.client_type}; ${key.scopes.join(', ')}; ${expiry}).\n`);
      this.err('Store it now: it is shown only this once.\n');
      return `${key.key}\n`;
    });
    if (this.json) this.err('Store the key now: it is shown only this once.\n');
    return 0;
  }
}
