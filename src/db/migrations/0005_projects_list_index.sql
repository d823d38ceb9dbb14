DROP INDEX `projects_owner_id_updated_at_idx`;--> statement-breakpoint
CREATE INDEX `projects_owner_id_created_at_idx` ON `projects` (`owner_id`,`created_at`);