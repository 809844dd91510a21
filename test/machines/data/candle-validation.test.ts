import { describe, expect, test } from 'bun:test';
import { validateCandles, type ValidationOptions } from '../../../machines/data/candle-validation.ts';
import type { RawCandle } from '../../../machines/data/csv-layouts.ts';
import { dateKeyOf, dayMsOf, sessionOpenClose, tradingDaysBetween } from '../../../machines/data/nyse-calendar.ts';

const DAY = 86_400_000;
const MINUTE = 60_000;
const CRYPTO: ValidationOptions = { timeframe: '1d', kind: 'crypto', source: 'btc.csv' };
const STOCK_DAILY: ValidationOptions = { timeframe: '1d', kind: 'stock', source: 'nvda.csv' };
const STOCK_5M: ValidationOptions = { timeframe: '5m', kind: 'stock', source: 'nvda-5m.csv' };

/** A calm bar: range 2 around a close of 100. */
function bar(line: number, ts: number, overrides: Partial<RawCandle> = {}): RawCandle {
  return { line, ts, open: 100, high: 101, low: 99, close: 100.5, volume: 1000, ...overrides };
}

/** Consecutive daily crypto bars from 2014-03-01, file lines starting at 2. */
function cryptoSeries(count: number): RawCandle[] {
  const start = dayMsOf('2014-03-01');
  return Array.from({ length: count }, (_, i) => bar(i + 2, start + i * DAY));
}

/** Daily stock bars, one per session from `from` to `to`, each at its session open. */
function stockSeries(from: string, to: string): RawCandle[] {
  return tradingDaysBetween(dayMsOf(from), dayMsOf(to)).map((day, i) =>
    bar(i + 2, sessionOpenClose(dateKeyOf(day)).openTs),
  );
}

function messages(issues: Array<{ message: string }>): string[] {
  return issues.map((issue) => issue.message);
}

describe('errors', () => {
  test('a clean series has no errors and no warnings', () => {
    expect(validateCandles(cryptoSeries(40), CRYPTO)).toEqual({ errors: [], warnings: [] });
  });

  test('high below low is reported with file, line, date and both values', () => {
    const rows = cryptoSeries(10);
    rows[5] = { ...rows[5]!, open: 41.5, close: 41.5, high: 41.2, low: 41.9 };
    const { errors } = validateCandles(rows, CRYPTO);
    expect(messages(errors)).toEqual(['btc.csv line 7 (2014-03-06): high 41.2 < low 41.9']);
    expect(errors[0]).toMatchObject({ line: 7, ts: dayMsOf('2014-03-06'), field: 'high' });
  });

  test('a high below the open and a low above the close are each reported', () => {
    const rows = cryptoSeries(3);
    rows[1] = { ...rows[1]!, open: 102, high: 101.5 };
    rows[2] = { ...rows[2]!, close: 98, low: 98.5 };
    expect(messages(validateCandles(rows, CRYPTO).errors)).toEqual([
      'btc.csv line 3 (2014-03-02): high 101.5 < open 102',
      'btc.csv line 4 (2014-03-03): low 98.5 > close 98',
    ]);
  });

  test('a zero price is an error naming the field', () => {
    const rows = cryptoSeries(5);
    rows[2] = { ...rows[2]!, low: 0 };
    const { errors } = validateCandles(rows, CRYPTO);
    expect(messages(errors)).toEqual(['btc.csv line 4 (2014-03-03): low 0 is not positive']);
  });

  test('NaN, infinite and missing values are errors with the bar time when it is known', () => {
    const rows = cryptoSeries(5);
    rows[1] = { ...rows[1]!, close: Number.NaN };
    rows[2] = { ...rows[2]!, volume: Number.POSITIVE_INFINITY };
    rows[3] = { ...rows[3]!, ts: Number.NaN };
    const { errors } = validateCandles(rows, CRYPTO);
    expect(messages(errors)).toEqual([
      'btc.csv line 3 (2014-03-02): close NaN is not a finite number',
      'btc.csv line 4 (2014-03-03): volume Infinity is not a finite number',
      'btc.csv line 5: ts NaN is not a finite number',
    ]);
    expect(errors[2]!.ts).toBeNull();
  });

  test('negative volume is an error but zero volume is not', () => {
    const rows = cryptoSeries(4);
    rows[1] = { ...rows[1]!, volume: 0 };
    rows[2] = { ...rows[2]!, volume: -3 };
    expect(messages(validateCandles(rows, CRYPTO).errors)).toEqual(['btc.csv line 4 (2014-03-03): volume -3 is negative']);
  });

  test('a duplicate timestamp is an error pointing at the first occurrence', () => {
    const rows = cryptoSeries(5);
    rows.splice(3, 0, { ...rows[2]!, line: 0 });
    rows.forEach((row, i) => (row.line = i + 2));
    const { errors } = validateCandles(rows, CRYPTO);
    expect(messages(errors)).toEqual(['btc.csv line 5 (2014-03-03): duplicate ts, same as line 4']);
    expect(errors[0]!.ts).toBe(dayMsOf('2014-03-03'));
  });

  test('a timestamp earlier than the row before is an out-of-order error', () => {
    const rows = cryptoSeries(5);
    [rows[2], rows[3]] = [{ ...rows[3]!, line: 4 }, { ...rows[2]!, line: 5 }];
    expect(messages(validateCandles(rows, CRYPTO).errors)).toEqual([
      'btc.csv line 5 (2014-03-03): ts out of order: earlier than line 4 (2014-03-04)',
    ]);
  });

  test('bars closer together than one timeframe are an error', () => {
    const rows = cryptoSeries(3);
    rows[2] = { ...rows[2]!, ts: rows[1]!.ts + 3_600_000 };
    expect(messages(validateCandles(rows, CRYPTO).errors)).toEqual([
      'btc.csv line 4 (2014-03-02): starts 1h after line 3, less than one 1d bar',
    ]);
  });

  test('flat bars (open = high = low = close) are not errors and not outliers', () => {
    const rows = cryptoSeries(30).map((row) => ({ ...row, open: 10.9, high: 10.9, low: 10.9, close: 10.9, volume: 0.01 }));
    rows[25] = { ...rows[25]!, high: 11.85 };
    expect(validateCandles(rows, CRYPTO)).toEqual({ errors: [], warnings: [] });
  });

  test('a stock daily bar on a weekend or holiday is an error naming the reason', () => {
    const rows = stockSeries('2014-04-14', '2014-04-17');
    rows.push(bar(6, Date.parse('2014-04-18T13:30:00Z')));
    expect(messages(validateCandles(rows, STOCK_DAILY).errors)).toEqual([
      'nvda.csv line 6 (2014-04-18): 2014-04-18 is not an NYSE trading day (Good Friday)',
    ]);
  });

  test('a stock daily bar that does not start at the session open is an error', () => {
    const rows = stockSeries('2014-03-03', '2014-03-05');
    rows[1] = { ...rows[1]!, ts: dayMsOf('2014-03-04') };
    expect(messages(validateCandles(rows, STOCK_DAILY).errors)).toEqual([
      'nvda.csv line 3 (2014-03-04): ts 2014-03-04T00:00:00.000Z is not the session open 2014-03-04T14:30:00.000Z',
    ]);
  });
});

describe('warnings', () => {
  test('a crypto gap reports the missing range and count on the bar after it', () => {
    const rows = cryptoSeries(10).filter((_, i) => i < 4 || i > 6);
    const { errors, warnings } = validateCandles(rows, CRYPTO);
    expect(errors).toEqual([]);
    expect(messages(warnings)).toEqual(['btc.csv line 9 (2014-03-08): gap: 3 missing 1d bars 2014-03-05 .. 2014-03-07']);
    expect(warnings[0]).toMatchObject({ line: 9, ts: dayMsOf('2014-03-08'), field: 'ts' });
  });

  test('a missing stock session is a gap, but weekends and holidays are not', () => {
    const rows = stockSeries('2014-04-14', '2014-04-25').filter((row) => dateKeyOf(row.ts) !== '2014-04-22');
    expect(messages(validateCandles(rows, STOCK_DAILY).warnings)).toEqual([
      'nvda.csv line 8 (2014-04-23): gap: 1 missing session 2014-04-22',
    ]);
  });

  test('stock bars across 9/11 and Hurricane Sandy have no gaps', () => {
    const dates = ['2001-09-07', '2001-09-10', '2001-09-17', '2012-10-25', '2012-10-26', '2012-10-31'];
    for (const pair of [dates.slice(0, 3), dates.slice(3)]) {
      const rows = pair.map((date, i) => bar(i + 2, sessionOpenClose(date).openTs));
      expect(validateCandles(rows, STOCK_DAILY)).toEqual({ errors: [], warnings: [] });
    }
  });

  test('a bar far wider than the recent bars is an outlier', () => {
    const rows = cryptoSeries(30);
    rows[25] = { ...rows[25]!, high: 130, low: 95 };
    const { errors, warnings } = validateCandles(rows, CRYPTO);
    expect(errors).toEqual([]);
    expect(messages(warnings)).toEqual([
      'btc.csv line 27 (2014-03-26): outlier: range 35 is 17.5× the median range 2 of the previous 20 bars',
    ]);
  });

  test('the outlier multiple can be raised', () => {
    const rows = cryptoSeries(30);
    rows[25] = { ...rows[25]!, high: 130, low: 95 };
    expect(validateCandles(rows, { ...CRYPTO, outlierRangeMultiple: 20 }).warnings).toEqual([]);
  });

  test('intraday stock gaps are reported inside a session and at its boundaries', () => {
    const day1 = sessionOpenClose('2014-03-03');
    const day2 = sessionOpenClose('2014-03-05');
    const bars: number[] = [];
    for (let ts = day1.openTs; ts < day1.closeTs - 10 * MINUTE; ts += 5 * MINUTE) bars.push(ts);
    for (let ts = day2.openTs + 15 * MINUTE; ts < day2.closeTs; ts += 5 * MINUTE) {
      if (ts !== day2.openTs + 60 * MINUTE) bars.push(ts);
    }
    const rows = bars.map((ts, i) => bar(i + 2, ts));
    const { errors, warnings } = validateCandles(rows, STOCK_5M);
    expect(errors).toEqual([]);
    expect(warnings.map((warning) => warning.message.split(': ').slice(1).join(': '))).toEqual([
      'gap: bars missing from 2014-03-03 20:50Z to the session close 2014-03-03 21:00Z',
      'gap: 1 whole session missing 2014-03-04',
      'gap: bars missing from the session open 2014-03-05 14:30Z to 2014-03-05 14:45Z',
      'gap: 1 missing 5m bar 2014-03-05 15:30Z',
    ]);
  });

  test('an intraday stock series ending at a 13:00 early close has no gap', () => {
    const { openTs, closeTs } = sessionOpenClose('2019-07-03');
    const rows: RawCandle[] = [];
    for (let ts = openTs; ts < closeTs; ts += 5 * MINUTE) rows.push(bar(rows.length + 2, ts));
    const next = sessionOpenClose('2019-07-05');
    for (let ts = next.openTs; ts < next.openTs + 30 * MINUTE; ts += 5 * MINUTE) rows.push(bar(rows.length + 2, ts));
    expect(validateCandles(rows, STOCK_5M)).toEqual({ errors: [], warnings: [] });
  });

  test('an intraday stock bar outside the regular session is a warning', () => {
    const { openTs } = sessionOpenClose('2014-03-03');
    const rows = [bar(2, openTs - 30 * MINUTE), bar(3, openTs), bar(4, openTs + 5 * MINUTE)];
    expect(messages(validateCandles(rows, STOCK_5M).warnings)).toEqual([
      'nvda-5m.csv line 2 (2014-03-03 14:00Z): bar lies outside the regular session',
    ]);
  });

  test('stock timeframes longer than a day are refused', () => {
    expect(() => validateCandles([], { ...STOCK_DAILY, timeframe: '1w' })).toThrow('stock timeframe 1w is not supported');
  });
});
