// One sweep combination as a self-contained job: the sweep's setup (strategy, symbols, range, capital, where the
// candles are) plus the combination's parameters in, its summary and equity curve out. It runs the backtest's
// pipeline (createPipeline, the event writer, the same metrics) over shared candle columns; the event history goes
// to an in-memory database that is dropped afterwards: only the best K are re-run with a run DB (runBacktest).
import { asc, eq } from 'drizzle-orm';
import { closeDb, openDb } from '../../db/client.ts';
import { createEventWriter } from '../../db/events.ts';
import { fills } from '../../db/schema.ts';
import type { CostModel, Market, MarketKind } from '../../machines/domain.ts';
import type { PerformanceSummary } from '../../machines/metrics/performance.ts';
import { roundTrips } from '../../machines/metrics/round-trips.ts';
import type { Combination } from '../../machines/research/grid.ts';
import type { RiskLimits } from '../../machines/risk/limits.ts';
import type { StrategyDefinition } from '../../machines/strategies/strategy.ts';
import type { VenueConfig } from '../adapters/config.ts';
import { loadEquity, metricsFor } from '../backtest.ts';
import { createPipeline } from '../pipeline.ts';
import { replayColumns, type CandleColumns } from './shared-candles.ts';

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
}

export interface CombinationOutcome {
  id: number;
  params: Combination;
  fromTs?: number;
  toTs?: number;
  bars: number;
  summary: PerformanceSummary;
  equityTs: number[];
  equity: number[];
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
  const runDb = openDb(':memory:');
  try {
    const pipeline = createPipeline({
      strategy,
      limits: env.limits,
      markets,
      costs,
      startingCash: setup.capital,
      orderIdPrefix: `${runId}-`,
      writer: createEventWriter(runDb, runId),
    });
    const lastPrices = new Map<string, number>();
    const replayed = replayColumns(candles, { fromTs: job.fromTs, toTs: job.toTs }, (bar) => {
      lastPrices.set(bar.symbol, bar.close);
      pipeline.push(bar);
    });
    if (replayed.bars === 0) throw new Error(`combination ${job.id}: no candles between ${job.fromTs} and ${job.toTs}`);
    pipeline.end(replayed.lastCloseTs);
    pipeline.stop();

    const equity = loadEquity(runDb, runId);
    const runFills = runDb.select().from(fills).where(eq(fills.runId, runId)).orderBy(asc(fills.seq)).all();
    const lastTs = equity.length > 0 ? equity[equity.length - 1]!.ts : 0;
    const trades = roundTrips(runFills, lastPrices, lastTs);
    const fees = runFills.reduce((sum, f) => sum + f.fee, 0);
    const kinds = new Set(setup.instruments.map((i) => i.kind));
    const summary = metricsFor(equity, trades, fees, setup.timeframe, kinds);
    return {
      id: job.id,
      params: job.params,
      fromTs: job.fromTs,
      toTs: job.toTs,
      bars: replayed.bars,
      summary,
      equityTs: equity.map((p) => p.ts),
      equity: equity.map((p) => p.equity),
    };
  } finally {
    closeDb(runDb);
  }
}
