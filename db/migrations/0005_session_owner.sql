ALTER TABLE `runs` ADD `owner_pid` integer;--> statement-breakpoint
ALTER TABLE `runs` ADD `owner_host` text;--> statement-breakpoint
ALTER TABLE `runs` ADD `owner_start` text;