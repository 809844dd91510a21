CREATE TABLE `alert_deliveries` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`alert_key` text NOT NULL,
	`alert_bar_ts` integer NOT NULL,
	`sink` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`detail` text DEFAULT '' NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_deliveries_alert_sink` ON `alert_deliveries` (`run_id`,`alert_key`,`alert_bar_ts`,`sink`);--> statement-breakpoint
CREATE TABLE `alerts` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`key` text NOT NULL,
	`level` text NOT NULL,
	`title` text NOT NULL,
	`body` text NOT NULL,
	`bar_ts` integer NOT NULL,
	`wall_ts` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alerts_run_level` ON `alerts` (`run_id`,`level`);--> statement-breakpoint
CREATE INDEX `alerts_run_ts` ON `alerts` (`run_id`,`bar_ts`);