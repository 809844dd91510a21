// One sweep combination as a self-contained job: the sweep's setup (strategy, symbols, range, capital, where the
// candles are) plus the combination's parameters in, its summary and equity curve out. It runs the backtest's
// pipeline (createPipeline, the same metrics) over shared candle columns. Only the rows the
// summary is computed from are kept (equity points and fills, exactly as a run DB would hold them: see
// summary-collector.ts); the rest of the event history is dropped: only the best K are re-run with a run DB
// (runBacktest).
import type { CostModel, Market, MarketKind } from '../../machines/domain.ts';
import { periodReturns, type PerformanceSummary } from '../../machines/metrics/performance.ts';
import { roundTrips, type RoundTrip } from '../../machines/metrics/round-trips.ts';
import type { Combination } from '../../machines/research/grid.ts';
import { combinationBlockTotals, pboBlocks, periodSharpe, type CombinationBlockTotals } from '../../machines/research/overfitting.ts';
import type { RiskLimits } from '../../machines/risk/limits.ts';
import type { StrategyDefinition } from '../../machines/strategies/strategy.ts';
import type { VenueConfig } from '../adapters/config.ts';
import { metricsForColumns, sharpeEquity } from '../../machines/metrics/run-metrics.ts';
import { createPipeline } from '../pipeline.ts';
import { closeTimesInRange, replayColumns, type CandleColumns } from './shared-candles.ts';
import { createSummaryCollector } from './summary-collector.ts';

/** What every combination of a sweep shares; plain data, so a queue can carry it with each job. */
export interface SweepSetup {
  strategyName: string;
  /** The strategy's YAML parameters; a combination replaces some of them. */
  baseParams: Record<string, unknown>;
  symbols: string[];
  exchange?: string;
  timeframe: string;
  capital: number;
  instruments: { symbol: string; kind: MarketKind; exchange: string }[];
  /** Where the candles are: a worker on another machine loads the same rows with loadCandles. */
  data: { dbPath: string; fromTs?: number; toTs?: number };
}

export interface CombinationJob {
  id: number;
  params: Combination;
  /** The bars this job trades (open time, inclusive); a walk-forward window, or the sweep's whole range. */
  fromTs?: number;
  toTs?: number;
  /** Return the round trips and fees too (a walk-forward test window's, pooled into the out-of-sample summary). */
  withTrades?: boolean;
}

export interface CombinationOutcome {
  id: number;
  params: Combination;
  fromTs?: number;
  toTs?: number;
  bars: number;
  summary: PerformanceSummary;
  /** The equity curve as float64 columns: passed between threads without a copy, never scanned by the GC. */
  equityTs: Float64Array;
  equity: Float64Array;
  /** What the sweep's overfitting measures need from this curve, computed here rather than on the coordinator. */
  returnStats: ReturnStats;
  /** With CombinationJob.withTrades: the round trips (open ones marked at the last price) and the fees paid. */
  trades?: RoundTrip[];
  fees?: number;
}

export interface ReturnStats {
  /** Sharpe (mean / sample std) of the curve's per-period returns. */
  sharpe: number;
  /** This combination's block totals for the PBO (none for a curve too short to cut in two). */
  blocks?: CombinationBlockTotals;
}

export interface CombinationEnv {
  definition: StrategyDefinition<unknown>;
  limits: RiskLimits;
  venue: VenueConfig;
}

export function runCombination(setup: SweepSetup, env: CombinationEnv, candles: CandleColumns, job: CombinationJob): CombinationOutcome {
  const strategy = env.definition.create(env.definition.parseParams({ ...setup.baseParams, ...job.params }));
  const markets = new Map<string, Market>();
  const costs = new Map<string, CostModel>();
  for (const inst of setup.instruments) {
    markets.set(inst.symbol, env.venue.marketFor(inst.symbol, inst.kind, inst.exchange));
    costs.set(inst.symbol, env.venue.costs[inst.kind]);
  }
  const runId = `sweep-combination-${job.id}`;
  const range = { fromTs: job.fromTs, toTs: job.toTs };
  const kept = createSummaryCollector(closeTimesInRange(candles, range));
  const pipeline = createPipeline({
    strategy,
    limits: env.limits,
    markets,
    costs,
    startingCash: setup.capital,
    orderIdPrefix: `${runId}-`,
    writer: kept,
    orderLifecycle: 'compiled',
  });
  const lastPrices = new Map<string, number>();
  const replayed = replayColumns(candles, range, (bar) => {
    lastPrices.set(bar.symbol, bar.close);
    pipeline.push(bar);
  });
  if (replayed.bars === 0) throw new Error(`combination ${job.id}: no candles between ${job.fromTs} and ${job.toTs}`);
  pipeline.end(replayed.lastCloseTs);
  pipeline.stop();

  const curve = kept.curve();
  const lastTs = curve.ts.length > 0 ? curve.ts[curve.ts.length - 1]! : 0;
  const trades = roundTrips(kept.fills, lastPrices, lastTs);
  const fees = kept.fills.reduce((sum, f) => sum + f.fee, 0);
  const kinds = new Set(setup.instruments.map((i) => i.kind));
  const summary = metricsForColumns(curve, trades, fees, setup.timeframe, kinds);
  return {
    id: job.id,
    params: job.params,
    fromTs: job.fromTs,
    toTs: job.toTs,
    bars: replayed.bars,
    summary,
    equityTs: curve.ts,
    equity: curve.equity,
    // A mixed run's Sharpe is of daily samples: the overfitting measures take the same returns.
    returnStats: returnStats(sharpeEquity(curve, setup.timeframe, kinds)),
    ...(job.withTrades ? { trades, fees } : {}),
  };
}

function returnStats(equity: Float64Array): ReturnStats {
  const returns = periodReturns(equity);
  const blocks = pboBlocks(returns.length);
  return { sharpe: periodSharpe(returns), blocks: blocks >= 2 ? combinationBlockTotals(returns, blocks) : undefined };
}
