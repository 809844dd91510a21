// A backtest: stored candles → the actor pipeline with the simulated executor → the run's own database →
// metrics and the HTML report. The same pipeline as paper and live; only the feed source and executor differ.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { getInstrument, instrumentsOf, loadCandles, type InstrumentRow } from '../db/candles.ts';
import { closeDb, openDb, type Db } from '../db/client.ts';
import { createThreadedEventWriter, type ThreadedEventWriter } from '../db/threaded-writer.ts';
import { equitySnapshots, fills, runs, type CandleRow } from '../db/schema.ts';
import { DAY_MS, timeframeMs } from '../machines/data/timeframe.ts';
import type { CostModel, Market, MarketKind } from '../machines/domain.ts';
import { currencyDecimals, quoteCurrency, stepDecimals } from '../machines/metrics/money.ts';
import { computePerformance, type EquityPoint, type PerformanceSummary } from '../machines/metrics/performance.ts';
import { periodsPerYear, sampleEquity } from '../machines/metrics/periods.ts';
import { roundTrips, type RoundTrip } from '../machines/metrics/round-trips.ts';
import { monthlyReturns } from '../machines/metrics/tables.ts';
import type { RiskLimits } from '../machines/risk/limits.ts';
import type { AnyStrategy } from '../machines/strategies/strategy.ts';
import { renderReport } from '../web/report/render-report.ts';
import type { VenueConfig } from './adapters/config.ts';
import type { MarketData, PipelineMessage } from './messages.ts';
import { createPipeline } from './pipeline.ts';

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
}

export interface BacktestResult {
  summary: PerformanceSummary & { run_id: string; db: string; report: string };
  trades: RoundTrip[];
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
  const candles = loadCandles(req.marketDb, {
    symbols: req.symbols,
    exchange: req.exchange,
    timeframe: req.timeframe,
    fromTs: req.fromTs,
    toTs: req.toTs,
  });
  for (const symbol of req.symbols) {
    if (!candles.some((c) => c.symbol === symbol)) {
      throw new Error(`no ${symbol} ${req.timeframe} candles in the requested range: import or collect them first`);
    }
  }

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
  const dbPath = join(req.outDir, `${req.runId}.db`);
  const reportPath = join(req.outDir, `${req.runId}.html`);
  const runDb = openDb(dbPath);
  const config = {
    // The definition rides along so the run DB and the report say which z-score / average ran, not just the YAML.
    strategy: { name: req.strategy.name, ...req.strategyParams, definition: req.strategy.description },
    risk: req.limits,
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
  };
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
      orderLifecycle: 'compiled',
    });
    replay(candles, pipeline.push, req.onProgress);
    pipeline.end(candles[candles.length - 1]!.closeTs);
    pipeline.stop();
    writer.close();

    const equity = loadEquity(runDb, req.runId);
    const runFills = runDb.select().from(fills).where(eq(fills.runId, req.runId)).orderBy(asc(fills.seq)).all();
    const lastPrices = new Map<string, number>();
    for (const c of candles) lastPrices.set(c.symbol, c.close);
    const lastTs = equity.length > 0 ? equity[equity.length - 1]!.ts : 0;
    const trades = roundTrips(runFills, lastPrices, lastTs);
    const fees = runFills.reduce((sum, f) => sum + f.fee, 0);
    const metrics = metricsFor(equity, trades, fees, req.timeframe, kinds);
    const summary = { run_id: req.runId, db: dbPath, report: reportPath, ...metrics };

    const range = `${isoDay(candles[0]!.ts)} → ${isoDay(candles[candles.length - 1]!.ts)}`;
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
        ],
        summary: metrics,
        equity,
        trades,
        monthly: monthlyReturns(equity),
        config,
        priceDecimals,
        strategyDefinition: req.strategy.description,
      }),
    );
    const finished = { status: 'finished' as const, finishedAt: req.now?.() ?? req.startedAt, summary };
    runDb.update(runs).set(finished).where(eq(runs.id, req.runId)).run();
    req.marketDb.insert(runs).values({ ...runRow, ...finished }).onConflictDoUpdate({ target: runs.id, set: finished }).run();
    const covered = { timeframe: req.timeframe, firstTs: candles[0]!.ts, lastTs: candles[candles.length - 1]!.ts, fromTs: req.fromTs, toTs: req.toTs };
    return { summary, trades, equity, bars: candles.length, priceNotes, range: covered, moneyDecimals };
  } catch (err) {
    writer?.abort();
    runDb.update(runs).set({ status: 'failed', summary: { error: String(err) } }).where(eq(runs.id, req.runId)).run();
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

function replay(candles: CandleRow[], push: (bar: MarketData) => void, onProgress?: (done: number, total: number) => void): void {
  const total = candles.length;
  const step = Math.max(1, Math.floor(total / 200));
  for (let i = 0; i < total; i++) {
    const c = candles[i]!;
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
  onProgress?.(total, total);
}

export function loadEquity(db: Db, runId: string): EquityPoint[] {
  return db
    .select({ ts: equitySnapshots.ts, equity: equitySnapshots.equity, grossExposure: equitySnapshots.grossExposure })
    .from(equitySnapshots)
    .where(eq(equitySnapshots.runId, runId))
    .orderBy(asc(equitySnapshots.seq))
    .all();
}

/**
 * Sharpe and Sortino need evenly spaced returns: a mixed crypto+stock run is sampled once per UTC day and
 * annualised on the 365-day calendar; single-calendar runs use one point per bar.
 */
export function metricsFor(
  equity: EquityPoint[],
  trades: RoundTrip[],
  fees: number,
  timeframe: string,
  kinds: Set<MarketKind>,
): PerformanceSummary {
  const kind = kinds.size > 1 ? 'mixed' : kinds.has('stock') ? 'stock' : 'crypto';
  const tfMs = timeframeMs(timeframe);
  const points = kind === 'mixed' ? sampleEquity(equity, Math.max(tfMs, DAY_MS)) : equity;
  return computePerformance({ equity: points, trades, fees, periodsPerYear: periodsPerYear(tfMs, kind) });
}

function isoDay(ts: number): string {
  return new Date(ts).toISOString().slice(0, 10);
}
