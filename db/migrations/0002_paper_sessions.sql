CREATE TABLE `journal` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`kind` text NOT NULL,
	`ts` integer NOT NULL,
	`wall_ts` integer NOT NULL,
	`payload` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `journal_run_seq` ON `journal` (`run_id`,`seq`);--> statement-breakpoint
CREATE TABLE `operator_commands` (
	`id` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`kind` text NOT NULL,
	`flatten` integer DEFAULT false NOT NULL,
	`reason` text NOT NULL,
	`issued_at` integer NOT NULL,
	`journal_seq` integer
);
--> statement-breakpoint
ALTER TABLE `runs` ADD `heartbeat_at` integer;