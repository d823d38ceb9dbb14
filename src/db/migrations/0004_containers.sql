CREATE TABLE `containers` (
	`project_id` text PRIMARY KEY NOT NULL,
	`container_id` text,
	`name` text NOT NULL,
	`image` text,
	`state` text NOT NULL,
	`config_hash` text,
	`health` text DEFAULT 'unknown' NOT NULL,
	`ports` text DEFAULT '[]' NOT NULL,
	`exit_code` integer,
	`oom_killed` integer DEFAULT false NOT NULL,
	`exit_reason` text,
	`exited_at` integer,
	`started_at` integer,
	`last_active_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`user_id` text,
	`key_id` text,
	`client_type` text,
	`command` text NOT NULL,
	`argv` text NOT NULL,
	`cwd` text NOT NULL,
	`status` text NOT NULL,
	`channel` text NOT NULL,
	`detached` integer DEFAULT false NOT NULL,
	`exit_code` integer,
	`timed_out` integer DEFAULT false NOT NULL,
	`oom_killed` integer DEFAULT false NOT NULL,
	`error` text,
	`stdout_tail` text DEFAULT '' NOT NULL,
	`stderr_tail` text DEFAULT '' NOT NULL,
	`stdout_bytes` integer DEFAULT 0 NOT NULL,
	`stderr_bytes` integer DEFAULT 0 NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`duration_ms` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `runs_project_id_started_at_idx` ON `runs` (`project_id`,`started_at`);--> statement-breakpoint
CREATE INDEX `runs_status_idx` ON `runs` (`status`);