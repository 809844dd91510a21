import { describe, expect, test } from 'bun:test';
import type { MarketKind } from '../../../machines/domain.ts';
import { computePerformance, type EquityColumns, type EquityPoint } from '../../../machines/metrics/performance.ts';
import { sampleEquity } from '../../../machines/metrics/periods.ts';
import { metricsFor, metricsForColumns, sharpeEquity } from '../../../machines/metrics/run-metrics.ts';
import { periodReturns } from '../../../machines/metrics/performance.ts';
import { periodSharpe } from '../../../machines/research/overfitting.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const at = (day: number, hour: number, equity: number, grossExposure = 0): EquityPoint => ({ ts: day * DAY + hour * HOUR, equity, grossExposure });
const MIXED = new Set<MarketKind>(['crypto', 'stock']);

// BTC/USD closes at 00:00 UTC and ORCL at 21:00: the 00:00 trough on day 2 is followed by that day's stock close.
const mixedCurve = [at(0, 0, 100), at(0, 21, 100), at(1, 0, 120, 10), at(2, 0, 90, 10), at(2, 21, 115), at(3, 0, 118, 10), at(4, 0, 121), at(4, 21, 112)];

function columns(points: EquityPoint[]): EquityColumns {
  return {
    ts: Float64Array.from(points, (p) => p.ts),
    equity: Float64Array.from(points, (p) => p.equity),
    grossExposure: Float64Array.from(points, (p) => p.grossExposure),
  };
}

function peakToTrough(points: EquityPoint[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const { equity } of points) {
    peak = Math.max(peak, equity);
    worst = Math.min(worst, equity / peak - 1);
  }
  return worst;
}

describe('metricsFor on a mixed crypto+stock run', () => {
  const summary = metricsFor(mixedCurve, [], 0, '1d', MIXED);

  test('max drawdown is the peak-to-trough over every recorded point', () => {
    expect(summary.max_drawdown).toBe(peakToTrough(mixedCurve));
    expect(summary.max_drawdown).toBe(90 / 120 - 1);
  });

  test('Sharpe and Sortino are those of one point per UTC day on the 365-day calendar', () => {
    const daily = computePerformance({ equity: sampleEquity(mixedCurve, DAY), trades: [], fees: 0, periodsPerYear: 365 });
    expect(summary.sharpe).toBe(daily.sharpe);
    expect(summary.sortino).toBe(daily.sortino);
  });

  test('hourly bars are sampled once per UTC day too, and annualised as 365 daily returns, not 8,760 hourly ones', () => {
    const hourly = metricsFor(mixedCurve, [], 0, '1h', MIXED);
    const daily = computePerformance({ equity: sampleEquity(mixedCurve, DAY), trades: [], fees: 0, periodsPerYear: 365 });
    expect(hourly.sharpe).toBe(daily.sharpe);
    expect(hourly.sortino).toBe(daily.sortino);
    expect(hourly.max_drawdown).toBe(90 / 120 - 1);
  });
});

describe('metricsForColumns', () => {
  test.each([
    ['mixed', MIXED],
    ['crypto', new Set<MarketKind>(['crypto'])],
    ['stock', new Set<MarketKind>(['stock'])],
  ] as const)('gives the same summary as metricsFor (%s)', (_name, kinds) => {
    expect(metricsForColumns(columns(mixedCurve), [], 1.5, '1d', kinds)).toEqual(metricsFor(mixedCurve, [], 1.5, '1d', kinds));
  });
});

describe('sharpeEquity, the equity a sweep\'s overfitting measures take', () => {
  test('a mixed run: the daily samples its Sharpe is computed on, so a per-period Sharpe of them annualises to the summary\'s', () => {
    const equity = sharpeEquity(columns(mixedCurve), '1d', MIXED);
    expect([...equity]).toEqual(sampleEquity(mixedCurve, DAY).map((p) => p.equity));
    const summary = metricsFor(mixedCurve, [], 0, '1d', MIXED);
    expect(periodSharpe(periodReturns(equity)) * Math.sqrt(365)).toBeCloseTo(summary.sharpe, 12);
  });

  test('a single-market run: every point, the very columns', () => {
    const curve = columns(mixedCurve);
    expect(sharpeEquity(curve, '1d', new Set<MarketKind>(['crypto']))).toBe(curve.equity);
  });
});
