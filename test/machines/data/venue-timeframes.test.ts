import { describe, expect, test } from 'bun:test';
import { alpacaTimeframe, canonicalTimeframe } from '../../../machines/data/venue-timeframes.ts';

describe('canonicalTimeframe', () => {
  test.each([
    ['1m', '1m'],
    ['1Min', '1m'],
    ['15min', '15m'],
    ['1h', '1h'],
    ['1H', '1h'],
    ['4Hour', '4h'],
    ['1d', '1d'],
    ['1Day', '1d'],
    ['1D', '1d'],
    ['1Week', '1w'],
    ['60m', '60m'],
    ['01h', '1h'],
    ['1s', '1s'],
    ['30S', '30s'],
  ])('stores %s as %s', (typed, stored) => {
    expect(canonicalTimeframe(typed)).toBe(stored);
  });

  test('refuses months and unknown units with the timeframe in the message', () => {
    expect(() => canonicalTimeframe('1M')).toThrow('unknown timeframe "1M"');
    expect(() => canonicalTimeframe('1y')).toThrow('unknown timeframe "1y"');
  });
});

describe('alpacaTimeframe', () => {
  test.each([
    ['1m', '1Min'],
    ['15m', '15Min'],
    ['1h', '1Hour'],
    ['1Hour', '1Hour'],
    ['1d', '1Day'],
    ['1w', '1Week'],
  ])('asks Alpaca for %s bars as %s', (timeframe, alpaca) => {
    expect(alpacaTimeframe(timeframe)).toBe(alpaca);
  });

  test('refuses lengths Alpaca has no bars for', () => {
    expect(() => alpacaTimeframe('60m')).toThrow('alpaca has no 60m bars');
    expect(() => alpacaTimeframe('2d')).toThrow('alpaca has no 2d bars');
    expect(() => alpacaTimeframe('1s')).toThrow('alpaca has no 1s bars');
  });
});
