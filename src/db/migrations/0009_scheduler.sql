CREATE TABLE `scheduled_task_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`task_id` text NOT NULL,
	`project_id` text NOT NULL,
	`scheduled_for` integer NOT NULL,
	`trigger` text NOT NULL,
	`attempt` integer NOT NULL,
	`status` text NOT NULL,
	`reason` text,
	`due_at` integer,
	`started_at` integer,
	`finished_at` integer,
	`duration_ms` integer,
	`exit_code` integer,
	`stdout_tail` text DEFAULT '' NOT NULL,
	`stderr_tail` text DEFAULT '' NOT NULL,
	`run_id` text,
	`conversation_id` text,
	`input_tokens` integer,
	`output_tokens` integer,
	`cost_usd` real,
	`webhook_status` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`task_id`) REFERENCES `scheduled_tasks`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scheduled_task_runs_task_id_scheduled_for_attempt_idx` ON `scheduled_task_runs` (`task_id`,`scheduled_for`,`attempt`);--> statement-breakpoint
CREATE INDEX `scheduled_task_runs_task_id_created_at_idx` ON `scheduled_task_runs` (`task_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `scheduled_task_runs_status_idx` ON `scheduled_task_runs` (`status`);--> statement-breakpoint
CREATE INDEX `scheduled_task_runs_project_id_created_at_idx` ON `scheduled_task_runs` (`project_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `scheduled_tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`kind` text NOT NULL,
	`command` text,
	`agent` text,
	`prompt` text,
	`schedule` text NOT NULL,
	`timezone` text NOT NULL,
	`working_directory` text NOT NULL,
	`environment` text NOT NULL,
	`timeout_seconds` integer NOT NULL,
	`max_retries` integer NOT NULL,
	`retry_delay_seconds` integer NOT NULL,
	`concurrency` text NOT NULL,
	`catch_up` text NOT NULL,
	`starting_deadline_seconds` integer NOT NULL,
	`enabled` integer NOT NULL,
	`disabled_reason` text,
	`notify_on` text NOT NULL,
	`webhook_url` text,
	`created_by` text,
	`last_run_at` integer,
	`last_status` text,
	`next_run_at` integer,
	`run_count` integer DEFAULT 0 NOT NULL,
	`success_count` integer DEFAULT 0 NOT NULL,
	`failure_count` integer DEFAULT 0 NOT NULL,
	`missed_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`created_by`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `scheduled_tasks_project_id_name_idx` ON `scheduled_tasks` (`project_id`,`name`);--> statement-breakpoint
CREATE INDEX `scheduled_tasks_enabled_next_run_at_idx` ON `scheduled_tasks` (`enabled`,`next_run_at`);