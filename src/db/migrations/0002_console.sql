CREATE TABLE `console_entries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`seq` integer NOT NULL,
	`run_id` text,
	`source` text NOT NULL,
	`stream` text NOT NULL,
	`level` text DEFAULT 'info' NOT NULL,
	`text` text NOT NULL,
	`bytes` integer NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `console_entries_project_id_seq_idx` ON `console_entries` (`project_id`,`seq`);--> statement-breakpoint
CREATE INDEX `console_entries_project_id_run_id_seq_idx` ON `console_entries` (`project_id`,`run_id`,`seq`);--> statement-breakpoint
CREATE TABLE `detected_errors` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`fingerprint` text NOT NULL,
	`type` text NOT NULL,
	`language` text NOT NULL,
	`severity` text NOT NULL,
	`message` text NOT NULL,
	`file` text,
	`line` integer,
	`suggestion` text,
	`run_id` text,
	`raw` text NOT NULL,
	`occurrences` integer NOT NULL,
	`first_seen` integer NOT NULL,
	`last_seen` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `detected_errors_project_id_fingerprint_idx` ON `detected_errors` (`project_id`,`fingerprint`);--> statement-breakpoint
CREATE INDEX `detected_errors_project_id_last_seen_idx` ON `detected_errors` (`project_id`,`last_seen`);