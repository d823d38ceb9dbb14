/** The Telegram bot's side in the daemon: its configuration (token sealed, allow-list). The bot itself is a client program (cli/telegram/). */
export { TelegramConfigStore, type ResolvedTelegramConfig, type TelegramConfigOptions } from './config.ts';
