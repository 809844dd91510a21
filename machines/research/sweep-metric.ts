// The figure a sweep ranks its combinations by, and how an unbounded one is written where JSON has no infinity.
import type { PerformanceSummary } from '../metrics/performance.ts';

/** Summary fields a sweep can rank by; higher is better for each (max_drawdown is a negative fraction). */
export const SWEEP_METRICS = ['sharpe', 'sortino', 'calmar', 'cagr', 'total_return', 'max_drawdown', 'profit_factor', 'expectancy', 'win_rate', 'final_equity'] as const;
export type SweepMetric = (typeof SWEEP_METRICS)[number];

/**
 * The figure a combination is ranked by, higher better. A profit factor with no losing trade and a Sortino with no
 * losing period are unbounded (the summary holds null: JSON has no infinity): they rank first, as +Infinity. Any
 * other null (a CAGR too short to annualise) has no value and ranks last.
 */
export function metricOf(summary: PerformanceSummary, metric: SweepMetric): number | null {
  const value = summary[metric];
  if (value === null && (metric === 'profit_factor' || metric === 'sortino')) return Number.POSITIVE_INFINITY;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A metric in JSON (a sweep's stored summary, `sweep --json`): an unbounded one as the string "Infinity", not null. */
export type MetricJson = number | 'Infinity' | null;

export function metricJson(value: number | null): MetricJson {
  return value === Number.POSITIVE_INFINITY ? 'Infinity' : value !== null && Number.isFinite(value) ? value : null;
}

/** A metric as the dashboard and the command line print it: ∞ when unbounded, — when there is none. */
export function formatMetric(value: number | 'Infinity' | null | undefined, digits: number): string {
  if (value === 'Infinity' || value === Number.POSITIVE_INFINITY) return '∞';
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : '—';
}
