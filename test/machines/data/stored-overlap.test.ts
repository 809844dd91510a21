import { describe, expect, test } from 'bun:test';
import type { RawCandle } from '../../../machines/data/csv-layouts.ts';
import { checkAgainstStored, type StoredBar } from '../../../machines/data/stored-overlap.ts';

const DAY = 86_400_000;
const day = (n: number): number => Date.UTC(2020, 0, 1) + n * DAY;
const bar = (ts: number, close = 100): StoredBar => ({ ts, open: close, high: close + 1, low: close - 1, close, volume: 1 });
const fileBar = (line: number, ts: number, close = 100): RawCandle => ({ line, ...bar(ts, close) });
const crypto = { source: 'f.csv', timeframe: '1d', kind: 'crypto' as const };

describe('a file among the stored bars of its series', () => {
  test('the same bars again: nothing differs, nothing is wrong', () => {
    const stored = [0, 1, 2].map((n) => bar(day(n)));
    const file = [0, 1, 2].map((n) => fileBar(n + 2, day(n)));
    expect(checkAgainstStored(file, stored, crypto)).toEqual({ errors: [], differing: [], alreadyStored: 3, warnings: [] });
  });

  test('bars between the stored ones are errors on the file lines, naming the stored bar', () => {
    const stored = [0, 1, 2].map((n) => bar(day(n)));
    const file = [fileBar(2, day(1) + DAY / 2), fileBar(3, day(2) + DAY / 2)];
    const { errors } = checkAgainstStored(file, stored, crypto);
    expect(errors.map((issue) => issue.message)).toEqual([
      "f.csv line 2 (2020-01-02): 12h after the stored bar at 2020-01-02, less than one 1d bar: the file's bars are not on the stored series' times",
      "f.csv line 2 (2020-01-02): 12h before the stored bar at 2020-01-03, less than one 1d bar: the file's bars are not on the stored series' times",
      "f.csv line 3 (2020-01-03): 12h after the stored bar at 2020-01-03, less than one 1d bar: the file's bars are not on the stored series' times",
    ]);
  });

  test('other values for a stored bar are listed field by field', () => {
    const stored = [bar(day(0)), bar(day(1))];
    const { differing, errors } = checkAgainstStored([fileBar(2, day(1), 120)], stored, crypto);
    expect(errors).toEqual([]);
    expect(differing.map((issue) => issue.message)).toEqual([
      'f.csv line 2 (2020-01-02): differs from the stored bar: open 100 → 120, high 101 → 121, low 99 → 119, close 100 → 120',
    ]);
  });

  test('a gap in the file that the stored bars fill is no gap; one they leave open is, on the stored bar after it', () => {
    const stored = [bar(day(1)), bar(day(5))];
    const file = [fileBar(2, day(0)), fileBar(3, day(2))];
    const { warnings } = checkAgainstStored(file, stored, crypto);
    expect(warnings.map((issue) => [issue.line, issue.message])).toEqual([
      [3, 'f.csv stored bar after line 3 (2020-01-06): gap: 2 missing 1d bars 2020-01-04 .. 2020-01-05'],
    ]);
  });

  test('outliers are judged on the prices as stored, against the stored bars before the file', () => {
    const stored = Array.from({ length: 20 }, (_, n) => bar(day(n)));
    const file = [{ ...fileBar(2, day(20)), high: 150 }];
    const { warnings } = checkAgainstStored(file, stored, crypto);
    expect(warnings.map((issue) => issue.message)).toEqual([
      'f.csv line 2 (2020-01-21): outlier: range 51 is 25.5× the median range 2 of the previous 20 bars',
    ]);
  });

  test('daily stock bars open at their session open, so only their values are compared', () => {
    const open = (date: string, hourUtc: number): number => Date.parse(`${date}T${hourUtc}:30:00Z`);
    // 2014-03-07 is a Friday before the switch to daylight time; 2014-03-10 opens an hour earlier in UTC.
    const stored = [bar(open('2014-03-07', 14))];
    const file = [fileBar(2, open('2014-03-10', 13))];
    expect(checkAgainstStored(file, stored, { ...crypto, kind: 'stock' }).errors).toEqual([]);
  });
});
