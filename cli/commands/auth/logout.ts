import { Command } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { removeCredentials } from '../../credentials.ts';

export class AuthLogoutCommand extends ZeblitCommand {
  static override paths = [['auth', 'logout']];
  static override json = '`{removed_key, removed_host}`: what was forgotten';
  static override usage = Command.Usage({
    category: 'Auth',
    description: 'Forget the saved host and API key',
    details: `
      Removes \`$ZEBLIT_HOME/credentials.json\` and the \`host\` of \`config.json\`; the CLI then uses the local daemon's socket again. The key itself stays valid: revoke it with \`zeblit auth revoke-key\` if you no longer need it.
    `,
    examples: [['Log out', '$0 auth logout']],
  });

  async run(): Promise<number> {
    const hadKey = removeCredentials(this.files.cliCredentials);
    const hadHost = this.config().host !== undefined;
    if (hadHost) this.updateConfig({ host: null });
    const result = { removed_key: hadKey, removed_host: hadHost };
    this.emit(result, () =>
      hadKey || hadHost ? 'Logged out: the CLI now uses the local daemon socket.\n' : 'Nothing to forget: no host or key was saved.\n',
    );
    if (this.env.ZEBLIT_HOST?.trim() || this.env.ZEBLIT_API_KEY?.trim()) this.err('Note: ZEBLIT_HOST / ZEBLIT_API_KEY are still set in the environment.\n');
    return 0;
  }
}
