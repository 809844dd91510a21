// One schema for every QuantSage database: the market-data DB (data/quantsage.db) and each run DB
// (data/backtests/<run-id>.db, data/paper_trading.db, ...). Every event table is append-only and keyed by run.
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const instruments = sqliteTable(
  'instruments',
  {
    exchange: text('exchange').notNull(),
    symbol: text('symbol').notNull(),
    kind: text('kind', { enum: ['crypto', 'stock'] }).notNull(),
    /** `raw` as traded, or `adjusted` for splits and dividends (e.g. Yahoo Adj Close). */
    priceBasis: text('price_basis', { enum: ['raw', 'adjusted'] }).notNull(),
    source: text('source').notNull(),
  },
  (t) => [primaryKey({ columns: [t.exchange, t.symbol] })],
);

export const candles = sqliteTable(
  'candles',
  {
    exchange: text('exchange').notNull(),
    symbol: text('symbol').notNull(),
    timeframe: text('timeframe').notNull(),
    ts: integer('ts').notNull(),
    closeTs: integer('close_ts').notNull(),
    open: real('open').notNull(),
    high: real('high').notNull(),
    low: real('low').notNull(),
    close: real('close').notNull(),
    volume: real('volume').notNull(),
  },
  (t) => [primaryKey({ columns: [t.exchange, t.symbol, t.timeframe, t.ts] })],
);

export const runs = sqliteTable('runs', {
  id: text('id').primaryKey(),
  mode: text('mode', { enum: ['backtest', 'paper', 'live'] }).notNull(),
  strategy: text('strategy').notNull(),
  symbols: text('symbols', { mode: 'json' }).$type<string[]>().notNull(),
  timeframe: text('timeframe').notNull(),
  fromTs: integer('from_ts'),
  toTs: integer('to_ts'),
  startingCapital: real('starting_capital').notNull(),
  /** `stopped`: a paper/live session ended by the operator (SIGINT/SIGTERM); running its command again resumes it. */
  status: text('status', { enum: ['running', 'finished', 'failed', 'stopped'] }).notNull(),
  startedAt: integer('started_at').notNull(),
  finishedAt: integer('finished_at'),
  /** The resolved configuration the run used (strategy, risk, costs, markets). */
  config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>(),
  /** Where the run's own event DB and report live, when they are not this file. */
  dbPath: text('db_path'),
  reportPath: text('report_path'),
  /** Paper/live sessions: wall time of the last sign of life (every second while running). */
  heartbeatAt: integer('heartbeat_at'),
  /**
   * Paper/live sessions: the process running the session (claimed atomically when it starts or resumes, cleared
   * when it stops), so a second process refuses to run it and a SIGKILLed owner never blocks the restart.
   * `owner_start` tells a reused PID from the owner: the boot id and the process's start time.
   */
  ownerPid: integer('owner_pid'),
  ownerHost: text('owner_host'),
  ownerStart: text('owner_start'),
});

/**
 * A paper/live session's record of everything that came from outside — warm-up candles, closed bars, operator
 * commands, feed-health changes — written before the pipeline acts on it. Everything else in the run's tables
 * is derived from it: restarts and `bun run replay` feed it through a fresh pipeline.
 */
export const journal = sqliteTable(
  'journal',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    /** `sent`: an order about to go to the venue (live); `venue`: what the venue reported about one of ours. */
    kind: text('kind', { enum: ['warmup', 'bars', 'command', 'feed', 'end', 'sent', 'venue', 'reconcile', 'adopt'] }).notNull(),
    /** Session clock: the close time of the entry's bars, or of the last bar before a command. */
    ts: integer('ts').notNull(),
    /** Wall time the entry was written (ms UTC); informational, never read by the pipeline. */
    wallTs: integer('wall_ts').notNull(),
    payload: text('payload', { mode: 'json' }).$type<unknown>().notNull(),
  },
  (t) => [index('journal_run_seq').on(t.runId, t.seq)],
);

/** Operator commands (kill switch, resume, drawdown reset) waiting for the running session to take them. */
export const operatorCommands = sqliteTable('operator_commands', {
  id: integer('id').primaryKey(),
  runId: text('run_id').notNull(),
  kind: text('kind', { enum: ['halt', 'resume', 'reset'] }).notNull(),
  flatten: integer('flatten', { mode: 'boolean' }).notNull().default(false),
  reason: text('reason').notNull(),
  issuedAt: integer('issued_at').notNull(),
  /** The journal entry the session wrote when it took the command; null while waiting. */
  journalSeq: integer('journal_seq'),
});

export const signals = sqliteTable(
  'signals',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    id: text('id').notNull(),
    ts: integer('ts').notNull(),
    strategy: text('strategy').notNull(),
    symbol: text('symbol').notNull(),
    action: text('action', { enum: ['BUY', 'SELL', 'CLOSE'] }).notNull(),
    confidence: real('confidence').notNull(),
    price: real('price').notNull(),
    stopLoss: real('stop_loss'),
    takeProfit: real('take_profit'),
    reason: text('reason').notNull(),
  },
  (t) => [index('signals_run_ts').on(t.runId, t.ts)],
);

export const riskDecisions = sqliteTable(
  'risk_decisions',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    signalId: text('signal_id').notNull(),
    ts: integer('ts').notNull(),
    symbol: text('symbol').notNull(),
    approved: integer('approved', { mode: 'boolean' }).notNull(),
    qty: real('qty'),
    limitedBy: text('limited_by'),
    layer: text('layer', { enum: ['position', 'symbol', 'portfolio', 'system'] }),
    rule: text('rule'),
    reason: text('reason'),
  },
  (t) => [index('risk_decisions_run_ts').on(t.runId, t.ts)],
);

export const orders = sqliteTable(
  'orders',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    clientOrderId: text('client_order_id').notNull(),
    signalId: text('signal_id').notNull(),
    ts: integer('ts').notNull(),
    symbol: text('symbol').notNull(),
    side: text('side', { enum: ['buy', 'sell'] }).notNull(),
    orderType: text('order_type', { enum: ['market', 'limit', 'stop'] }).notNull(),
    qty: real('qty').notNull(),
    price: real('price'),
    referencePrice: real('reference_price').notNull(),
    purpose: text('purpose', { enum: ['entry', 'exit', 'stop_loss', 'take_profit'] }).notNull(),
    reduceOnly: integer('reduce_only', { mode: 'boolean' }).notNull(),
    stopLoss: real('stop_loss'),
    takeProfit: real('take_profit'),
    parentId: text('parent_id'),
  },
  (t) => [index('orders_run_ts').on(t.runId, t.ts)],
);

export const orderUpdates = sqliteTable(
  'order_updates',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    clientOrderId: text('client_order_id').notNull(),
    ts: integer('ts').notNull(),
    symbol: text('symbol').notNull(),
    status: text('status', { enum: ['accepted', 'filled', 'cancelled', 'rejected'] }).notNull(),
    reason: text('reason'),
  },
  (t) => [index('order_updates_run_ts').on(t.runId, t.ts)],
);

export const fills = sqliteTable(
  'fills',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    fillId: text('fill_id').notNull(),
    clientOrderId: text('client_order_id').notNull(),
    ts: integer('ts').notNull(),
    symbol: text('symbol').notNull(),
    side: text('side', { enum: ['buy', 'sell'] }).notNull(),
    qty: real('qty').notNull(),
    price: real('price').notNull(),
    fee: real('fee').notNull(),
    slippage: real('slippage').notNull(),
    purpose: text('purpose', { enum: ['entry', 'exit', 'stop_loss', 'take_profit'] }).notNull(),
  },
  (t) => [index('fills_run_ts').on(t.runId, t.ts)],
);

export const positions = sqliteTable(
  'positions',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    ts: integer('ts').notNull(),
    symbol: text('symbol').notNull(),
    qty: real('qty').notNull(),
    avgPrice: real('avg_price').notNull(),
    lastPrice: real('last_price').notNull(),
    realizedPnl: real('realized_pnl').notNull(),
    unrealizedPnl: real('unrealized_pnl').notNull(),
    /** `fill`: the quantity changed; `mark`: an open position re-valued at a bar close (the latest per batch). */
    source: text('source', { enum: ['fill', 'mark'] }).notNull().default('fill'),
  },
  (t) => [index('positions_run_ts').on(t.runId, t.ts)],
);

export const equitySnapshots = sqliteTable(
  'equity_snapshots',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    ts: integer('ts').notNull(),
    cash: real('cash').notNull(),
    positionsValue: real('positions_value').notNull(),
    equity: real('equity').notNull(),
    grossExposure: real('gross_exposure').notNull(),
    realizedPnl: real('realized_pnl').notNull(),
    unrealizedPnl: real('unrealized_pnl').notNull(),
    fees: real('fees').notNull(),
  },
  (t) => [index('equity_snapshots_run_ts').on(t.runId, t.ts)],
);

export const riskEvents = sqliteTable(
  'risk_events',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    ts: integer('ts').notNull(),
    kind: text('kind', {
      enum: [
        'breaker_tripped',
        'breaker_lifted',
        'breaker_reset',
        'feed_stale',
        'feed_fresh',
        'reconcile_mismatch',
        'reconcile_ok',
        'venue_adopted',
      ],
    }).notNull(),
    level: text('level', { enum: ['info', 'warning', 'critical'] }).notNull(),
    state: text('state').notNull(),
    reason: text('reason').notNull(),
  },
  (t) => [index('risk_events_run_ts').on(t.runId, t.ts)],
);

/** Every state change of every machine-backed actor, for the visualiser and time-travel debugging. */
export const stateTransitions = sqliteTable(
  'state_transitions',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    ts: integer('ts').notNull(),
    actor: text('actor').notNull(),
    fromState: text('from_state').notNull(),
    toState: text('to_state').notNull(),
    event: text('event').notNull(),
  },
  (t) => [index('state_transitions_run_ts').on(t.runId, t.ts)],
);

/**
 * A parameter sweep (bun run sweep), in its own DB data/sweeps/<sweep-id>.db: what was asked, and what came out
 * (best combination, deflated Sharpe, PBO, walk-forward table) once it finished.
 */
export const sweeps = sqliteTable('sweeps', {
  id: text('id').primaryKey(),
  strategy: text('strategy').notNull(),
  symbols: text('symbols', { mode: 'json' }).$type<string[]>().notNull(),
  timeframe: text('timeframe').notNull(),
  fromTs: integer('from_ts'),
  toTs: integer('to_ts'),
  grid: text('grid').notNull(),
  metric: text('metric').notNull(),
  walkForward: text('walk_forward'),
  workers: integer('workers').notNull(),
  combinations: integer('combinations').notNull(),
  /** `interrupted`: stopped by SIGINT/SIGTERM; the results received until then are stored. */
  status: text('status', { enum: ['running', 'finished', 'failed', 'interrupted'] }).notNull(),
  startedAt: integer('started_at').notNull(),
  finishedAt: integer('finished_at'),
  /** Strategy YAML parameters the grid varies, risk limits, capital. */
  config: text('config', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
  summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>(),
  reportPath: text('report_path'),
});

/** One row per combination run: its parameters and summary; `run_id` names the kept run DB of the best K. */
export const sweepResults = sqliteTable(
  'sweep_results',
  {
    seq: integer('seq').primaryKey(),
    sweepId: text('sweep_id').notNull(),
    combination: integer('combination').notNull(),
    /** `full`: the sweep's whole range; `train` / `test`: a walk-forward window's. */
    phase: text('phase', { enum: ['full', 'train', 'test'] }).notNull(),
    window: integer('window'),
    fromTs: integer('from_ts'),
    toTs: integer('to_ts'),
    params: text('params', { mode: 'json' }).$type<Record<string, number | string>>().notNull(),
    /** The sweep's metric: Infinity when unbounded (a profit factor with no losing trade), null when the summary has none (cagr of a too-short run). */
    metric: real('metric'),
    summary: text('summary', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    runId: text('run_id'),
  },
  (t) => [index('sweep_results_sweep').on(t.sweepId, t.phase, t.window)],
);

/**
 * Every alert the alerts actor raised (after deduplication), whatever the sinks did with it. Derived like the
 * other event tables, except the `session:` alerts (the process's own lifecycle) and the wall time.
 */
export const alerts = sqliteTable(
  'alerts',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    key: text('key').notNull(),
    level: text('level', { enum: ['info', 'warning', 'critical'] }).notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    /** Session clock (bar time) the alert is about, ms UTC. */
    barTs: integer('bar_ts').notNull(),
    /** Wall time it was raised, ms UTC; informational, never compared by recovery or replay. */
    wallTs: integer('wall_ts').notNull(),
  },
  (t) => [index('alerts_run_level').on(t.runId, t.level), index('alerts_run_ts').on(t.runId, t.barTs)],
);

/**
 * What each sink made of an alert, one row per alert and sink, updated in place by the dispatcher as attempts
 * go on. Keyed by the alert's run, key and bar time (unique per run once deduplicated) rather than its `seq`,
 * which the batched recorder assigns only when it flushes.
 */
export const alertDeliveries = sqliteTable(
  'alert_deliveries',
  {
    seq: integer('seq').primaryKey(),
    runId: text('run_id').notNull(),
    alertKey: text('alert_key').notNull(),
    alertBarTs: integer('alert_bar_ts').notNull(),
    sink: text('sink').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed', 'suppressed', 'skipped'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    /** The receiver's last answer (`HTTP 200`, `250 OK`, `timeout after 5 s`); never a secret. */
    detail: text('detail').notNull().default(''),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [uniqueIndex('alert_deliveries_alert_sink').on(t.runId, t.alertKey, t.alertBarTs, t.sink)],
);

export type CandleRow = typeof candles.$inferSelect;
export type RunRow = typeof runs.$inferSelect;
export type SweepRow = typeof sweeps.$inferSelect;
export type JournalRow = typeof journal.$inferSelect;
export type OperatorCommandRow = typeof operatorCommands.$inferSelect;
export type AlertRow = typeof alerts.$inferSelect;
export type AlertDeliveryRow = typeof alertDeliveries.$inferSelect;
