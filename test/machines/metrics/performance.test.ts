import { describe, expect, test } from 'bun:test';
import { computePerformance, PerformanceStream, type EquityPoint, type PerformanceSummary } from '../../../machines/metrics/performance.ts';
import { sampleEquity } from '../../../machines/metrics/periods.ts';
import type { RoundTrip } from '../../../machines/metrics/round-trips.ts';

const YEAR_MS = 365.25 * 86_400_000;

function curve(values: number[], stepMs = 86_400_000, exposures: number[] = []): EquityPoint[] {
  return values.map((equity, i) => ({ ts: i * stepMs, equity, grossExposure: exposures[i] ?? 0 }));
}

function trip(pnl: number, open = false): RoundTrip {
  return {
    symbol: 'BTC/USD',
    direction: 'long',
    entryTs: 0,
    exitTs: open ? null : 1,
    qty: 1,
    entryPrice: 100,
    exitPrice: 100 + pnl,
    pnl,
    returnPct: pnl / 100,
    fees: 0,
    open,
  };
}

function summary(equity: EquityPoint[], trades: RoundTrip[] = [], periodsPerYear = 252, fees = 0) {
  return computePerformance({ equity, trades, fees, periodsPerYear });
}

function expectJsonSafe(result: PerformanceSummary) {
  for (const [key, value] of Object.entries(result)) {
    if (value !== null) expect({ key, finite: Number.isFinite(value) }).toEqual({ key, finite: true });
  }
  expect(JSON.parse(JSON.stringify(result))).toEqual(result);
}

describe('computePerformance', () => {
  test('max drawdown of 100, 110, 99, 120 is -10% from the 110 peak', () => {
    const result = summary(curve([100, 110, 99, 120]));
    expect(result.max_drawdown).toBeCloseTo(-0.1, 12);
    expect(result.total_return).toBeCloseTo(0.2, 12);
    expect(result.start_equity).toBe(100);
    expect(result.final_equity).toBe(120);
  });

  test('Sharpe of returns +10%, +10%, -10% at 252 periods a year is √21', () => {
    // mean 1/30, sample std √(0.04/3): mean/std = 1/(2√3); × √252 = √21.
    const result = summary(curve([100, 110, 121, 108.9]));
    expect(result.sharpe).toBeCloseTo(Math.sqrt(21), 9);
  });

  test('Sortino of returns +10%, +10%, -10% at 252 periods a year is √84', () => {
    // downside deviation √(0.01/3): mean/dd = 1/√3; × √252 = √84.
    const result = summary(curve([100, 110, 121, 108.9]));
    expect(result.sortino).toBeCloseTo(Math.sqrt(84), 9);
  });

  test('CAGR compounds over calendar time: 100 → 121 in two years is 10% a year', () => {
    const equity: EquityPoint[] = [
      { ts: 0, equity: 100, grossExposure: 0 },
      { ts: YEAR_MS, equity: 130, grossExposure: 0 },
      { ts: 2 * YEAR_MS, equity: 121, grossExposure: 0 },
    ];
    const result = summary(equity);
    expect(result.cagr).toBeCloseTo(0.1, 12);
    // drawdown 121/130 - 1
    expect(result.calmar).toBeCloseTo(0.1 / (1 - 121 / 130), 9);
  });

  test('a curve that never falls below its peak has zero drawdown and zero calmar', () => {
    const result = summary(curve([100, 101, 102]));
    expect(result.max_drawdown).toBe(0);
    expect(result.calmar).toBe(0);
  });

  test('Sortino is null when returns are positive with no losing period', () => {
    expect(summary(curve([100, 101, 103])).sortino).toBeNull();
  });

  test('trade figures use closed trips only', () => {
    const result = summary(curve([100, 120]), [trip(10), trip(-5), trip(20), trip(-5), trip(1000, true)]);
    expect(result.trades).toBe(4);
    expect(result.win_rate).toBe(0.5);
    expect(result.profit_factor).toBeCloseTo(3, 12);
    expect(result.expectancy).toBeCloseTo(5, 12);
    expect(result.avg_win).toBeCloseTo(15, 12);
    expect(result.avg_loss).toBeCloseTo(-5, 12);
    expect(result.best_trade).toBe(20);
    expect(result.worst_trade).toBe(-5);
  });

  test('profit factor is null when there are wins but no losing trades, and the summary stays JSON-safe', () => {
    const result = summary(curve([100, 120]), [trip(10), trip(5)]);
    expect(result.profit_factor).toBeNull();
    expectJsonSafe(result);
  });

  test('profit factor is 0 when every trade loses', () => {
    expect(summary(curve([100, 90]), [trip(-10)]).profit_factor).toBe(0);
  });

  test('exposure is the fraction of points with a position on', () => {
    const result = summary(curve([100, 100, 100, 100], 86_400_000, [0, 50, 50, 0]));
    expect(result.exposure).toBe(0.5);
  });

  test('fees are reported as given', () => {
    expect(summary(curve([100, 100]), [], 252, 12.5).fees).toBe(12.5);
  });

  test('no equity and no trades give zeros, not NaN', () => {
    const result = summary([]);
    expectJsonSafe(result);
    for (const value of Object.values(result)) expect(value).toBe(0);
  });

  test('a single point gives zero returns and ratios, not NaN', () => {
    const result = summary(curve([100]));
    expectJsonSafe(result);
    expect(result).toMatchObject({ start_equity: 100, final_equity: 100, total_return: 0, cagr: 0, sharpe: 0, sortino: 0, max_drawdown: 0, calmar: 0 });
  });

  test('a flat curve has zero Sharpe and Sortino', () => {
    const result = summary(curve([100, 100, 100]));
    expect(result.sharpe).toBe(0);
    expect(result.sortino).toBe(0);
  });

  test('a run too short to annualise reports CAGR and calmar as null rather than Infinity', () => {
    const result = summary(curve([100, 200, 150], 1000));
    expect(result.cagr).toBeNull();
    expect(result.calmar).toBeNull();
    expectJsonSafe(result);
  });

  test('a total loss has a CAGR of -100%', () => {
    expect(summary(curve([100, 0])).cagr).toBe(-1);
  });

  test('equity points out of time order are rejected', () => {
    const equity: EquityPoint[] = [
      { ts: 2, equity: 100, grossExposure: 0 },
      { ts: 1, equity: 100, grossExposure: 0 },
    ];
    expect(() => summary(equity)).toThrow('equity[1] ts 1 is before equity[0] ts 2');
  });
});

describe('computePerformance with a sample period (a mixed crypto+stock curve, sampled once per UTC day)', () => {
  const DAY = 86_400_000;
  const HOUR = 3_600_000;
  const at = (day: number, hour: number, equity: number, grossExposure = 0): EquityPoint => ({ ts: day * DAY + hour * HOUR, equity, grossExposure });
  // Crypto closes at 00:00, the stock at 21:00: the 00:00 trough on day 2 is not its day's last point.
  const points = [
    at(0, 0, 100),
    at(0, 21, 100),
    at(1, 0, 120, 10),
    at(2, 0, 90, 10),
    at(2, 21, 115),
    at(3, 0, 118, 10),
    at(4, 0, 121),
    at(4, 21, 112),
  ];
  const result = computePerformance({ equity: points, trades: [], fees: 0, periodsPerYear: 365, samplePeriodMs: DAY });
  const daily = sampleEquity(points, DAY);
  const onDaily = computePerformance({ equity: daily, trades: [], fees: 0, periodsPerYear: 365 });

  test('max drawdown is the trough between samples, as every point draws it: 90 / 120 - 1', () => {
    expect(daily.map((p) => p.equity)).toEqual([100, 120, 115, 118, 112]);
    expect(onDaily.max_drawdown).toBeCloseTo(112 / 120 - 1, 12);
    expect(result.max_drawdown).toBe(90 / 120 - 1);
  });

  test('Calmar, CAGR, start and final equity come from every point too', () => {
    const cagr = (112 / 100) ** ((365.25 * DAY) / (4 * DAY + 21 * HOUR)) - 1;
    expect(result.start_equity).toBe(100);
    expect(result.final_equity).toBe(112);
    expect(result.cagr!).toBeCloseTo(cagr, 12);
    expect(result.calmar!).toBeCloseTo(cagr / 0.25, 12);
  });

  test('Sharpe, Sortino and time in market are those of the daily sample', () => {
    expect(result.sharpe).toBe(onDaily.sharpe);
    expect(result.sortino).toBe(onDaily.sortino);
    expect(result.exposure).toBe(2 / 5);
    expect(onDaily.exposure).toBe(2 / 5);
  });

  test('the second pass must be given the samples, not every point', () => {
    const stream = new PerformanceStream(DAY);
    for (const point of points) stream.add(point);
    expect(() => stream.summarize(points.map((p) => p.equity), [], 0, 365)).toThrow('8 equity values for 5 samples');
  });

  test('a point added after the summary is refused, so the last sample is taken once', () => {
    const stream = new PerformanceStream(DAY);
    for (const point of points) stream.add(point);
    stream.summarize(stream.sampleEquity(points), [], 0, 365);
    expect(() => stream.add(at(5, 0, 100))).toThrow('added after summarize');
  });

  test('a non-positive sample period is rejected', () => {
    expect(() => new PerformanceStream(0)).toThrow('samplePeriodMs must be a positive number, got 0');
  });
});
