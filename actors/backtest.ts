// A backtest: stored candles → the actor pipeline with the simulated executor → the run's own database →
// metrics and the HTML report. The same pipeline as paper and live; only the feed source and executor differ.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { candleRange, countCandles, getInstrument, instrumentsOf, streamCandles, type CandleQuery, type InstrumentRow } from '../db/candles.ts';
import { countEquity, streamEquity } from '../db/events.ts';
import { closeDb, openDb, type Db } from '../db/client.ts';
import { createThreadedEventWriter, type ThreadedEventWriter } from '../db/threaded-writer.ts';
import { equitySnapshots, fills, runs, type CandleRow } from '../db/schema.ts';
import { DEFAULT_ALERT_RULES, type AlertRuleSettings } from '../machines/alerts/alert-rule-settings.ts';
import { noCandlesMessage } from '../machines/data/candle-validation.ts';
import type { CostModel, Market, MarketKind } from '../machines/domain.ts';
import { currencyDecimals, quoteCurrency, stepDecimals } from '../machines/metrics/money.ts';
import { PerformanceStream, type EquityPoint, type PerformanceSummary } from '../machines/metrics/performance.ts';
import { metricsKind, runMetricsSetup } from '../machines/metrics/run-metrics.ts';
import { roundTrips, type RoundTrip } from '../machines/metrics/round-trips.ts';
import { monthlyReturns, PeriodEndPoints } from '../machines/metrics/tables.ts';
import type { RiskLimits } from '../machines/risk/limits.ts';
import type { AnyStrategy } from '../machines/strategies/strategy.ts';
import { ChartStream, renderReport } from '../web/report/render-report.ts';
import type { VenueConfig } from './adapters/config.ts';
import { databaseOnly, type AlertDelivery } from './alerts/alert-delivery.ts';
import type { MarketData, PipelineMessage } from './messages.ts';
import { createPipeline } from './pipeline.ts';
import { thisProcess } from './session/session-owner.ts';

export interface BacktestRequest {
  runId: string;
  strategy: AnyStrategy;
  strategyParams: Record<string, unknown>;
  symbols: string[];
  /** Read every symbol from this exchange's stored series (needed when a symbol is stored for several). */
  exchange?: string;
  timeframe: string;
  fromTs?: number;
  toTs?: number;
  capital: number;
  limits: RiskLimits;
  venue: VenueConfig;
  /** The market-data database holding the candles (and where the run is listed). */
  marketDb: Db;
  /** Folder for `<run-id>.db` and `<run-id>.html`. */
  outDir: string;
  /** Wall-clock time the run started (ms), for the runs table only. */
  startedAt: number;
  /** Wall clock for the finish time in the runs table; the simulation itself never reads it. */
  now?: () => number;
  onProgress?: (done: number, total: number) => void;
  /** Sees every pipeline message (tests use it to check invariants bar by bar). */
  tap?: (message: PipelineMessage) => void;
  /** Where alerts go besides the run DB (`--alerts`: the configured sinks); default: the run DB only. */
  alerts?: AlertDelivery;
  /** The alerts config's `rules:` (the commands read config/alerts.yaml); default DEFAULT_ALERT_RULES. */
  alertRules?: AlertRuleSettings;
}

/** The run's own database: `<out>/<run-id>.db`. */
export function runDbPath(outDir: string, runId: string): string {
  return join(outDir, `${runId}.db`);
}

export interface BacktestResult {
  summary: PerformanceSummary & { run_id: string; db: string; report: string };
  trades: RoundTrip[];
  /**
   * The equity curve, one point per bar close; a run longer than RESULT_EQUITY_POINTS returns every k-th point
   * (and the last) instead, so a long run's result stays small. The summary always uses every point.
   */
  equity: EquityPoint[];
  bars: number;
  priceNotes: string[];
  /** The bars the run covered, and the bounds asked for (undefined: from the first / to the last stored bar). */
  range: { timeframe: string; firstTs: number; lastTs: number; fromTs?: number; toTs?: number };
  /** Decimals of the quote currency (2 for USD/USDT), for what is printed; the run DB keeps raw values. */
  moneyDecimals: number;
}

export function runBacktest(req: BacktestRequest): BacktestResult {
  // Checked before any file exists: a refused run must leave no run DB behind.
  if (!Number.isFinite(req.capital) || req.capital <= 0) {
    throw new Error(`capital must be a finite positive number, got ${req.capital}`);
  }
  if (req.symbols.length === 0 || req.symbols.some((symbol) => symbol.trim() === '')) {
    throw new Error(`symbols must be non-empty names, got ${JSON.stringify(req.symbols)}`);
  }
  const instruments = req.symbols.map((symbol) => requireInstrument(req.marketDb, symbol, req.timeframe, req.exchange));
  const query: CandleQuery = {
    symbols: req.symbols,
    exchange: req.exchange,
    timeframe: req.timeframe,
    fromTs: req.fromTs,
    toTs: req.toTs,
  };
  // Candles are streamed from the database during the run; only their number is known up front.
  const counts = countCandles(req.marketDb, query);
  for (const symbol of req.symbols) {
    if (!(counts.get(symbol)! > 0)) {
      throw new Error(noCandlesMessage({ ...query, symbol }, candleRange(req.marketDb, symbol, req.timeframe, req.exchange)));
    }
  }
  const totalBars = [...counts.values()].reduce((sum, n) => sum + n, 0);

  const markets = new Map<string, Market>();
  const costs = new Map<string, CostModel>();
  for (const inst of instruments) {
    markets.set(inst.symbol, req.venue.marketFor(inst.symbol, inst.kind, inst.exchange));
    costs.set(inst.symbol, req.venue.costs[inst.kind]);
  }
  const kinds = new Set(instruments.map((i) => i.kind));
  const moneyDecimals = Math.max(...instruments.map((i) => currencyDecimals(quoteCurrency(i.symbol, i.kind))));
  const priceDecimals = Object.fromEntries([...markets].map(([symbol, market]) => [symbol, stepDecimals(market.priceStep)]));
  const priceNotes = instruments.map(
    (i) => `${i.symbol}: ${i.priceBasis === 'adjusted' ? 'split/dividend-adjusted prices' : 'raw traded prices'} (${i.source})`,
  );

  mkdirSync(req.outDir, { recursive: true });
  const dbPath = runDbPath(req.outDir, req.runId);
  const reportPath = join(req.outDir, `${req.runId}.html`);
  const runDb = openDb(dbPath);
  const alertRules = req.alertRules ?? DEFAULT_ALERT_RULES;
  const config = {
    // The definition rides along so the run DB and the report say which z-score / average ran, not just the YAML.
    strategy: { name: req.strategy.name, ...req.strategyParams, definition: req.strategy.description },
    risk: req.limits,
    alertRules,
    costs: Object.fromEntries(costs),
    markets: Object.fromEntries(markets),
    prices: priceNotes,
  };
  const runRow = {
    id: req.runId,
    mode: 'backtest' as const,
    strategy: req.strategy.name,
    symbols: req.symbols,
    timeframe: req.timeframe,
    fromTs: req.fromTs ?? null,
    toTs: req.toTs ?? null,
    startingCapital: req.capital,
    status: 'running' as const,
    startedAt: req.startedAt,
    config,
    dbPath,
    reportPath,
    // A killed run's row keeps saying `running`: its owner lets the dashboard see that the process is gone.
    ownerPid: thisProcess().pid,
    ownerHost: thisProcess().host,
    ownerStart: thisProcess().start,
  };
  const released = { ownerPid: null, ownerHost: null, ownerStart: null };
  runDb.insert(runs).values(runRow).run();

  let writer: ThreadedEventWriter | undefined;
  try {
    // The run's rows are written on another thread while the pipeline computes; its failure fails the run.
    writer = createThreadedEventWriter(dbPath, req.runId);
    const pipeline = createPipeline({
      strategy: req.strategy,
      limits: req.limits,
      markets,
      costs,
      startingCash: req.capital,
      orderIdPrefix: `${req.runId}-`,
      writer,
      tap: req.tap,
      // Alerts are stamped with the wall clock the run finishes by (the simulation never reads it).
      alerts: { runId: req.runId, deliver: (req.alerts ?? databaseOnly).deliver, now: req.now ?? (() => req.startedAt), rules: alertRules },
      orderLifecycle: 'compiled',
    });
    const fed = replay(streamCandles(req.marketDb, query), totalBars, pipeline.push, req.onProgress);
    pipeline.end(fed.lastCloseTs);
    pipeline.stop();
    writer.close();

    // The pipeline's garbage and, below, the first equity pass's are collected before the next phase allocates:
    // without it the peak of a long run rises by the garbage of the phase before (≈ 40 MB at 5,000,000 bars).
    Bun.gc(true);
    // Only what the round trips read: a long run has hundreds of thousands of fills.
    const runFills = runDb
      .select({ ts: fills.ts, symbol: fills.symbol, side: fills.side, qty: fills.qty, price: fills.price, fee: fills.fee })
      .from(fills)
      .where(eq(fills.runId, req.runId))
      .orderBy(asc(fills.seq))
      .all();
    const curve = readCurve(runDb, req.runId, req.timeframe, kinds);
    Bun.gc(true);
    const trades = roundTrips(runFills, fed.lastPrices, curve.lastTs);
    const fees = runFills.reduce((sum, f) => sum + f.fee, 0);
    const metrics = curve.summarize(trades, fees);
    const summary = { run_id: req.runId, db: dbPath, report: reportPath, ...metrics };

    const range = `${isoDay(fed.firstTs)} → ${isoDay(fed.lastTs)}`;
    writeFileSync(
      reportPath,
      renderReport({
        runId: req.runId,
        title: `${req.strategy.name} on ${req.symbols.join(', ')}`,
        generatedFor: `${req.symbols.join(', ')} ${req.timeframe} ${range}`,
        notes: [
          ...priceNotes,
          'Fills: market orders at the next bar open with slippage; stops at the stop or worse (gaps at the open); stop first when a bar touches both.',
          'Open positions at the end are marked to the last close, not sold.',
          ...(metricsKind(kinds) === 'mixed'
            ? ['Crypto and stocks close at different hours: Sharpe, Sortino and time in market use the last equity point of each UTC day; max drawdown and Calmar use every point, as the drawdown chart does.']
            : []),
        ],
        summary: metrics,
        equity: [],
        charts: curve.charts,
        trades,
        monthly: monthlyReturns(curve.periodEnds),
        config,
        priceDecimals,
        strategyDefinition: req.strategy.description,
      }),
    );
    const finished = { status: 'finished' as const, finishedAt: req.now?.() ?? req.startedAt, summary, ...released };
    runDb.update(runs).set(finished).where(eq(runs.id, req.runId)).run();
    req.marketDb.insert(runs).values({ ...runRow, ...finished }).onConflictDoUpdate({ target: runs.id, set: finished }).run();
    const covered = { timeframe: req.timeframe, firstTs: fed.firstTs, lastTs: fed.lastTs, fromTs: req.fromTs, toTs: req.toTs };
    return { summary, trades, equity: curve.points, bars: fed.bars, priceNotes, range: covered, moneyDecimals };
  } catch (err) {
    writer?.abort();
    runDb.update(runs).set({ status: 'failed', summary: { error: String(err) }, ...released }).where(eq(runs.id, req.runId)).run();
    throw err;
  } finally {
    closeDb(runDb);
  }
}

function requireInstrument(db: Db, symbol: string, timeframe: string, exchange?: string): InstrumentRow {
  const inst = getInstrument(db, symbol, exchange);
  if (inst === undefined && exchange !== undefined) {
    const elsewhere = instrumentsOf(db, symbol).map((row) => row.exchange);
    const stored = elsewhere.length > 0 ? `it is stored on ${elsewhere.join(', ')}` : 'import or collect it first';
    throw new Error(`no ${symbol} data on ${exchange}: ${stored}`);
  }
  if (inst === undefined) {
    throw new Error(`no ${symbol} data in the database: run \`bun run data:import\` (or \`bun run collect\`) for ${symbol} ${timeframe} first`);
  }
  return inst;
}

interface Fed {
  bars: number;
  firstTs: number;
  lastTs: number;
  lastCloseTs: number;
  /** Last close per symbol: where open positions are marked at the end. */
  lastPrices: Map<string, number>;
}

function replay(
  candles: Iterable<CandleRow>,
  total: number,
  push: (bar: MarketData) => void,
  onProgress?: (done: number, total: number) => void,
): Fed {
  const step = Math.max(1, Math.floor(total / 200));
  const fed: Fed = { bars: 0, firstTs: 0, lastTs: 0, lastCloseTs: 0, lastPrices: new Map() };
  for (const c of candles) {
    const i = fed.bars++;
    if (i === 0) fed.firstTs = c.ts;
    fed.lastTs = c.ts;
    fed.lastCloseTs = c.closeTs;
    fed.lastPrices.set(c.symbol, c.close);
    push({
      type: 'MarketData',
      symbol: c.symbol,
      timeframe: c.timeframe,
      ts: c.ts,
      closeTs: c.closeTs,
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
      volume: c.volume,
    });
    if (onProgress !== undefined && i % step === 0) onProgress(i, total);
  }
  onProgress?.(fed.bars, fed.bars);
  return fed;
}

/** Above this many equity points a result carries every k-th point (and the last), not the whole curve. */
export const RESULT_EQUITY_POINTS = 100_000;

interface Curve {
  /** The result's points (see BacktestResult.equity). */
  points: EquityPoint[];
  lastTs: number;
  charts: ReturnType<ChartStream['result']>;
  /** The first point and each month's last: all the monthly table needs. */
  periodEnds: EquityPoint[];
  summarize(trades: RoundTrip[], fees: number): PerformanceSummary;
}

/**
 * Reads the run's equity back from its database in chunks, building in one pass what the report and the
 * summary need; Sharpe's second pass reads it again. Every point reaches the metrics (which sample it
 * themselves where the run's markets need it: runMetricsSetup), the same points the drawdown chart is drawn from.
 * Memory: the report's reduced series, one point per month and at most RESULT_EQUITY_POINTS points, however long
 * the run.
 */
function readCurve(runDb: Db, runId: string, timeframe: string, kinds: Set<MarketKind>): Curve {
  const n = countEquity(runDb, runId);
  const setup = runMetricsSetup(timeframe, kinds);
  const performance = new PerformanceStream(setup.samplePeriodMs);
  const charts = new ChartStream(n);
  const periodEnds = new PeriodEndPoints();
  const stride = Math.ceil(n / RESULT_EQUITY_POINTS);
  const points: EquityPoint[] = [];
  let lastTs = 0;
  let i = 0;
  for (const point of streamEquity(runDb, runId)) {
    charts.add(point);
    periodEnds.add(point);
    performance.add(point);
    if (stride <= 1 || i % stride === 0 || i === n - 1) points.push(point);
    lastTs = point.ts;
    i++;
  }
  return {
    points,
    lastTs,
    charts: charts.result(),
    periodEnds: periodEnds.points(),
    summarize: (trades, fees) =>
      performance.summarize(performance.sampleEquity(streamEquity(runDb, runId)), trades, fees, setup.periodsPerYear),
  };
}

export function loadEquity(db: Db, runId: string): EquityPoint[] {
  return db
    .select({ ts: equitySnapshots.ts, equity: equitySnapshots.equity, grossExposure: equitySnapshots.grossExposure })
    .from(equitySnapshots)
    .where(eq(equitySnapshots.runId, runId))
    .orderBy(asc(equitySnapshots.seq))
    .all();
}

function isoDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}
