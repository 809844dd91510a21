// Backtests stream candles instead of loading them: the stream must yield exactly what loadCandles returns,
// in the same order, whatever the chunk size, range or mix of symbols.
import { describe, expect, test } from 'bun:test';
import { countCandles, loadCandles, streamCandles, type CandleQuery } from '../../db/candles.ts';
import { marketDbWithRealData } from '../support/real-data.ts';

const db = marketDbWithRealData();
const QUERIES: CandleQuery[] = [
  { symbols: ['BTC/USD'], timeframe: '1d' },
  { symbols: ['NVDA', 'ORCL', 'YHOO'], timeframe: '1d', fromTs: Date.UTC(2005, 0, 1), toTs: Date.UTC(2014, 11, 31, 23, 59) },
  { symbols: ['BTC/USD', 'ORCL'], timeframe: '1d', fromTs: Date.UTC(2012, 0, 1), toTs: Date.UTC(2014, 11, 31) },
  { symbols: ['ORCL', 'BTC/USD'], timeframe: '1d', toTs: Date.UTC(2013, 5, 1) },
  { symbols: ['BTC/USD', 'NOPE'], timeframe: '1d', fromTs: Date.UTC(2030, 0, 1) },
];

describe('streamCandles', () => {
  for (const query of QUERIES) {
    test(`yields what loadCandles returns: ${query.symbols.join(',')} ${query.fromTs ?? '-'}..${query.toTs ?? '-'}`, () => {
      const loaded = loadCandles(db, query);
      for (const chunk of [7, 97, 8192]) expect([...streamCandles(db, query, chunk)]).toEqual(loaded);
      const counts = countCandles(db, query);
      for (const symbol of query.symbols) expect(counts.get(symbol)).toBe(loaded.filter((c) => c.symbol === symbol).length);
    }, 30_000);
  }
});
