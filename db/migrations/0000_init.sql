CREATE TABLE `candles` (
	`exchange` text NOT NULL,
	`symbol` text NOT NULL,
	`timeframe` text NOT NULL,
	`ts` integer NOT NULL,
	`close_ts` integer NOT NULL,
	`open` real NOT NULL,
	`high` real NOT NULL,
	`low` real NOT NULL,
	`close` real NOT NULL,
	`volume` real NOT NULL,
	PRIMARY KEY(`exchange`, `symbol`, `timeframe`, `ts`)
);
--> statement-breakpoint
CREATE TABLE `equity_snapshots` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`ts` integer NOT NULL,
	`cash` real NOT NULL,
	`positions_value` real NOT NULL,
	`equity` real NOT NULL,
	`gross_exposure` real NOT NULL,
	`realized_pnl` real NOT NULL,
	`unrealized_pnl` real NOT NULL,
	`fees` real NOT NULL
);
--> statement-breakpoint
CREATE INDEX `equity_snapshots_run_ts` ON `equity_snapshots` (`run_id`,`ts`);--> statement-breakpoint
CREATE TABLE `fills` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`fill_id` text NOT NULL,
	`client_order_id` text NOT NULL,
	`ts` integer NOT NULL,
	`symbol` text NOT NULL,
	`side` text NOT NULL,
	`qty` real NOT NULL,
	`price` real NOT NULL,
	`fee` real NOT NULL,
	`slippage` real NOT NULL,
	`purpose` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `fills_run_ts` ON `fills` (`run_id`,`ts`);--> statement-breakpoint
CREATE TABLE `instruments` (
	`exchange` text NOT NULL,
	`symbol` text NOT NULL,
	`kind` text NOT NULL,
	`price_basis` text NOT NULL,
	`source` text NOT NULL,
	PRIMARY KEY(`exchange`, `symbol`)
);
--> statement-breakpoint
CREATE TABLE `order_updates` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`client_order_id` text NOT NULL,
	`ts` integer NOT NULL,
	`symbol` text NOT NULL,
	`status` text NOT NULL,
	`reason` text
);
--> statement-breakpoint
CREATE INDEX `order_updates_run_ts` ON `order_updates` (`run_id`,`ts`);--> statement-breakpoint
CREATE TABLE `orders` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`client_order_id` text NOT NULL,
	`signal_id` text NOT NULL,
	`ts` integer NOT NULL,
	`symbol` text NOT NULL,
	`side` text NOT NULL,
	`order_type` text NOT NULL,
	`qty` real NOT NULL,
	`price` real,
	`reference_price` real NOT NULL,
	`purpose` text NOT NULL,
	`reduce_only` integer NOT NULL,
	`stop_loss` real,
	`take_profit` real,
	`parent_id` text
);
--> statement-breakpoint
CREATE INDEX `orders_run_ts` ON `orders` (`run_id`,`ts`);--> statement-breakpoint
CREATE TABLE `positions` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`ts` integer NOT NULL,
	`symbol` text NOT NULL,
	`qty` real NOT NULL,
	`avg_price` real NOT NULL,
	`last_price` real NOT NULL,
	`realized_pnl` real NOT NULL,
	`unrealized_pnl` real NOT NULL
);
--> statement-breakpoint
CREATE INDEX `positions_run_ts` ON `positions` (`run_id`,`ts`);--> statement-breakpoint
CREATE TABLE `risk_decisions` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`signal_id` text NOT NULL,
	`ts` integer NOT NULL,
	`symbol` text NOT NULL,
	`approved` integer NOT NULL,
	`qty` real,
	`limited_by` text,
	`layer` text,
	`rule` text,
	`reason` text
);
--> statement-breakpoint
CREATE INDEX `risk_decisions_run_ts` ON `risk_decisions` (`run_id`,`ts`);--> statement-breakpoint
CREATE TABLE `risk_events` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`ts` integer NOT NULL,
	`kind` text NOT NULL,
	`level` text NOT NULL,
	`state` text NOT NULL,
	`reason` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `risk_events_run_ts` ON `risk_events` (`run_id`,`ts`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` text PRIMARY KEY NOT NULL,
	`mode` text NOT NULL,
	`strategy` text NOT NULL,
	`symbols` text NOT NULL,
	`timeframe` text NOT NULL,
	`from_ts` integer,
	`to_ts` integer,
	`starting_capital` real NOT NULL,
	`status` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`config` text NOT NULL,
	`summary` text,
	`db_path` text,
	`report_path` text
);
--> statement-breakpoint
CREATE TABLE `signals` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`id` text NOT NULL,
	`ts` integer NOT NULL,
	`strategy` text NOT NULL,
	`symbol` text NOT NULL,
	`action` text NOT NULL,
	`confidence` real NOT NULL,
	`price` real NOT NULL,
	`stop_loss` real,
	`take_profit` real,
	`reason` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `signals_run_ts` ON `signals` (`run_id`,`ts`);--> statement-breakpoint
CREATE TABLE `state_transitions` (
	`seq` integer PRIMARY KEY NOT NULL,
	`run_id` text NOT NULL,
	`ts` integer NOT NULL,
	`actor` text NOT NULL,
	`from_state` text NOT NULL,
	`to_state` text NOT NULL,
	`event` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `state_transitions_run_ts` ON `state_transitions` (`run_id`,`ts`);