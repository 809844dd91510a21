import { beforeAll, describe, expect, test } from 'bun:test';
import { Sma } from '../../../machines/indicators/index.ts';
import { expectRelativelyClose, loadBtcCloses, naiveMean, windowAt } from './reference.ts';

let closes: number[] = [];
beforeAll(async () => {
  closes = await loadBtcCloses();
});

describe('Sma', () => {
  test('averages the last `period` values of a small series', () => {
    const sma = new Sma(3);
    expect([1, 2, 3, 4, 5, 9].map((x) => sma.update(x))).toEqual([undefined, undefined, 2, 3, 4, 6]);
  });

  test('stays undefined and not ready until the window is full', () => {
    const sma = new Sma(3);
    sma.update(10);
    sma.update(20);
    expect(sma.ready).toBe(false);
    expect(sma.value).toBeUndefined();
    expect(sma.update(30)).toBe(20);
    expect(sma.ready).toBe(true);
    expect(sma.value).toBe(20);
  });

  test('with period 1 returns every value unchanged', () => {
    const sma = new Sma(1);
    expect([3.5, -2, 7].map((x) => sma.update(x))).toEqual([3.5, -2, 7]);
  });

  test('matches a full-window recomputation on every bar of the BTC daily closes', () => {
    expect(closes.length).toBeGreaterThan(5000);
    for (const period of [1, 2, 5, 20, 50, 200]) {
      const sma = new Sma(period);
      closes.forEach((close, i) => {
        const value = sma.update(close);
        if (i + 1 < period) expect(value).toBeUndefined();
        else expectRelativelyClose(value, naiveMean(windowAt(closes, i, period)), `period ${period} bar ${i}`);
      });
    }
  });

  test('forgets a huge value exactly once it has left the window', () => {
    const sma = new Sma(4);
    for (const x of [1e16, 1, 2, 3]) sma.update(x);
    expect(sma.update(4)).toBe(2.5);
  });

  test('does not drift after a long run of large values has passed through', () => {
    const period = 10;
    const sma = new Sma(period);
    // Deterministic LCG so the run is replayable; values around 1e12 with fractional digits.
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (let i = 0; i < 200_000; i++) sma.update(1e12 * (1 + next()) + next());
    const tail: number[] = [];
    for (let i = 0; i < period; i++) {
      const x = 1 + next();
      tail.push(x);
      sma.update(x);
    }
    expectRelativelyClose(sma.value, naiveMean(tail), 'mean after the large values left');
  });

  test.each([0, -3, 2.5, Number.NaN])('rejects period %p with a message naming the parameter', (period) => {
    expect(() => new Sma(period)).toThrow(`Sma: period must be an integer >= 1, got ${period}`);
  });

  test('rejects a non-finite input without corrupting the window', () => {
    const sma = new Sma(2);
    sma.update(1);
    expect(() => sma.update(Number.NaN)).toThrow('indicator input must be a finite number, got NaN');
    expect(() => sma.update(Number.POSITIVE_INFINITY)).toThrow(
      'indicator input must be a finite number, got Infinity',
    );
    expect(sma.update(3)).toBe(2);
  });
});
