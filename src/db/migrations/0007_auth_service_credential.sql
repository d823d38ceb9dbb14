ALTER TABLE `api_keys` ADD `service` text;--> statement-breakpoint
ALTER TABLE `telegram_link_tokens` ADD `scopes` text;--> statement-breakpoint
ALTER TABLE `telegram_link_tokens` ADD `not_after` integer;