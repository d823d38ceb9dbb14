CREATE TABLE `checkpoints` (
	`id` text PRIMARY KEY NOT NULL,
	`project_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`agent` text NOT NULL,
	`kind` text NOT NULL,
	`request` text NOT NULL,
	`status` text,
	`runs` text NOT NULL,
	`files` text NOT NULL,
	`commit` text,
	`commit_note` text,
	`undone_at` integer,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `checkpoints_project_id_started_at_idx` ON `checkpoints` (`project_id`,`started_at`);--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_file_index` (
	`project_id` text NOT NULL,
	`path` text NOT NULL,
	`size` integer NOT NULL,
	`mtime_ms` real NOT NULL,
	`ctime_ms` real NOT NULL,
	`sha256` text,
	`version` integer,
	PRIMARY KEY(`project_id`, `path`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_file_index`("project_id", "path", "size", "mtime_ms", "ctime_ms", "sha256", "version") SELECT "project_id", "path", "size", "mtime_ms", "ctime_ms", "sha256", "version" FROM `file_index`;--> statement-breakpoint
DROP TABLE `file_index`;--> statement-breakpoint
ALTER TABLE `__new_file_index` RENAME TO `file_index`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `file_versions` ADD `turn_id` text;--> statement-breakpoint
CREATE INDEX `file_versions_project_id_turn_id_idx` ON `file_versions` (`project_id`,`turn_id`);--> statement-breakpoint
CREATE INDEX `file_versions_project_id_run_id_idx` ON `file_versions` (`project_id`,`run_id`);--> statement-breakpoint
ALTER TABLE `projects` ADD `path` text;--> statement-breakpoint
CREATE UNIQUE INDEX `projects_path_idx` ON `projects` (`path`);