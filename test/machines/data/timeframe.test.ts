import { describe, expect, test } from 'bun:test';
import { formatBarTime } from '../../../machines/data/candle-validation.ts';
import { assertSupportedTimeframe, DAY_MS, isSessionTimeframe, isSubMinuteTimeframe, timeframeMs } from '../../../machines/data/timeframe.ts';
import { periodsPerYear } from '../../../machines/metrics/periods.ts';

describe('timeframeMs', () => {
  test.each([
    ['1m', 60_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['4h', 14_400_000],
    ['1d', DAY_MS],
    ['1w', 7 * DAY_MS],
    ['1Min', 60_000],
    ['1Hour', 3_600_000],
    ['1Day', DAY_MS],
  ])('reads %s as %d ms', (tf, ms) => {
    expect(timeframeMs(tf)).toBe(ms);
  });

  test.each(['', '1', 'h', '0h', '1x', '1M', '-1d', '1.5h'])('refuses "%s" with a message naming it', (tf) => {
    expect(() => timeframeMs(tf)).toThrow(`unknown timeframe "${tf}"`);
  });

  test('daily and longer bars are sessions, intraday bars are not', () => {
    expect(isSessionTimeframe('1d')).toBe(true);
    expect(isSessionTimeframe('1w')).toBe(true);
    expect(isSessionTimeframe('4h')).toBe(false);
  });
});

describe('second bars', () => {
  test.each([
    ['1s', 1_000],
    ['5s', 5_000],
    ['30s', 30_000],
  ])('reads %s as %d ms', (tf, ms) => {
    expect(timeframeMs(tf)).toBe(ms);
  });

  test('crypto accepts 1s bars', () => {
    expect(() => assertSupportedTimeframe('crypto', '1s')).not.toThrow();
  });

  test('stocks refuse second bars with one line saying seconds are for crypto only', () => {
    expect(() => assertSupportedTimeframe('stock', '1s')).toThrow('stock timeframe 1s is not supported: stock bars are at least a minute (seconds are for crypto only)');
    expect(() => assertSupportedTimeframe('stock', '1m')).not.toThrow();
  });

  test('only bars shorter than a minute are sub-minute', () => {
    expect(isSubMinuteTimeframe('1s')).toBe(true);
    expect(isSubMinuteTimeframe('59s')).toBe(true);
    expect(isSubMinuteTimeframe('60s')).toBe(false);
    expect(isSubMinuteTimeframe('1m')).toBe(false);
  });

  test('a second bar is printed to the second, a minute bar to the minute', () => {
    const ts = Date.UTC(2025, 0, 2, 3, 4, 5);
    expect(formatBarTime(ts, '1s')).toBe('2025-01-02 03:04:05Z');
    expect(formatBarTime(ts - 5_000, '1m')).toBe('2025-01-02 03:04Z');
  });

  test('a crypto year has 365 × 86,400 one-second periods', () => {
    expect(periodsPerYear(timeframeMs('1s'), 'crypto')).toBe(365 * 86_400);
  });
});
