import { beforeAll, describe, expect, test } from 'bun:test';
import { Bollinger } from '../../../machines/indicators/index.ts';
import { expectRelativelyClose, loadBtcCloses, naiveMean, naiveSampleStd, windowAt } from './reference.ts';

let closes: number[] = [];
beforeAll(async () => {
  closes = await loadBtcCloses();
});

describe('Bollinger', () => {
  test('puts the bands k sample standard deviations around the mean', () => {
    const bands = new Bollinger(3, 2);
    bands.update(1);
    bands.update(2);
    // Window [1, 2, 3]: mean 2, sample std 1.
    expect(bands.update(3)).toEqual({ middle: 2, upper: 4, lower: 0, percentB: 0.75, bandwidth: 2 });
  });

  test('matches the StockCharts (20, 2) example once its population std is rescaled to the sample std', () => {
    // SPY closes and the middle-band / std columns of ChartSchool's cs-bbands.xls (six decimals). StockCharts
    // and TradingView use the population std, so their bands are narrower than ours by sqrt(19 / 20).
    const closesSpy = [
      86.1557, 89.0867, 88.7829, 90.3228, 89.0671, 91.1453, 89.4397, 89.175, 86.9302, 87.6752, 86.9596, 89.4299,
      89.3221, 88.7241, 87.4497, 87.2634, 89.4985, 87.9006, 89.126, 90.7043, 92.9001, 92.9784, 91.8021, 92.6647,
      92.6843, 92.3021, 92.7725, 92.5373, 92.949, 93.2039, 91.0669, 89.8318, 89.7435, 90.3994, 90.7387, 88.0177,
      88.0867, 88.8439, 90.7781, 90.5416, 91.3894, 90.65,
    ];
    const publishedMiddle = [
      88.70794, 89.04516, 89.239745, 89.390705, 89.5078, 89.68866, 89.7465, 89.91314, 90.081255, 90.382195, 90.65863,
      90.863995, 90.88409, 90.90516, 90.988925, 91.153375, 91.19109, 91.1205, 91.167665, 91.25027, 91.242135, 91.1666,
      91.05018,
    ];
    const publishedPopulationStd = [
      1.291961, 1.452054, 1.686425, 1.771747, 1.902075, 2.019895, 2.076546, 2.176557, 2.241921, 2.202359, 2.192185,
      2.021805, 2.009411, 1.99508, 1.936044, 1.760127, 1.682751, 1.779126, 1.70406, 1.642001, 1.645086, 1.601325,
      1.549162,
    ];
    const bands = new Bollinger(20, 2);
    const values = closesSpy.map((x) => bands.update(x)).slice(19);
    expect(values).toHaveLength(publishedMiddle.length);
    values.forEach((value, i) => {
      expect(value?.middle).toBeCloseTo(publishedMiddle[i]!, 5);
      const sampleStd = (value!.upper - value!.middle) / 2;
      expect(sampleStd * Math.sqrt(19 / 20)).toBeCloseTo(publishedPopulationStd[i]!, 5);
    });
  });

  test('is undefined until the window is full', () => {
    const bands = new Bollinger(3, 2);
    expect(bands.update(1)).toBeUndefined();
    expect(bands.update(2)).toBeUndefined();
    expect(bands.ready).toBe(false);
    expect(bands.update(3)).toBeDefined();
    expect(bands.ready).toBe(true);
  });

  test('collapses to the mean with no %B when the window is flat', () => {
    const bands = new Bollinger(2, 2);
    bands.update(7);
    bands.update(3);
    bands.update(3);
    expect(bands.update(3)).toEqual({ middle: 3, upper: 3, lower: 3, percentB: undefined, bandwidth: 0 });
  });

  test('has no bandwidth when the middle band is 0', () => {
    const bands = new Bollinger(2, 2);
    bands.update(-1);
    const value = bands.update(1);
    expect(value?.middle).toBe(0);
    expect(value?.bandwidth).toBeUndefined();
    // std √2, bands ±2√2: %B of 1 is (1 + 2√2) / 4√2.
    expectRelativelyClose(value?.percentB, (1 + 2 * Math.SQRT2) / (4 * Math.SQRT2), '%B');
  });

  test('matches a full-window recomputation on every bar of the BTC daily closes', () => {
    for (const [period, k] of [
      [20, 2],
      [10, 1.5],
    ] as const) {
      const bands = new Bollinger(period, k);
      closes.forEach((close, i) => {
        const value = bands.update(close);
        if (i + 1 < period) {
          expect(value).toBeUndefined();
          return;
        }
        const window = windowAt(closes, i, period);
        const middle = naiveMean(window);
        const std = naiveSampleStd(window);
        const label = `period ${period} k ${k} bar ${i}`;
        expectRelativelyClose(value?.middle, middle, `${label} middle`);
        expectRelativelyClose(value?.upper, middle + k * std, `${label} upper`);
        expectRelativelyClose(value?.lower, middle - k * std, `${label} lower`);
        expectRelativelyClose(value?.bandwidth, (2 * k * std) / middle, `${label} bandwidth`);
        if (std === 0) expect(value?.percentB).toBeUndefined();
        else expectRelativelyClose(value?.percentB, (close - (middle - k * std)) / (2 * k * std), `${label} %B`, 1);
      });
    }
  });

  test.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('rejects k %p', (k) => {
    expect(() => new Bollinger(20, k)).toThrow(`Bollinger: k must be a finite number > 0, got ${k}`);
  });

  test('rejects a period below 2, naming Bollinger', () => {
    expect(() => new Bollinger(1, 2)).toThrow('Bollinger: period must be an integer >= 2, got 1');
  });

  test('rejects a non-finite input', () => {
    expect(() => new Bollinger(20, 2).update(Number.NaN)).toThrow('indicator input must be a finite number, got NaN');
  });
});
