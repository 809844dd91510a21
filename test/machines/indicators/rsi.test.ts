import { beforeAll, describe, expect, test } from 'bun:test';
import { Rsi } from '../../../machines/indicators/index.ts';
import { expectRelativelyClose, loadBtcCloses } from './reference.ts';

let closes: number[] = [];
beforeAll(async () => {
  closes = await loadBtcCloses();
});

/** Wilder's RSI of the whole series up to its last close, recomputed from the first close. */
function naiveRsi(series: readonly number[], period: number): number | undefined {
  if (series.length <= period) return undefined;
  let gain = 0;
  let loss = 0;
  for (let i = 1; i <= period; i++) {
    const change = series[i]! - series[i - 1]!;
    gain += Math.max(change, 0) / period;
    loss += Math.max(-change, 0) / period;
  }
  for (let i = period + 1; i < series.length; i++) {
    const change = series[i]! - series[i - 1]!;
    gain = (gain * (period - 1) + Math.max(change, 0)) / period;
    loss = (loss * (period - 1) + Math.max(-change, 0)) / period;
  }
  if (loss === 0) return gain === 0 ? 50 : 100;
  return 100 - 100 / (1 + gain / loss);
}

function feed(rsi: Rsi, values: readonly number[]): (number | undefined)[] {
  return values.map((x) => rsi.update(x));
}

describe('Rsi', () => {
  test('reproduces the textbook 14-period example (StockCharts cs-rsi.xls, Wilder smoothing) to four decimals', () => {
    const textbookCloses = [
      44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826, 45.8931, 46.0328,
      45.614, 46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439, 46.2122, 46.2521, 45.7137, 46.4515,
      45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672, 43.4205, 42.6628, 43.1314,
    ];
    // The RSI column of ChartSchool's cs-rsi.xls, published to four decimals.
    const textbookRsi = [
      70.5328, 66.3186, 66.5498, 69.4063, 66.3552, 57.9749, 62.9296, 63.2571, 56.0593, 62.3771, 54.7076, 50.4228,
      39.9898, 41.4605, 41.8689, 45.4632, 37.304, 33.0795, 37.773,
    ];
    const values = feed(new Rsi(14), textbookCloses);
    expect(values.slice(0, 14)).toEqual(Array(14).fill(undefined));
    expect(values).toHaveLength(14 + textbookRsi.length);
    values.slice(14).forEach((value, i) => expect(value).toBeCloseTo(textbookRsi[i]!, 4));
  });

  test('seeds with the simple mean of the first changes, then smooths the Wilder way', () => {
    // Changes +1, −1, +2. Seed: gain 0.5, loss 0.5 → 50. Then gain (0.5 + 2) / 2 = 1.25, loss 0.25 → 1.25 / 1.5.
    const values = feed(new Rsi(2), [1, 2, 1, 3]);
    expect(values.slice(0, 3)).toEqual([undefined, undefined, 50]);
    expectRelativelyClose(values[3], 250 / 3, 'second value');
  });

  test('gives its first value after `period` changes, i.e. on close period + 1, and defaults to 14', () => {
    const rsi = new Rsi();
    expect(rsi.period).toBe(14);
    const values = feed(rsi, Array.from({ length: 15 }, (_, i) => 100 + (i % 3)));
    expect(values.slice(0, 14).every((value) => value === undefined)).toBe(true);
    expect(rsi.ready).toBe(true);
    expect(values[14]).toBeDefined();
  });

  test('is 100 after only gains, 0 after only losses and 50 when flat', () => {
    expect(feed(new Rsi(3), [1, 2, 3, 4, 5]).at(-1)).toBe(100);
    expect(feed(new Rsi(3), [5, 4, 3, 2, 1]).at(-1)).toBe(0);
    expect(feed(new Rsi(3), [7, 7, 7, 7, 7]).at(-1)).toBe(50);
  });

  test('matches a from-scratch recomputation on every bar of the BTC daily closes', () => {
    for (const period of [2, 14]) {
      const rsi = new Rsi(period);
      closes.forEach((close, i) => {
        const value = rsi.update(close);
        const expected = naiveRsi(closes.slice(0, i + 1), period);
        if (expected === undefined) expect(value).toBeUndefined();
        else expectRelativelyClose(value, expected, `period ${period} bar ${i}`, 1);
      });
    }
  });

  test.each([0, -14, 1.5, Number.NaN])('rejects period %p', (period) => {
    expect(() => new Rsi(period)).toThrow(`Rsi: period must be an integer >= 1, got ${period}`);
  });

  test('rejects a non-finite close', () => {
    expect(() => new Rsi().update(Number.NaN)).toThrow('indicator input must be a finite number, got NaN');
  });
});
