import { describe, expect, test } from 'bun:test';
import { observeEquity, rebasePeak, startTracker } from '../../../machines/risk/breaker-rules.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const maxDailyLossPct = 0.05;
const maxDrawdownPct = 0.2;

/** Noon UTC on day `d` since the epoch, plus `h` hours. */
const at = (d: number, h = 0) => d * DAY + 12 * HOUR + h * HOUR;

function observe(tracker: ReturnType<typeof startTracker>, equity: number, ts: number) {
  return observeEquity(tracker, equity, ts, maxDailyLossPct, maxDrawdownPct);
}

describe('startTracker', () => {
  test('opens the UTC day, the peak and the last equity at the starting equity', () => {
    expect(startTracker(100_000, at(10))).toEqual({ day: 10, dayStartEquity: 100_000, peakEquity: 100_000, lastEquity: 100_000 });
  });

  test('puts the last millisecond before midnight on the earlier UTC day', () => {
    expect(startTracker(1, 11 * DAY - 1).day).toBe(10);
    expect(startTracker(1, 11 * DAY).day).toBe(11);
  });
});

describe('observeEquity: daily loss', () => {
  test.each([
    { name: 'does not trip on a 4% loss within the day', equity: 96_000, trips: false },
    { name: 'trips on a 6% loss within the day', equity: 94_000, trips: true },
    { name: 'does not trip on a gain', equity: 103_000, trips: false },
  ])('$name', ({ equity, trips }) => {
    const tracker = startTracker(100_000, at(10));
    const observation = observe(tracker, equity, at(10, 3));
    expect(observation.newDay).toBe(false);
    expect(observation.trip?.kind).toBe(trips ? 'dailyLoss' : undefined);
  });

  test('names the loss, the opening equity and the limit in the reason', () => {
    const tracker = startTracker(100_000, at(10));
    expect(observe(tracker, 94_000, at(10, 1)).trip).toEqual({
      kind: 'dailyLoss',
      reason: 'daily loss -6.00% since the UTC day opened at 100000.00 reached the -5.00% limit',
    });
  });

  test('re-bases a new UTC day to the previous day\'s last equity, not its opening', () => {
    const tracker = startTracker(100_000, at(10));
    expect(observe(tracker, 97_000, at(10, 6)).trip).toBeUndefined();
    // −7% against the old opening, but only −4.1% against yesterday's close of 97k.
    const observation = observe(tracker, 93_000, at(11));
    expect(observation).toEqual({ newDay: true });
    expect(tracker).toEqual({ day: 11, dayStartEquity: 97_000, peakEquity: 100_000, lastEquity: 93_000 });
  });

  test('counts an overnight gap as the new day\'s loss', () => {
    const tracker = startTracker(100_000, at(10));
    const observation = observe(tracker, 94_000, at(11));
    expect(observation.newDay).toBe(true);
    expect(observation.trip?.kind).toBe('dailyLoss');
  });

  test('reports a new day only on the first observation of that day', () => {
    const tracker = startTracker(100_000, at(10));
    expect(observe(tracker, 100_000, at(11)).newDay).toBe(true);
    expect(observe(tracker, 100_000, at(11, 5)).newDay).toBe(false);
    expect(observe(tracker, 100_000, at(13)).newDay).toBe(true);
  });

  test('measures the day from its opening, so an intraday high does not move the baseline', () => {
    const tracker = startTracker(100_000, at(10));
    observe(tracker, 104_000, at(10, 1));
    // 98.5k is −5.3% from the intraday high but only −1.5% from the opening.
    expect(observe(tracker, 98_500, at(10, 2)).trip).toBeUndefined();
  });
});

describe('observeEquity: drawdown', () => {
  test('raises the peak on a new high and keeps it on a fall', () => {
    const tracker = startTracker(100_000, at(10));
    observe(tracker, 120_000, at(10, 1));
    observe(tracker, 118_000, at(10, 2));
    expect(tracker.peakEquity).toBe(120_000);
    expect(tracker.lastEquity).toBe(118_000);
  });

  test('trips on a drawdown from the peak built up over days of small losses', () => {
    const tracker = startTracker(100_000, at(0));
    observe(tracker, 120_000, at(0, 1));
    // Each day loses less than 5%, so only the drawdown from 120k can trip.
    const path = [115_000, 110_000, 105_500, 101_000, 97_000];
    path.forEach((equity, i) => expect(observe(tracker, equity, at(i + 1)).trip).toBeUndefined());
    expect(observe(tracker, 95_000, at(6))).toEqual({
      newDay: true,
      trip: { kind: 'drawdown', reason: 'drawdown -20.83% from peak 120000.00 reached the -20.00% limit' },
    });
  });

  test('does not trip at a 19.5% drawdown reached without a bad day', () => {
    const tracker = startTracker(100_000, at(0));
    expect(observe(tracker, 96_000, at(1)).trip).toBeUndefined();
    expect(observe(tracker, 91_500, at(2)).trip).toBeUndefined();
    expect(observe(tracker, 87_000, at(3)).trip).toBeUndefined();
    expect(observe(tracker, 83_000, at(4)).trip).toBeUndefined();
    expect(observe(tracker, 80_500, at(5)).trip).toBeUndefined();
  });

  test('reports a drawdown ahead of a daily loss when both are breached', () => {
    const tracker = startTracker(100_000, at(10));
    expect(observe(tracker, 79_000, at(10, 1)).trip).toEqual({
      kind: 'drawdown',
      reason: 'drawdown -21.00% from peak 100000.00 reached the -20.00% limit',
    });
  });
});

describe('rebasePeak', () => {
  test('moves the peak to the last observed equity', () => {
    const tracker = startTracker(100_000, at(10));
    observe(tracker, 85_000, at(10, 1));
    rebasePeak(tracker);
    expect(tracker.peakEquity).toBe(85_000);
  });

  test.each([
    { name: 'measures later drawdown from the reset equity', rebase: true, kind: undefined },
    { name: 'without a reset the same path trips the drawdown from the old peak', rebase: false, kind: 'drawdown' },
  ])('$name', ({ rebase, kind }) => {
    const tracker = startTracker(100_000, at(0));
    observe(tracker, 85_000, at(1));
    if (rebase) rebasePeak(tracker);
    observe(tracker, 82_000, at(2));
    // 79k: −21% from 100k, but −7.1% from 85k; the day's loss from 82k is −3.7%.
    expect(observe(tracker, 79_000, at(3)).trip?.kind).toBe(kind as 'drawdown' | undefined);
  });
});
