import { Command, Option } from 'clipanion';
import { ZeblitCommand } from '../base-command.ts';
import { containerDetails } from '../container-view.ts';
import { describeBot } from '../format.ts';

export class StatusCommand extends ZeblitCommand {
  static override paths = [['status']];
  static override usage = Command.Usage({
    category: 'Containers',
    description: 'The project and its container: state, image, limits, health, ports, why it stopped (and the Telegram bot zeblitd runs, if any)',
    examples: [
      ['The current project', '$0 status'],
      ['As JSON', '$0 status my-api --json'],
    ],
  });

  project = Option.String({ name: 'project', required: false });

  async run(): Promise<number> {
    const client = await this.client();
    const project = await client.projects.get(this.projectRef(this.project));
    const [container, health] = await Promise.all([client.containers.status(project.id), client.health()]);
    // The Telegram bot zeblitd runs, when one is configured (the daemon tells only its owner and admins).
    const bot = health.telegram_bot && health.telegram_bot.state !== 'not_configured' ? health.telegram_bot : null;
    this.emit({ project, container, telegram_bot: bot }, ({ project: p, container: c }) => `${containerDetails(c, p)}${bot ? `\nTelegram bot: ${describeBot(bot)}\n` : ''}`);
    return 0;
  }
}
