import { describe, expect, test } from 'bun:test';
import { closeDb, openDb, type Db } from '../../db/client.ts';
import { instrumentsOf, removeSeries, upsertCandles, upsertInstrument, type CandleInsert } from '../../db/candles.ts';
import { runs } from '../../db/schema.ts';

const DAY = 86_400_000;

function bars(symbol: string, timeframe: string, n: number): CandleInsert[] {
  return Array.from({ length: n }, (_, i) => ({
    symbol, timeframe, ts: i * DAY, closeTs: (i + 1) * DAY, open: 10, high: 11, low: 9, close: 10, volume: 1,
  }));
}

function count(db: Db, where = '1'): number {
  return db.$client.query<{ n: number }, []>(`SELECT count(*) AS n FROM candles WHERE ${where}`).get()!.n;
}

/** ORCL on nasdaq (stock, 1d and 1h) and on coinbase (a wrong crypto import), BTC/USD on coinbase, one run. */
function seeded(): Db {
  const db = openDb(':memory:');
  upsertInstrument(db, { exchange: 'nasdaq', symbol: 'ORCL', kind: 'stock', priceBasis: 'adjusted', source: 'csv:orcl.csv (yahoo)' });
  upsertInstrument(db, { exchange: 'coinbase', symbol: 'ORCL', kind: 'crypto', priceBasis: 'adjusted', source: 'csv:orcl.csv (yahoo)' });
  upsertInstrument(db, { exchange: 'coinbase', symbol: 'BTC/USD', kind: 'crypto', priceBasis: 'raw', source: 'csv:btc.csv' });
  upsertCandles(db, 'nasdaq', [...bars('ORCL', '1d', 5), ...bars('ORCL', '1h', 3)]);
  upsertCandles(db, 'coinbase', [...bars('ORCL', '1d', 4), ...bars('BTC/USD', '1d', 6)]);
  db.insert(runs).values({
    id: 'bt-1', mode: 'backtest', strategy: 'mean_reversion', symbols: ['ORCL'], timeframe: '1d', startingCapital: 1,
    status: 'finished', startedAt: 0, config: {},
  }).run();
  return db;
}

describe('removeSeries', () => {
  test('refuses a symbol stored for two exchanges when none is named, removing nothing', () => {
    const db = seeded();
    expect(() => removeSeries(db, { symbol: 'ORCL' })).toThrow(
      'ORCL is stored for 2 exchanges (coinbase, nasdaq); name one with --exchange; nothing removed',
    );
    expect(count(db)).toBe(18);
    closeDb(db);
  });

  test('removes only the named exchange\'s series and its instrument; other series and runs stay', () => {
    const db = seeded();
    const removed = removeSeries(db, { symbol: 'ORCL', exchange: 'coinbase' });
    expect(removed).toMatchObject({ exchange: 'coinbase', symbol: 'ORCL', rows: 4, remainingTimeframes: [] });
    expect(removed.instrument).toMatchObject({ kind: 'crypto', exchange: 'coinbase' });
    expect(count(db)).toBe(14);
    expect(count(db, "symbol = 'ORCL' AND exchange = 'nasdaq'")).toBe(8);
    expect(count(db, "symbol = 'BTC/USD' AND exchange = 'coinbase'")).toBe(6);
    expect(instrumentsOf(db, 'ORCL').map((row) => row.exchange)).toEqual(['nasdaq']);
    expect(instrumentsOf(db, 'BTC/USD')).toHaveLength(1);
    expect(db.select().from(runs).all()).toHaveLength(1);
    closeDb(db);
  });

  test('with a timeframe removes only those candles and keeps the instrument while others remain', () => {
    const db = seeded();
    const removed = removeSeries(db, { symbol: 'ORCL', exchange: 'nasdaq', timeframe: '1h' });
    expect(removed).toMatchObject({ rows: 3, remainingTimeframes: ['1d'], instrument: undefined });
    expect(count(db, "symbol = 'ORCL' AND exchange = 'nasdaq' AND timeframe = '1d'")).toBe(5);
    expect(instrumentsOf(db, 'ORCL')).toHaveLength(2);
    closeDb(db);
  });

  test('a symbol on one exchange needs no --exchange', () => {
    const db = seeded();
    expect(removeSeries(db, { symbol: 'BTC/USD' })).toMatchObject({ exchange: 'coinbase', rows: 6 });
    expect(count(db)).toBe(12);
    closeDb(db);
  });

  test.each([
    { name: 'an unknown symbol', query: { symbol: 'NVDA' }, message: 'NVDA is not stored; nothing removed' },
    { name: 'an exchange the symbol is not on', query: { symbol: 'ORCL', exchange: 'binance' }, message: 'ORCL is not stored on binance (stored on coinbase, nasdaq); nothing removed' },
    { name: 'a timeframe not stored', query: { symbol: 'ORCL', exchange: 'nasdaq', timeframe: '5m' }, message: 'no 5m candles of ORCL on nasdaq (stored: 1d, 1h); nothing removed' },
  ])('refuses $name in one line, removing nothing', ({ query, message }) => {
    const db = seeded();
    expect(() => removeSeries(db, query)).toThrow(message);
    expect(count(db)).toBe(18);
    expect(instrumentsOf(db, 'ORCL')).toHaveLength(2);
    closeDb(db);
  });
});
