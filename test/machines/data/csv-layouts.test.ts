import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  applyPriceBasis,
  barCloseTs,
  detectLayout,
  parseCandleCsv,
  parseColumnMapping,
  parseTime,
  resolvePriceBasis,
  splitCsvLine,
  type RawCandle,
} from '../../../machines/data/csv-layouts.ts';

const DATA_DIR = resolve(import.meta.dir, '../../..', process.env.QS_DATA_DIR || '../shared/data');

function headerOf(file: string): string[] {
  return splitCsvLine(readFileSync(resolve(DATA_DIR, file), 'utf8').split('\n')[0]!.trim());
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

describe('layout detection', () => {
  test('the Bitstamp/Coinbase BTC file is the bitstamp layout, timed by unix_timestamp', () => {
    const layout = detectLayout(headerOf('BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'));
    expect(layout.name).toBe('bitstamp');
    expect(layout.columns.ts).toBe('unix_timestamp');
    expect(layout.tsCheckColumn).toBe('timestamp');
  });

  test('the three Yahoo files are the yahoo layout with an adjusted close', () => {
    for (const file of ['nvda-1999-2014.csv', 'orcl-1995-2014.csv', 'yhoo-1996-2015.csv']) {
      const layout = detectLayout(headerOf(file));
      expect(layout.name).toBe('yahoo');
      expect(layout.columns.adjClose).toBe('Adj Close');
    }
  });

  test('any header with a time column and OHLCV names is generic, whatever the case and order', () => {
    const layout = detectLayout(['Volume', 'CLOSE', 'low', 'High', 'open', 'DateTime', 'adj_close']);
    expect(layout).toEqual({
      name: 'generic',
      columns: { ts: 'DateTime', open: 'open', high: 'High', low: 'low', close: 'CLOSE', volume: 'Volume', adjClose: 'adj_close' },
    });
  });

  test('an unrecognised header is refused with its columns listed', () => {
    expect(() => detectLayout(['when', 'o', 'h', 'l', 'c', 'v'], undefined, 'x.csv')).toThrow(
      'x.csv line 1: unrecognised header (when, o, h, l, c, v)',
    );
  });

  test('a column the layout reads may appear only once', () => {
    expect(() => detectLayout(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'Close'], undefined, 'x.csv')).toThrow(
      'x.csv line 1: column "close" is in the header 2 times (columns 5 "close", 7 "Close"); rename or remove all but one',
    );
    expect(() => detectLayout(['t', 'o', 'h', 'l', 'c', 'v', 'c'], 'ts=t,open=o,high=h,low=l,close=c,volume=v', 'x.csv')).toThrow(
      'x.csv line 1: column "c" is in the header 2 times (columns 5 "c", 7 "c")',
    );
    // A repeated column nobody reads is harmless.
    expect(detectLayout(['timestamp', 'open', 'high', 'low', 'close', 'volume', 'note', 'note']).columns.close).toBe('close');
  });

  test('an explicit mapping overrides detection and must name existing columns', () => {
    const header = ['when', 'o', 'h', 'l', 'c', 'Vol', 'Adj Close'];
    const mapping = 'ts=when,open=o,high=h,low=l,close=c,volume=Vol,adjClose=Adj Close';
    expect(detectLayout(header, mapping).columns).toEqual({
      ts: 'when', open: 'o', high: 'h', low: 'l', close: 'c', volume: 'Vol', adjClose: 'Adj Close',
    });
    expect(() => detectLayout(header, 'ts=when,open=o,high=h,low=l,close=c,volume=Volume', 'x.csv')).toThrow(
      'x.csv line 1: column "Volume" (for volume) is not in the header',
    );
  });

  test('a mapping with an unknown or missing field is refused', () => {
    expect(() => parseColumnMapping('ts=a,open=b,high=c,low=d,close=e,volume=f,vwap=g')).toThrow('unknown field "vwap"');
    expect(() => parseColumnMapping('ts=a,open=b,high=c,low=d,close=e')).toThrow('--columns: missing volume');
    expect(() => parseColumnMapping('ts=a,open')).toThrow('"open" is not field=Column');
  });

  test('quoted CSV fields keep their commas and escaped quotes', () => {
    expect(splitCsvLine('"2014-03-07","1,5","say ""hi"""')).toEqual(['2014-03-07', '1,5', 'say "hi"']);
  });
});

describe('time parsing', () => {
  test('unix seconds and milliseconds are told apart by size', () => {
    expect(parseTime('1313625600')).toEqual({ ms: 1_313_625_600_000, dateOnly: false });
    expect(parseTime('1313625600000')).toEqual({ ms: 1_313_625_600_000, dateOnly: false });
  });

  test('dates, UTC date-times and ISO times with offsets are read', () => {
    expect(parseTime('2014-03-07')).toEqual({ ms: Date.UTC(2014, 2, 7), dateOnly: true, writtenDate: '2014-03-07' });
    expect(parseTime('2011-08-18 00:00:00')!.ms).toBe(1_313_625_600_000);
    expect(iso(parseTime('2014-03-07T09:30:00-05:00')!.ms)).toBe('2014-03-07T14:30:00.000Z');
    expect(iso(parseTime('2014-03-07T14:30:00.250Z')!.ms)).toBe('2014-03-07T14:30:00.250Z');
    expect(iso(parseTime('2014-03-07T14:30')!.ms)).toBe('2014-03-07T14:30:00.000Z');
  });

  test('impossible dates and times are not read', () => {
    for (const text of ['2014-02-30', '2014-13-01', '2014-03-07 24:00:00', '07/03/2014', '20140307', 'abc', '']) {
      expect(parseTime(text)).toBeUndefined();
    }
  });
});

describe('bar times', () => {
  const yahoo = 'Date,Open,High,Low,Close,Adj Close,Volume\n';

  test('a daily stock bar opens at 09:30 New York time and closes at the session close', () => {
    const csv = `${yahoo}1999-01-22,1.75,1.953125,1.552083,1.640625,1.518424,67867200\n2014-07-01,20,21,19,20.5,20.4,100\n`;
    const { candles, errors } = parseCandleCsv(csv, { source: 'nvda.csv', timeframe: '1d', kind: 'stock' });
    expect(errors).toEqual([]);
    expect(candles.map((candle) => iso(candle.ts))).toEqual(['1999-01-22T14:30:00.000Z', '2014-07-01T13:30:00.000Z']);
    expect(candles.map((candle) => iso(barCloseTs(candle.ts, '1d', 'stock')))).toEqual([
      '1999-01-22T21:00:00.000Z',
      '2014-07-01T20:00:00.000Z',
    ]);
  });

  test('a daily stock bar on the day after Thanksgiving closes at 13:00', () => {
    const { candles } = parseCandleCsv(`${yahoo}2014-11-28,20,21,19,20.5,20.4,100\n`, { source: 'x', timeframe: '1d', kind: 'stock' });
    expect(iso(barCloseTs(candles[0]!.ts, '1d', 'stock'))).toBe('2014-11-28T18:00:00.000Z');
  });

  test('a daily stock bar stamped at UTC midnight still maps to that date\'s session', () => {
    const csv = 'ts,open,high,low,close,volume\n1394150400,10,11,9,10,5\n';
    const { candles } = parseCandleCsv(csv, { source: 'x', timeframe: '1d', kind: 'stock' });
    expect(iso(candles[0]!.ts)).toBe('2014-03-07T14:30:00.000Z');
  });

  test('a daily stock bar with a zone offset is the session of the date as written', () => {
    // Midnight in Tokyo is still the previous day in New York and in UTC; 20:00 in New York is the next day in UTC.
    const csv = 'Date,Open,High,Low,Close,Volume\n2014-03-06T00:00:00+08:00,10,11,9,10,100\n2014-03-10T00:00:00+01:00,10,11,9,10,100\n'
      + '2014-03-11T20:00:00-04:00,10,11,9,10,100\n';
    const { candles, errors } = parseCandleCsv(csv, { source: 'x', timeframe: '1d', kind: 'stock' });
    expect(errors).toEqual([]);
    expect(candles.map((candle) => iso(candle.ts))).toEqual(['2014-03-06T14:30:00.000Z', '2014-03-10T13:30:00.000Z', '2014-03-11T13:30:00.000Z']);
  });

  test('an intraday bar with a zone offset keeps its instant', () => {
    const csv = 'Date,Open,High,Low,Close,Volume\n2014-03-07T09:30:00-05:00,10,11,9,10,100\n';
    const { candles } = parseCandleCsv(csv, { source: 'x', timeframe: '1h', kind: 'stock' });
    expect(iso(candles[0]!.ts)).toBe('2014-03-07T14:30:00.000Z');
  });

  test('a daily crypto bar opens at 00:00 UTC and closes a day later', () => {
    const ts = parseTime('2011-08-18')!.ms;
    expect(iso(barCloseTs(ts, '1d', 'crypto'))).toBe('2011-08-19T00:00:00.000Z');
  });

  test('an intraday stock bar closes after one timeframe but never after the session close', () => {
    expect(iso(barCloseTs(Date.parse('2019-07-02T14:00:00Z'), '1h', 'stock'))).toBe('2019-07-02T15:00:00.000Z');
    expect(iso(barCloseTs(Date.parse('2019-07-03T16:30:00Z'), '1h', 'stock'))).toBe('2019-07-03T17:00:00.000Z');
    expect(iso(barCloseTs(Date.parse('2019-07-02T19:30:00Z'), '1h', 'stock'))).toBe('2019-07-02T20:00:00.000Z');
  });
});

describe('row parsing', () => {
  test('the real BTC file parses every row, its text times agreeing with unix_timestamp', () => {
    const text = readFileSync(resolve(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), 'utf8');
    const { candles, errors } = parseCandleCsv(text, { source: 'btc.csv', timeframe: '1d', kind: 'crypto' });
    expect(errors).toEqual([]);
    expect(candles.length).toBe(5152);
    expect(candles[0]).toEqual({ line: 2, ts: Date.UTC(2011, 7, 18), open: 10.9, high: 10.9, low: 10.9, close: 10.9, volume: 0.48990826 });
  });

  test('a Bitstamp row whose text time disagrees with unix_timestamp is an error', () => {
    const csv = 'timestamp,open,close,volume,unix_timestamp,high,low\n2011-08-19 00:00:00,10.9,10.9,0.5,1313625600,10.9,10.9\n';
    const { candles, errors } = parseCandleCsv(csv, { source: 'btc.csv', timeframe: '1d', kind: 'crypto' });
    expect(candles).toEqual([]);
    expect(errors.map((issue) => issue.message)).toEqual([
      'btc.csv line 2 (2011-08-18): timestamp "2011-08-19 00:00:00" disagrees with unix_timestamp 1313625600 (2011-08-18T00:00:00.000Z)',
    ]);
  });

  test('unreadable cells are errors naming line, field and text, and the row is left out', () => {
    const csv = [
      'Date,Open,High,Low,Close,Adj Close,Volume',
      '2014-03-03,1,2,0.5,1.5,1.4,100',
      '2014-03-04,1,abc,0.5,1.5,1.4,100',
      '2014-03-05,1,2,0.5,1.5,1.4,',
      '2014-03-0x,1,2,0.5,1.5,1.4,100',
      '2014-03-07,1,2,0.5,1.5,1.4',
      '',
    ].join('\n');
    const { candles, errors } = parseCandleCsv(csv, { source: 'x.csv', timeframe: '1d', kind: 'stock' });
    expect(candles.map((candle) => candle.line)).toEqual([2]);
    expect(errors.map((issue) => issue.message)).toEqual([
      'x.csv line 3 (2014-03-04): high "abc" is not a number',
      'x.csv line 4 (2014-03-05): volume is missing',
      'x.csv line 5: Date "2014-03-0x" is not a time',
      'x.csv line 6: expected 7 fields, got 6',
    ]);
    expect(errors.map((issue) => issue.field)).toEqual(['high', 'volume', 'ts', 'row']);
  });
});

describe('price basis', () => {
  const candle: RawCandle = { line: 2, ts: 0, open: 10, high: 12, low: 8, close: 11, volume: 500, adjClose: 5.5 };

  test('adjusted prices scale open, high, low and close by adjClose / close and keep volume', () => {
    expect(applyPriceBasis([candle], 'adjusted')).toEqual([{ ...candle, open: 5, high: 6, low: 4, close: 5.5 }]);
  });

  test('a high equal to the close stays equal after adjustment', () => {
    // 45.34 × (12.284669 / 45.34) rounds one ulp below 12.284669.
    const atHigh: RawCandle = { line: 2, ts: 0, open: 45, high: 45.34, low: 44.5, close: 45.34, volume: 1, adjClose: 12.284669 };
    const [adjusted] = applyPriceBasis([atHigh], 'adjusted');
    expect(adjusted!.high).toBe(adjusted!.close);
  });

  test('raw prices are left as they are', () => {
    expect(applyPriceBasis([candle], 'raw')).toEqual([candle]);
  });

  test('the basis defaults to adjusted when there is an adjusted close and raw otherwise', () => {
    expect(resolvePriceBasis(undefined, true)).toBe('adjusted');
    expect(resolvePriceBasis(undefined, false)).toBe('raw');
    expect(resolvePriceBasis('raw', true)).toBe('raw');
    expect(() => resolvePriceBasis('adjusted', false, 'btc.csv')).toThrow('btc.csv: --price adjusted needs an adjusted-close column');
  });

  test('the real NVDA file adjusts its first bar by the dividend factor', () => {
    const text = readFileSync(resolve(DATA_DIR, 'nvda-1999-2014.csv'), 'utf8');
    const { candles } = parseCandleCsv(text, { source: 'nvda.csv', timeframe: '1d', kind: 'stock' });
    const [first] = applyPriceBasis(candles.slice(0, 1), 'adjusted');
    const factor = 1.518424 / 1.640625;
    expect(first!.close).toBeCloseTo(1.518424, 12);
    expect(first!.open).toBeCloseTo(1.75 * factor, 12);
    expect(first!.high).toBeCloseTo(1.953125 * factor, 12);
    expect(first!.low).toBeCloseTo(1.552083 * factor, 12);
  });
});
