import { TelegramConfigUpdate, TelegramConfigView } from '../../contracts/index.ts';
import type { AppDeps } from '../deps.ts';
import { router, defineRoute } from '../route.ts';

/** The Telegram bot's configuration (admin): the token goes in, never out; the state of the bot the daemon runs. */
export function telegramRoutes(deps: AppDeps) {
  const app = router();
  const { telegram } = deps;

  defineRoute(
    app,
    {
      method: 'get',
      path: '/config/telegram',
      summary: 'The Telegram bot: whether a token is set (source, last four characters), the allow-list, and the bot process the daemon runs (admin)',
      tags: ['telegram'],
      data: TelegramConfigView,
      scope: 'admin',
      role: 'admin',
    },
    () => telegram.config.view(telegram.bot()),
  );

  defineRoute(
    app,
    {
      method: 'put',
      path: '/config/telegram',
      summary: 'Change the Telegram bot configuration (admin); only the fields given change, null clears one',
      description:
        'The bot token is sealed (AES-256-GCM) before it is stored and is never returned. Setting it starts the bot (the daemon runs it as a child process); removing it stops the bot; a changed allow-list restarts it. The audit log records the request, not its body.',
      tags: ['telegram'],
      body: TelegramConfigUpdate,
      data: TelegramConfigView,
      scope: 'admin',
      role: 'admin',
    },
    (c, { body }) => {
      c.set('resource', 'config/telegram');
      telegram.config.update(body);
      return telegram.config.view(telegram.bot());
    },
  );
  return app;
}
