import { afterAll, describe, expect, test } from 'bun:test';
import { candlesBefore, storedCoverage, upsertCandles } from '../../db/candles.ts';
import { closeDb, openDb } from '../../db/client.ts';

const HOUR = 3_600_000;
const db = openDb(':memory:');
afterAll(() => closeDb(db));
const row = (hour: number, symbol = 'BTC/USDT') => ({ symbol, timeframe: '1h', ts: hour * HOUR, closeTs: (hour + 1) * HOUR, open: 1, high: 1, low: 1, close: 1, volume: 0 });
upsertCandles(db, 'binance', [0, 1, 2, 5, 6, 9].map((hour) => row(hour)));
upsertCandles(db, 'binance', [3, 4].map((hour) => row(hour, 'ETH/USDT')));
upsertCandles(db, 'kraken', [3, 4].map((hour) => row(hour)));
const series = { exchange: 'binance', symbol: 'BTC/USDT', timeframe: '1h' };

describe('storedCoverage', () => {
  test('gives the first and last stored bar and every step longer than one bar', () => {
    expect(storedCoverage(db, { ...series, fromTs: 0, toTs: 100 * HOUR, barMs: HOUR })).toEqual({
      firstTs: 0,
      lastTs: 9 * HOUR,
      count: 6,
      gaps: [
        { prevTs: 2 * HOUR, nextTs: 5 * HOUR },
        { prevTs: 6 * HOUR, nextTs: 9 * HOUR },
      ],
    });
  });

  test('looks only inside the range and at the one series', () => {
    expect(storedCoverage(db, { ...series, fromTs: 3 * HOUR, toTs: 8 * HOUR, barMs: HOUR })).toEqual({
      firstTs: 5 * HOUR,
      lastTs: 6 * HOUR,
      count: 2,
      gaps: [],
    });
    expect(storedCoverage(db, { ...series, fromTs: 10 * HOUR, toTs: 20 * HOUR, barMs: HOUR })).toBeUndefined();
  });
});

describe('candlesBefore', () => {
  test('returns the last bars before a time, oldest first', () => {
    expect(candlesBefore(db, { ...series, beforeTs: 6 * HOUR, limit: 3 }).map((candle) => candle.ts / HOUR)).toEqual([1, 2, 5]);
    expect(candlesBefore(db, { ...series, beforeTs: 0, limit: 3 })).toEqual([]);
  });
});
