CREATE TABLE `sweep_results` (
	`seq` integer PRIMARY KEY NOT NULL,
	`sweep_id` text NOT NULL,
	`combination` integer NOT NULL,
	`phase` text NOT NULL,
	`window` integer,
	`from_ts` integer,
	`to_ts` integer,
	`params` text NOT NULL,
	`metric` real,
	`summary` text NOT NULL,
	`run_id` text
);
--> statement-breakpoint
CREATE INDEX `sweep_results_sweep` ON `sweep_results` (`sweep_id`,`phase`,`window`);--> statement-breakpoint
CREATE TABLE `sweeps` (
	`id` text PRIMARY KEY NOT NULL,
	`strategy` text NOT NULL,
	`symbols` text NOT NULL,
	`timeframe` text NOT NULL,
	`from_ts` integer,
	`to_ts` integer,
	`grid` text NOT NULL,
	`metric` text NOT NULL,
	`walk_forward` text,
	`workers` integer NOT NULL,
	`combinations` integer NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`config` text NOT NULL,
	`summary` text,
	`report_path` text
);
