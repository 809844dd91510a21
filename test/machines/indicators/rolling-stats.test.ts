import { beforeAll, describe, expect, test } from 'bun:test';
import { RollingStats } from '../../../machines/indicators/index.ts';
import { expectRelativelyClose, loadBtcCloses, naiveMean, naiveSampleStd, windowAt } from './reference.ts';

let closes: number[] = [];
beforeAll(async () => {
  closes = await loadBtcCloses();
});

function feed(stats: RollingStats, values: readonly number[]): RollingStats {
  for (const x of values) stats.update(x);
  return stats;
}

describe('RollingStats', () => {
  test('reports the mean and the sample (n − 1) standard deviation of a hand-computed window', () => {
    // Deviations from 5: −3 −1 −1 −1 0 0 2 4 → squares sum to 32; sample variance 32/7.
    const stats = feed(new RollingStats(8), [2, 4, 4, 4, 5, 5, 7, 9]);
    expect(stats.mean).toBe(5);
    expectRelativelyClose(stats.variance, 32 / 7, 'variance');
    expectRelativelyClose(stats.std, Math.sqrt(32 / 7), 'std');
    expectRelativelyClose(stats.zScore(9), 4 / Math.sqrt(32 / 7), 'z of 9');
  });

  test('uses the sample std, not the population std', () => {
    const stats = feed(new RollingStats(2), [1, 3]);
    expectRelativelyClose(stats.std, Math.SQRT2, 'std of [1, 3]');
  });

  test('uses the population std (divisor n) when asked', () => {
    const stats = feed(new RollingStats(2, 'population'), [1, 3]);
    expect(stats.variance).toBe(1);
    expect(stats.std).toBe(1);
    expect(stats.zScore(4)).toBe(2);
  });

  test('slides the window: the oldest value drops out', () => {
    const stats = feed(new RollingStats(3), [1, 2, 3]);
    expect(stats.mean).toBe(2);
    expect(stats.std).toBe(1);
    stats.update(10);
    // Window [2, 3, 10]: mean 5, squared deviations 9 + 4 + 25 = 38, variance 19.
    expect(stats.mean).toBe(5);
    expectRelativelyClose(stats.std, Math.sqrt(19), 'std of [2, 3, 10]');
    expectRelativelyClose(stats.zScore(0), -5 / Math.sqrt(19), 'z of 0');
  });

  test('is undefined everywhere until the window is full', () => {
    const stats = feed(new RollingStats(3), [1, 2]);
    expect(stats.ready).toBe(false);
    expect(stats.mean).toBeUndefined();
    expect(stats.std).toBeUndefined();
    expect(stats.variance).toBeUndefined();
    expect(stats.zScore(5)).toBeUndefined();
    stats.update(3);
    expect(stats.ready).toBe(true);
    expect(stats.zScore(5)).toBe(3);
  });

  test('reports std exactly 0 and no z-score for a constant window, even after varied values left it', () => {
    const stats = feed(new RollingStats(3), [5, 100.1, 0.1, 0.1, 0.1]);
    expect(stats.std).toBe(0);
    expect(stats.mean).toBe(0.1);
    expect(stats.zScore(0.1)).toBeUndefined();
    expect(stats.zScore(7)).toBeUndefined();
  });

  test('recovers full accuracy once a bad tick has left the window', () => {
    const stats = feed(new RollingStats(3), [1e12, 1, 2, 3]);
    expectRelativelyClose(stats.mean, 2, 'mean');
    expectRelativelyClose(stats.std, 1, 'std');
  });

  test('matches a full-window recomputation of mean, std and z-score on every bar of the BTC daily closes', () => {
    let zeroStdWindows = 0;
    for (const period of [2, 5, 20, 100]) {
      const stats = new RollingStats(period);
      closes.forEach((close, i) => {
        stats.update(close);
        if (i + 1 < period) {
          expect(stats.mean).toBeUndefined();
          return;
        }
        const window = windowAt(closes, i, period);
        const label = `period ${period} bar ${i}`;
        const mean = naiveMean(window);
        const std = naiveSampleStd(window);
        expectRelativelyClose(stats.mean, mean, `${label} mean`);
        expectRelativelyClose(stats.std, std, `${label} std`);
        const nextClose = closes[i + 1] ?? close;
        if (std === 0) {
          zeroStdWindows++;
          expect(stats.zScore(nextClose)).toBeUndefined();
        } else {
          expectRelativelyClose(stats.zScore(nextClose), (nextClose - mean) / std, `${label} z`, 1);
        }
      });
    }
    // The early BTC days are flat often enough that the zero-spread path is exercised on real data too.
    expect(zeroStdWindows).toBeGreaterThan(0);
  });

  test.each([1, 0, 2.5, Number.NaN])('rejects period %p: a sample std needs at least two values', (period) => {
    expect(() => new RollingStats(period)).toThrow(`RollingStats: period must be an integer >= 2, got ${period}`);
  });

  test('rejects non-finite inputs to update and zScore', () => {
    const stats = feed(new RollingStats(2), [1, 3]);
    expect(() => stats.update(Number.NaN)).toThrow('indicator input must be a finite number, got NaN');
    expect(() => stats.zScore(Number.NEGATIVE_INFINITY)).toThrow(
      'indicator input must be a finite number, got -Infinity',
    );
    expect(stats.mean).toBe(2);
  });
});
