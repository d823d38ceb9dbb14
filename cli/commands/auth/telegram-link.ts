import { Command } from 'clipanion';
import { ZeblitCommand } from '../../base-command.ts';
import { formatTime } from '../../format.ts';

export class AuthTelegramLinkCommand extends ZeblitCommand {
  static override paths = [['auth', 'telegram-link']];
  static override json = 'TelegramLinkToken: `{token, expires_at, instructions}`';
  static override usage = Command.Usage({
    category: 'Auth',
    description: 'Get a one-time token to link your Telegram account',
    details: 'The token is valid for 10 minutes and works once. Send it to the Zeblit bot as the instructions say.',
    examples: [['Link Telegram', '$0 auth telegram-link']],
  });

  async run(): Promise<number> {
    const link = await (await this.client()).auth.telegramLinkToken();
    this.emit(link, () => `Link token: ${link.token}\nValid until ${formatTime(link.expires_at)}, once.\n\n${link.instructions.trimEnd()}\n`);
    return 0;
  }
}
