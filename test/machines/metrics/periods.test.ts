import { describe, expect, test } from 'bun:test';
import { periodsPerYear, sampleEquity } from '../../../machines/metrics/periods.ts';
import type { EquityPoint } from '../../../machines/metrics/performance.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('periodsPerYear', () => {
  test.each([
    ['daily crypto', DAY, 'crypto', 365],
    ['hourly crypto', HOUR, 'crypto', 8760],
    ['4-hour crypto', 4 * HOUR, 'crypto', 2190],
    ['weekly crypto', 7 * DAY, 'crypto', 365 / 7],
    ['daily stock', DAY, 'stock', 252],
    ['hourly stock: 7 bars per 390-minute session', HOUR, 'stock', 252 * 7],
    ['5-minute stock: 78 bars per session', 5 * MINUTE, 'stock', 252 * 78],
    ['1-minute stock', MINUTE, 'stock', 252 * 390],
    ['weekly stock follows the calendar', 7 * DAY, 'stock', 365.25 / 7],
    ['hourly mixed is sampled like crypto', HOUR, 'mixed', 8760],
  ] as const)('%s', (_name, timeframeMs, kind, expected) => {
    expect(periodsPerYear(timeframeMs, kind)).toBeCloseTo(expected, 9);
  });

  test('a non-positive timeframe is rejected', () => {
    expect(() => periodsPerYear(0, 'crypto')).toThrow('timeframeMs must be a positive number');
  });
});

describe('sampleEquity', () => {
  const point = (ts: number, equity: number): EquityPoint => ({ ts, equity, grossExposure: 0 });

  test('keeps the last point of each bucket and skips empty buckets', () => {
    const points = [point(0, 1), point(10 * MINUTE, 2), point(HOUR + 5 * MINUTE, 3), point(3 * HOUR, 4), point(3 * HOUR + 59 * MINUTE, 5)];
    expect(sampleEquity(points, HOUR).map((p) => p.equity)).toEqual([2, 3, 5]);
  });

  test('an offset shifts the bucket edges', () => {
    const points = [point(0, 1), point(20 * MINUTE, 2), point(40 * MINUTE, 3)];
    expect(sampleEquity(points, HOUR, 30 * MINUTE).map((p) => p.equity)).toEqual([2, 3]);
  });

  test('an empty input gives an empty sample', () => {
    expect(sampleEquity([], HOUR)).toEqual([]);
  });

  test('points out of time order are rejected', () => {
    expect(() => sampleEquity([point(2, 1), point(1, 1)], HOUR)).toThrow('points[1]');
  });
});
