// A run's performance summary from its equity points and round trips, with the sampling and annualisation its
// markets need.
import { DAY_MS, timeframeMs } from '../data/timeframe.ts';
import type { MarketKind } from '../domain.ts';
import { computePerformance, PerformanceStream, type EquityColumns, type EquityPoint, type PerformanceSummary } from './performance.ts';
import { periodsPerYear } from './periods.ts';
import type { RoundTrip } from './round-trips.ts';

export function metricsKind(kinds: Set<MarketKind>): 'crypto' | 'stock' | 'mixed' {
  return kinds.size > 1 ? 'mixed' : kinds.has('stock') ? 'stock' : 'crypto';
}

export interface RunMetricsSetup {
  /** PerformanceStream's samplePeriodMs: undefined (one sample per bar) or once per UTC day. */
  samplePeriodMs: number | undefined;
  periodsPerYear: number;
}

/**
 * Sharpe and Sortino need evenly spaced returns (and time in market a point that stands for a fixed span): a
 * mixed crypto+stock run, with points at both markets' closes, is sampled once per UTC day and annualised on the
 * 365-day calendar; single-calendar runs use one point per bar. Max drawdown, Calmar, CAGR and the start and
 * final equity see every recorded point in either case, as the report's drawdown chart does.
 */
export function runMetricsSetup(timeframe: string, kinds: Set<MarketKind>): RunMetricsSetup {
  const kind = metricsKind(kinds);
  const tfMs = timeframeMs(timeframe);
  const samplePeriodMs = kind === 'mixed' ? Math.max(tfMs, DAY_MS) : undefined;
  // Annualised by the sample's period, not the bar's: an hourly mixed run has 365 daily returns a year, not 8,760.
  return { samplePeriodMs, periodsPerYear: periodsPerYear(samplePeriodMs ?? tfMs, kind) };
}

/** A run's summary from its equity points (every one recorded), with runMetricsSetup's sampling. */
export function metricsFor(
  equity: EquityPoint[],
  trades: RoundTrip[],
  fees: number,
  timeframe: string,
  kinds: Set<MarketKind>,
): PerformanceSummary {
  return computePerformance({ equity, trades, fees, ...runMetricsSetup(timeframe, kinds) });
}

/** The same summary as metricsFor from a curve held as columns, with no object per point where none is sampled. */
export function metricsForColumns(
  curve: EquityColumns,
  trades: RoundTrip[],
  fees: number,
  timeframe: string,
  kinds: Set<MarketKind>,
): PerformanceSummary {
  const setup = runMetricsSetup(timeframe, kinds);
  const stream = new PerformanceStream(setup.samplePeriodMs);
  for (let i = 0; i < curve.ts.length; i++) stream.addPoint(curve.ts[i]!, curve.equity[i]!, curve.grossExposure[i]!);
  const again = setup.samplePeriodMs === undefined ? curve.equity : stream.sampleEquity(pointsOf(curve));
  return stream.summarize(again, trades, fees, setup.periodsPerYear);
}

/**
 * The equity values a run's Sharpe is computed on: every point, or a mixed run's daily samples. Measures built
 * on the same returns (a sweep's deflated Sharpe and PBO) must take these, so they judge the Sharpe reported.
 */
export function sharpeEquity(curve: Pick<EquityColumns, 'ts' | 'equity'>, timeframe: string, kinds: Set<MarketKind>): Float64Array {
  const { samplePeriodMs } = runMetricsSetup(timeframe, kinds);
  if (samplePeriodMs === undefined) return curve.equity;
  return Float64Array.from(new PerformanceStream(samplePeriodMs).sampleEquity(pointsOf(curve)));
}

function* pointsOf(curve: Pick<EquityColumns, 'ts' | 'equity'>): Generator<{ ts: number; equity: number }> {
  for (let i = 0; i < curve.ts.length; i++) yield { ts: curve.ts[i]!, equity: curve.equity[i]! };
}
