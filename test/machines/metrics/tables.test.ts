import { describe, expect, test } from 'bun:test';
import type { EquityPoint } from '../../../machines/metrics/performance.ts';
import type { RoundTrip } from '../../../machines/metrics/round-trips.ts';
import { monthlyReturns, PeriodEndPoints, tradeStats, yearlyReturns } from '../../../machines/metrics/tables.ts';

const at = (iso: string, equity: number): EquityPoint => ({ ts: Date.parse(iso), equity, grossExposure: 0 });

const acrossNewYear = [
  at('2023-11-15T00:00:00Z', 100),
  at('2023-11-30T12:00:00Z', 105),
  at('2023-12-10T00:00:00Z', 200),
  at('2023-12-31T23:30:00Z', 110),
  at('2024-01-15T00:00:00Z', 99),
  at('2024-02-29T00:00:00Z', 120),
];

describe('monthlyReturns', () => {
  test('compares each month-end with the previous one, the first month with the first point, across a year boundary', () => {
    const rows = monthlyReturns(acrossNewYear);
    expect(rows.map(({ year, month }) => [year, month])).toEqual([
      [2023, 11],
      [2023, 12],
      [2024, 1],
      [2024, 2],
    ]);
    const expected = [105 / 100 - 1, 110 / 105 - 1, 99 / 110 - 1, 120 / 99 - 1];
    rows.forEach((row, i) => expect(row.ret).toBeCloseTo(expected[i]!, 12));
  });

  test('points out of time order are put in order first', () => {
    const shuffled = [acrossNewYear[3]!, acrossNewYear[0]!, acrossNewYear[5]!, acrossNewYear[1]!, acrossNewYear[4]!, acrossNewYear[2]!];
    expect(monthlyReturns(shuffled)).toEqual(monthlyReturns(acrossNewYear));
  });

  test('a single point is one month of zero return', () => {
    expect(monthlyReturns([at('2024-03-05T00:00:00Z', 100)])).toEqual([{ year: 2024, month: 3, ret: 0 }]);
  });

  test('no points give no months', () => {
    expect(monthlyReturns([])).toEqual([]);
  });
});

describe('yearlyReturns', () => {
  test('compares each year-end with the previous one, the first year with the first point', () => {
    const rows = yearlyReturns(acrossNewYear);
    expect(rows.map((row) => row.year)).toEqual([2023, 2024]);
    expect(rows[0]!.ret).toBeCloseTo(0.1, 12);
    expect(rows[1]!.ret).toBeCloseTo(120 / 110 - 1, 12);
  });
});

describe('tradeStats', () => {
  const trip = (symbol: string, pnl: number, returnPct: number, open = false): RoundTrip => ({
    symbol,
    direction: 'long',
    entryTs: 0,
    exitTs: open ? null : 1,
    qty: 1,
    entryPrice: 1,
    exitPrice: 1,
    pnl,
    returnPct,
    fees: 0,
    open,
  });

  test('summarises closed trips per symbol, sorted by symbol', () => {
    const rows = tradeStats([
      trip('ETH/USD', 20, 0.02),
      trip('BTC/USD', 10, 0.01),
      trip('BTC/USD', -5, -0.005),
      trip('BTC/USD', 500, 0.5, true),
    ]);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ symbol: 'BTC/USD', trades: 2, win_rate: 0.5, pnl: 5 });
    expect(rows[0]!.avg_return).toBeCloseTo(0.0025, 12);
    expect(rows[1]).toMatchObject({ symbol: 'ETH/USD', trades: 1, win_rate: 1, pnl: 20 });
    expect(rows[1]!.avg_return).toBeCloseTo(0.02, 12);
  });

  test('no closed trips give no rows', () => {
    expect(tradeStats([trip('BTC/USD', 1, 0.01, true)])).toEqual([]);
  });
});

describe('bar-close timestamps', () => {
  test('a point stamped exactly at midnight on 1 January closes December, not January', () => {
    const point = (iso: string, equity: number) => ({ ts: Date.parse(iso), equity, grossExposure: 0 });
    const rows = monthlyReturns([
      point('2024-12-30T00:00:00Z', 100),
      point('2024-12-31T00:00:00Z', 110),
      point('2025-01-01T00:00:00Z', 121),
    ]);
    expect(rows).toEqual([{ year: 2024, month: 12, ret: expect.closeTo(0.21, 12) }]);
  });
});

describe('period-end points of a streamed curve', () => {
  test('give the same monthly and yearly tables as the whole curve', () => {
    // Hourly points over 26 months, one of them closing exactly at midnight on a month boundary.
    const curve = Array.from({ length: 26 * 30 * 24 }, (_, i) => ({
      ts: Date.UTC(2021, 0, 1) + i * 3_600_000,
      equity: 1000 + 50 * Math.sin(i / 97) + i / 10,
      grossExposure: i % 3,
    }));
    const ends = new PeriodEndPoints();
    for (const point of curve) ends.add(point);
    expect(ends.points().length).toBeLessThan(30);
    expect(monthlyReturns(ends.points())).toEqual(monthlyReturns(curve));
    expect(yearlyReturns(ends.points())).toEqual(yearlyReturns(curve));
  });
});
