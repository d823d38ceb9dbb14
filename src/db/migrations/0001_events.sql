CREATE TABLE `events` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`topic` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_project_id_seq_idx` ON `events` (`project_id`,`seq`);--> statement-breakpoint
CREATE INDEX `events_project_id_topic_seq_idx` ON `events` (`project_id`,`topic`,`seq`);