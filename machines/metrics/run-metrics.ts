// A run's performance summary from its equity points and round trips, with the sampling and annualisation its
// markets need.
import { DAY_MS, timeframeMs } from '../data/timeframe.ts';
import type { MarketKind } from '../domain.ts';
import { computePerformance, PerformanceStream, type EquityColumns, type EquityPoint, type PerformanceSummary } from './performance.ts';
import { periodsPerYear, sampleEquity } from './periods.ts';
import type { RoundTrip } from './round-trips.ts';

export function metricsKind(kinds: Set<MarketKind>): 'crypto' | 'stock' | 'mixed' {
  return kinds.size > 1 ? 'mixed' : kinds.has('stock') ? 'stock' : 'crypto';
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
  const kind = metricsKind(kinds);
  const tfMs = timeframeMs(timeframe);
  const points = kind === 'mixed' ? sampleEquity(equity, Math.max(tfMs, DAY_MS)) : equity;
  return computePerformance({ equity: points, trades, fees, periodsPerYear: periodsPerYear(tfMs, kind) });
}

/** The same summary as metricsFor from a curve held as columns, with no object per point where none is sampled. */
export function metricsForColumns(
  curve: EquityColumns,
  trades: RoundTrip[],
  fees: number,
  timeframe: string,
  kinds: Set<MarketKind>,
): PerformanceSummary {
  const kind = metricsKind(kinds);
  if (kind === 'mixed') {
    const points = Array.from(curve.ts, (ts, i) => ({ ts, equity: curve.equity[i]!, grossExposure: curve.grossExposure[i]! }));
    return metricsFor(points, trades, fees, timeframe, kinds);
  }
  const ppy = periodsPerYear(timeframeMs(timeframe), kind);
  const stream = new PerformanceStream();
  for (let i = 0; i < curve.ts.length; i++) stream.addPoint(curve.ts[i]!, curve.equity[i]!, curve.grossExposure[i]!);
  return stream.summarize(curve.equity, trades, fees, ppy);
}
