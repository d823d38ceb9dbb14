/**
 * `zeblit telegram run`: the Telegram bot in the foreground, as a client of
 * zeblitd. zeblitd runs this same command as its child when a bot token is
 * configured in it; it then hands over the service credential
 * (ZEBLIT_BOT_SERVICE_KEY) and learns over the IPC channel when polling began.
 * Run by hand, the command mints the credential itself (socket owner or admin).
 */
import { Command, UsageError } from 'clipanion';
import { join } from 'node:path';
import { ZeblitApiError, type ClientTransport } from '../../../src/client/index.ts';
import { parseTelegramUserIds, TELEGRAM_TOKEN_PATTERN } from '../../../src/contracts/index.ts';
import { ZeblitCommand } from '../../base-command.ts';
import { CliError } from '../../cli-error.ts';
import { createZeblitBot, type RunningBot } from '../../telegram/bot.ts';

/** Exit status when Telegram refuses the token (sysexits' EX_CONFIG): the daemon does not restart a bot that exits so. */
export const EXIT_TOKEN_REFUSED = 78;

const NO_TOKEN = [
  'TELEGRAM_BOT_TOKEN is not set: the bot needs a token from Telegram.',
  'Get one: open a chat with @BotFather in Telegram, send /newbot, pick a name and a username ending in "bot"; it answers with a token like 123456789:AAE….',
  'Then either:',
  '  - run the bot here:            TELEGRAM_BOT_TOKEN=<token> zeblit telegram run',
  '  - or let zeblitd run it:       zeblit config set telegram.bot_token -   (reads the token from stdin; the daemon keeps it sealed)',
].join('\n');

const ACTIVE = new Set(['starting', 'running', 'restarting']);

export class TelegramRunCommand extends ZeblitCommand {
  static override paths = [['telegram', 'run']];
  static override json = 'nothing: it runs until stopped and logs lines to stderr';
  static override usage = Command.Usage({
    category: 'Telegram',
    description: 'Run the Telegram bot in the foreground (a client of zeblitd)',
    details: `
      Long-polls Telegram for updates and serves each linked Telegram user with that user's own Zeblit key. Stop it with Ctrl-C (SIGINT) or SIGTERM.

      Environment: \`TELEGRAM_BOT_TOKEN\` (required; from @BotFather), \`TELEGRAM_API_ROOT\` (a self-hosted Bot API server; default https://api.telegram.org), \`TELEGRAM_ALLOWED_USERS\` (Telegram user ids separated by commas; joined with \`telegram.allowed_users\` of the daemon: only they may use the bot).

      The bot redeems link tokens with a service credential that this command mints (as the socket owner or with an admin key; minting revokes the previous one). The bot's own state (who is linked, with which key, current projects) is kept in \`$ZEBLIT_HOME/telegram/state.json\` (0600).

      To have zeblitd run and supervise the bot instead, store the token in it: \`zeblit config set telegram.bot_token -\`. While it does, this command refuses to run a second bot.
    `,
    examples: [
      ['Run the bot', 'TELEGRAM_BOT_TOKEN=123456789:AAE… $0 telegram run'],
      ['Only two Telegram users may use it', 'TELEGRAM_ALLOWED_USERS=111111111,222222222 TELEGRAM_BOT_TOKEN=… $0 telegram run'],
    ],
  });

  async run(): Promise<number> {
    const env = this.env;
    const token = env.TELEGRAM_BOT_TOKEN?.trim();
    if (!token) throw new UsageError(NO_TOKEN);
    if (!TELEGRAM_TOKEN_PATTERN.test(token)) throw new UsageError('TELEGRAM_BOT_TOKEN does not look like a bot token (123456789:AAE…: digits, a colon, then 20 or more letters, digits, _ or -). Copy it again from @BotFather.');
    const allowed = parseTelegramUserIds(env.TELEGRAM_ALLOWED_USERS);
    if (allowed.bad.length > 0) throw new UsageError(`TELEGRAM_ALLOWED_USERS holds entries that are not Telegram user ids: ${allowed.bad.join(', ')}. Give numeric ids separated by commas.`);
    const apiRoot = env.TELEGRAM_API_ROOT?.trim() || undefined;
    if (apiRoot && !/^https?:\/\/[^\s]+$/i.test(apiRoot)) throw new UsageError(`TELEGRAM_API_ROOT must be an http:// or https:// URL, got "${apiRoot}"`);

    const client = await this.client();
    const supervisedKey = env.ZEBLIT_BOT_SERVICE_KEY?.trim();
    let serviceKey: string;
    let allowList = allowed.ids;
    if (supervisedKey) serviceKey = supervisedKey;
    else {
      const health = await client.health();
      const bot = health.telegram_bot;
      if (bot && ACTIVE.has(bot.state))
        throw new CliError('TELEGRAM_BOT_RUNNING', `zeblitd already runs the Telegram bot (${bot.state}${bot.pid ? `, pid ${bot.pid}` : ''}${bot.username ? `, @${bot.username}` : ''})`, {
          suggestion: 'Two bots with one token take each other\'s updates. Stop the daemon\'s with `zeblit config unset telegram.bot_token`, or leave it running.',
        });
      try {
        const config = await client.telegram.config();
        allowList = [...new Set([...allowList, ...config.allowed_users, ...config.env_allowed_users])];
        serviceKey = (await client.auth.telegramServiceCredential()).key;
      } catch (e) {
        if (e instanceof ZeblitApiError && e.code === 'FORBIDDEN')
          throw new CliError('FORBIDDEN', `The bot needs an admin to start it: ${e.message}`, {
            suggestion: "Run it as the daemon's owner (on its socket) or with an admin key; or store the token in the daemon (`zeblit config set telegram.bot_token -`) and it runs the bot.",
          });
        throw e;
      }
    }

    // The bot adds each linked user's own key per request; the connection itself carries none.
    const { token: _own, ...daemon } = this.connection().transport;
    const statePath = join(this.files.telegram, 'state.json');
    const log = (level: 'info' | 'warn' | 'error', message: string, extra?: Record<string, unknown>) =>
      this.err(`${new Date().toISOString()} ${level} ${message}${extra ? ` ${JSON.stringify(extra)}` : ''}\n`);
    const running = createZeblitBot({ token, ...(apiRoot ? { apiRoot } : {}), daemon: daemon as ClientTransport, serviceKey, statePath, allowList, log });
    return this.serve(running, log);
  }

  /** Until a signal or Telegram ends it. */
  private async serve(running: RunningBot, log: (level: 'info' | 'warn' | 'error', message: string) => void): Promise<number> {
    let stopping = false;
    const stop = (why: string) => {
      if (stopping) return;
      stopping = true;
      log('info', `${why}: stopping`);
      void running.stop();
    };
    const onSigint = () => stop('SIGINT');
    const onSigterm = () => stop('SIGTERM');
    // Supervised: the IPC channel closes when zeblitd is gone (even killed with -9); a bot of a dead daemon must not linger.
    const onDisconnect = () => stop('zeblitd is gone');
    process.once('SIGINT', onSigint);
    process.once('SIGTERM', onSigterm);
    if (process.send) process.once('disconnect', onDisconnect);
    try {
      await running.ready;
      if (stopping) return 0;
      const username = running.bot.botInfo.username;
      log('info', `the bot @${username} is ready${running.env.opts.allowList?.length ? ` (only for ${running.env.opts.allowList.length} allowed Telegram user(s))` : ''}`);
      // Supervised by zeblitd: tell it polling began. The channel must not keep this process alive once the bot stops.
      process.send?.({ type: 'telegram.ready', username });
      process.channel?.unref();
      await running.done;
      return 0;
    } catch (e) {
      await running.stop();
      const status = (e as { error_code?: number }).error_code;
      const message = e instanceof Error ? e.message : String(e);
      if (status === 401 || status === 404)
        throw new CliError('TELEGRAM_TOKEN_REFUSED', `Telegram refused the bot token: ${message}`, {
          suggestion: 'Check it with @BotFather (/mybots → API Token) and set it again.',
          exitCode: EXIT_TOKEN_REFUSED,
        });
      if (status === 409)
        throw new CliError('TELEGRAM_CONFLICT', `Telegram says another program is using this bot: ${message}`, {
          suggestion: 'Only one program may poll a bot token at a time: stop the other one (or remove its webhook).',
        });
      throw new CliError('TELEGRAM_UNAVAILABLE', `The bot stopped: ${message}`);
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
      process.off('disconnect', onDisconnect);
    }
  }
}
