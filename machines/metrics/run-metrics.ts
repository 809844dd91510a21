// A run's performance summary from its equity points and round trips, with the sampling and annualisation its
// markets need.
import { DAY_MS, timeframeMs } from '../data/timeframe.ts';
import type { MarketKind } from '../domain.ts';
import { computePerformance, type EquityPoint, type PerformanceSummary } from './performance.ts';
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
