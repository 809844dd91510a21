import { describe, expect, test } from 'bun:test';
import { DAY_MS, isSessionTimeframe, timeframeMs } from '../../../machines/data/timeframe.ts';

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
