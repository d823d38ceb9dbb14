import { Command, Option, UsageError } from 'clipanion';
import { VERSION } from '../../../src/contracts/version.ts';
import { ZeblitClient, type ClientTransport } from '../../../src/client/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { hostKey, parseHostOrFail } from '../../connection.ts';
import { removeCredentials, writeCredentials } from '../../credentials.ts';
import { isInteractive, readAll, readSecret } from '../../prompt.ts';
import { describeMe } from '../../describe-me.ts';

export class AuthLoginCommand extends ZeblitCommand {
  static override paths = [['auth', 'login']];
  static override json = 'Me: the user and key the daemon sees';
  static override usage = Command.Usage({
    category: 'Auth',
    description: 'Choose the daemon to use and the API key to use it with',
    details: `
      With \`--host\`, the CLI talks to that daemon over TCP with the API key (asked for on a terminal when not given; \`--api-key -\` reads it from stdin). Without \`--host\` it uses the local daemon's socket: as the owner, or as the user of \`--api-key\`.

      The key is checked (GET /users/me) before anything is saved. The host goes to \`$ZEBLIT_HOME/config.json\`, the key to \`$ZEBLIT_HOME/credentials.json\` (mode 0600). \`ZEBLIT_HOST\` and \`ZEBLIT_API_KEY\` in the environment still take precedence.
    `,
    examples: [
      ['Use a daemon over TCP', '$0 auth login --host http://127.0.0.1:7823 --api-key zbl_…'],
      ['Read the key from stdin', 'echo "$KEY" | $0 auth login --host http://127.0.0.1:7823 --api-key -'],
      ['Go back to the local socket as the owner', '$0 auth login'],
    ],
  });

  host = Option.String('--host', { description: 'Daemon URL, e.g. http://127.0.0.1:7823 (default: the local socket)' });
  apiKey = Option.String('--api-key', { description: 'API key (zbl_…); "-" reads it from stdin' });

  private async key(tcp: boolean): Promise<string | undefined> {
    if (this.apiKey === '-') {
      const key = (await readAll(this.context.stdin)).trim();
      if (!key) throw new UsageError('--api-key - read nothing from stdin');
      return key;
    }
    if (this.apiKey !== undefined) {
      if (!this.apiKey.trim()) throw new UsageError('--api-key is empty');
      return this.apiKey.trim();
    }
    if (!tcp) return undefined;
    const fromEnv = this.env.ZEBLIT_API_KEY?.trim();
    if (fromEnv) return fromEnv;
    if (!isInteractive(this.context.stdin))
      throw new UsageError('A TCP host needs an API key: pass --api-key <key>, or --api-key - to read it from stdin');
    const key = await readSecret('API key: ', this.context.stdin, this.context.stderr);
    if (!key) throw new UsageError('No API key given');
    return key;
  }

  async run(): Promise<number> {
    const target: ClientTransport = this.host ? parseHostOrFail(this.host, '--host') : { kind: 'unix', socketPath: this.files.socket };
    const local = target.kind === 'unix' && target.socketPath === this.files.socket;
    const key = await this.key(target.kind === 'tcp');
    if (local) await this.ensureLocalDaemon();
    const client = new ZeblitClient({ transport: key ? { ...target, token: key } : target, userAgent: `zeblit-cli/${VERSION}` });
    const me = await client.users.me();

    const host = local ? null : hostKey(target);
    this.updateConfig({ host });
    if (key) writeCredentials(this.files.cliCredentials, { api_key: key, host, saved_at: Date.now() });
    else removeCredentials(this.files.cliCredentials);

    if (this.env.ZEBLIT_HOST?.trim()) this.err('Note: ZEBLIT_HOST is set in the environment and takes precedence over the saved host.\n');
    this.emit(me, () => `Logged in to ${local ? `the local daemon (${this.files.socket})` : host} as ${describeMe(me)}\n`);
    return 0;
  }
}
