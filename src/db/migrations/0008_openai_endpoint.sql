CREATE TABLE `chat_threads` (
	`fingerprint` text PRIMARY KEY NOT NULL,
	`conversation_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`conversation_id`) REFERENCES `conversations`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `chat_threads_conversation_id_idx` ON `chat_threads` (`conversation_id`);--> statement-breakpoint
ALTER TABLE `api_keys` ADD `project_id` text;--> statement-breakpoint
ALTER TABLE `llm_calls` ADD `key_id` text;--> statement-breakpoint
ALTER TABLE `llm_calls` ADD `client_type` text;