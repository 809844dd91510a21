import { describe, expect, test } from 'bun:test';
import { closeDb, openDb } from '../../db/client.ts';
import {
  candleRange,
  getInstrument,
  loadCandles,
  upsertCandles,
  upsertInstrument,
  type CandleInsert,
} from '../../db/candles.ts';

const DAY = 86_400_000;

function candle(symbol: string, ts: number, closeTs: number, close = 100): CandleInsert {
  return { symbol, timeframe: '1d', ts, closeTs, open: close, high: close + 1, low: close - 1, close, volume: 10 };
}

function countCandles(db: ReturnType<typeof openDb>): number {
  return db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM candles').get()!.n;
}

describe('candle repository', () => {
  test('loads several symbols ordered by close time, then symbol', () => {
    const db = openDb(':memory:');
    const day = Date.UTC(2014, 2, 3);
    // A stock's daily bar closes at 21:00 UTC, before the crypto bar of the same date closes at midnight.
    upsertCandles(db, 'coinbase', [candle('BTC/USD', day, day + DAY), candle('BTC/USD', day + DAY, day + 2 * DAY)]);
    upsertCandles(db, 'nasdaq', [
      candle('ORCL', day + 14.5 * 3_600_000, day + 21 * 3_600_000),
      candle('NVDA', day + 14.5 * 3_600_000, day + 21 * 3_600_000),
    ]);
    const rows = loadCandles(db, { symbols: ['BTC/USD', 'NVDA', 'ORCL'], timeframe: '1d' });
    expect(rows.map((row) => `${row.symbol}@${row.closeTs - day}`)).toEqual([
      `NVDA@${21 * 3_600_000}`,
      `ORCL@${21 * 3_600_000}`,
      `BTC/USD@${DAY}`,
      `BTC/USD@${2 * DAY}`,
    ]);
    expect(rows[0]!.exchange).toBe('nasdaq');
    closeDb(db);
  });

  test('filters by bar open time and timeframe', () => {
    const db = openDb(':memory:');
    upsertCandles(db, 'coinbase', [0, 1, 2, 3].map((i) => candle('BTC/USD', i * DAY, (i + 1) * DAY)));
    upsertCandles(db, 'coinbase', [{ ...candle('BTC/USD', 0, 3_600_000), timeframe: '1h' }]);
    const rows = loadCandles(db, { symbols: ['BTC/USD'], timeframe: '1d', fromTs: DAY, toTs: 2 * DAY });
    expect(rows.map((row) => row.ts)).toEqual([DAY, 2 * DAY]);
    closeDb(db);
  });

  test('upserting the same bars again replaces them instead of adding rows', () => {
    const db = openDb(':memory:');
    upsertCandles(db, 'coinbase', [candle('BTC/USD', 0, DAY, 100), candle('BTC/USD', DAY, 2 * DAY, 101)]);
    upsertCandles(db, 'coinbase', [candle('BTC/USD', DAY, 2 * DAY, 105)]);
    expect(countCandles(db)).toBe(2);
    expect(loadCandles(db, { symbols: ['BTC/USD'], timeframe: '1d' }).map((row) => row.close)).toEqual([100, 105]);
    closeDb(db);
  });

  test('a batch with one unstorable row writes nothing', () => {
    const db = openDb(':memory:');
    upsertCandles(db, 'coinbase', [candle('BTC/USD', 0, DAY)]);
    // SQLite stores NaN as NULL, which the NOT NULL constraint rejects mid-batch.
    const batch = [candle('BTC/USD', DAY, 2 * DAY), { ...candle('BTC/USD', 2 * DAY, 3 * DAY), open: Number.NaN }];
    expect(() => upsertCandles(db, 'coinbase', batch)).toThrow();
    expect(countCandles(db)).toBe(1);
    closeDb(db);
  });

  test('reports the stored range and count, or undefined when nothing is stored', () => {
    const db = openDb(':memory:');
    upsertCandles(db, 'coinbase', [2, 0, 1].map((i) => candle('BTC/USD', i * DAY, (i + 1) * DAY)));
    expect(candleRange(db, 'BTC/USD', '1d')).toEqual({ firstTs: 0, lastTs: 2 * DAY, count: 3 });
    expect(candleRange(db, 'BTC/USD', '1h')).toBeUndefined();
    closeDb(db);
  });

  test('stores instruments and refuses to guess between exchanges', () => {
    const db = openDb(':memory:');
    upsertInstrument(db, { exchange: 'coinbase', symbol: 'BTC/USD', kind: 'crypto', priceBasis: 'raw', source: 'a' });
    upsertInstrument(db, { exchange: 'coinbase', symbol: 'BTC/USD', kind: 'crypto', priceBasis: 'raw', source: 'b' });
    expect(getInstrument(db, 'BTC/USD')).toEqual({ exchange: 'coinbase', symbol: 'BTC/USD', kind: 'crypto', priceBasis: 'raw', source: 'b' });
    expect(getInstrument(db, 'ETH/USD')).toBeUndefined();
    upsertInstrument(db, { exchange: 'bitstamp', symbol: 'BTC/USD', kind: 'crypto', priceBasis: 'raw', source: 'c' });
    expect(() => getInstrument(db, 'BTC/USD')).toThrow('BTC/USD is stored for 2 exchanges (bitstamp, coinbase); name the exchange');
    expect(getInstrument(db, 'BTC/USD', 'bitstamp')?.source).toBe('c');
    closeDb(db);
  });
});
