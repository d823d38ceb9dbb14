CREATE TABLE `blobs` (
	`sha256` text PRIMARY KEY NOT NULL,
	`size` integer NOT NULL,
	`data` blob,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `file_index` (
	`project_id` text NOT NULL,
	`path` text NOT NULL,
	`size` integer NOT NULL,
	`mtime_ms` real NOT NULL,
	`ctime_ms` real NOT NULL,
	`sha256` text NOT NULL,
	`version` integer,
	PRIMARY KEY(`project_id`, `path`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `file_versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`project_id` text NOT NULL,
	`path` text NOT NULL,
	`version` integer NOT NULL,
	`action` text NOT NULL,
	`sha256` text,
	`size` integer,
	`author` text NOT NULL,
	`run_id` text,
	`origin` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `file_versions_project_id_path_version_idx` ON `file_versions` (`project_id`,`path`,`version`);--> statement-breakpoint
CREATE INDEX `file_versions_project_id_created_at_idx` ON `file_versions` (`project_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `file_versions_sha256_idx` ON `file_versions` (`sha256`);