// The candle columns a sweep shares with its workers: what a range delivers, and how many equity points a run
// over it records (the size its summary collector is made with).
import { describe, expect, test } from 'bun:test';
import type { MarketData } from '../../../actors/messages.ts';
import { closeTimesInRange, replayColumns, toSharedColumns } from '../../../actors/sweep/shared-candles.ts';
import type { CandleRow } from '../../../db/schema.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2022, 0, 3);

function row(symbol: string, day: number): CandleRow {
  return { exchange: 'test', symbol, timeframe: '1d', ts: T0 + day * DAY, closeTs: T0 + (day + 1) * DAY, open: 1, high: 1, low: 1, close: 1, volume: 1 };
}

// A crypto series every day and a stock one on weekdays only, in loadCandles' order (close time, then symbol):
// some close times are shared by both, the weekend ones have one bar.
const rows: CandleRow[] = [];
for (let day = 0; day < 21; day++) {
  rows.push(row('BTC/USD', day));
  if (day % 7 < 5) rows.push(row('ORCL', day));
}
const columns = toSharedColumns(rows, '1d');

describe('shared candle columns', () => {
  test('closeTimesInRange counts the distinct close times of exactly the bars replayColumns delivers', () => {
    const ranges = [{}, { fromTs: T0 + 3 * DAY }, { toTs: T0 + 9 * DAY }, { fromTs: T0 + 5 * DAY, toTs: T0 + 6 * DAY }, { fromTs: T0 + 40 * DAY }];
    for (const range of ranges) {
      const delivered: MarketData[] = [];
      replayColumns(columns, range, (bar) => delivered.push(bar));
      expect(closeTimesInRange(columns, range)).toBe(new Set(delivered.map((b) => b.closeTs)).size);
    }
    expect(closeTimesInRange(columns, {})).toBe(21);
    expect(closeTimesInRange(columns, { fromTs: T0 + 5 * DAY, toTs: T0 + 6 * DAY })).toBe(2);
    expect(closeTimesInRange(columns, { fromTs: T0 + 40 * DAY })).toBe(0);
  });
});
