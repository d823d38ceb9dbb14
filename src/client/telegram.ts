import type { TelegramConfigUpdate, TelegramConfigView } from '../contracts/index.ts';
import type { Requester } from './requester.ts';

/** /api/v1/config/telegram (admin): the bot token goes in through `update`; nothing here ever returns it. */
export class TelegramApi {
  constructor(private readonly r: Requester) {}

  config(): Promise<TelegramConfigView> {
    return this.r.request('GET', '/config/telegram');
  }

  update(body: TelegramConfigUpdate): Promise<TelegramConfigView> {
    return this.r.request('PUT', '/config/telegram', { json: body });
  }
}
