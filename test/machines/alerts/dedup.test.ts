import { describe, expect, test } from 'bun:test';
import type { AlertDraft } from '../../../machines/alerts/alert-rules.ts';
import { AlertDedup } from '../../../machines/alerts/dedup.ts';

const T0 = Date.UTC(2024, 0, 2);
const rejection = (barTs: number, symbol = 'BTC/USD'): AlertDraft => ({
  key: `reject:max_pct:${symbol}`,
  level: 'warning',
  title: `Signal rejected: ${symbol} by symbol/max_pct`,
  body: 'exposure 16% > 15%',
  barTs,
});

/** What the alerts actor does with each draft: close due windows, then admit or suppress. */
function run(dedup: AlertDedup, drafts: AlertDraft[]): AlertDraft[] {
  const out: AlertDraft[] = [];
  for (const d of drafts) {
    out.push(...dedup.advance(d.barTs));
    if (dedup.admit(d)) out.push(d);
  }
  return out;
}

describe('alert deduplication', () => {
  test('1,000 identical rejections within a minute give one alert and, when the window closes, one summary', () => {
    const dedup = new AlertDedup(60_000);
    const drafts = Array.from({ length: 1000 }, (_, i) => rejection(T0 + i * 59));
    const out = run(dedup, drafts);
    expect(out).toEqual([drafts[0]!]);
    const closed = dedup.advance(T0 + 60_000);
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatchObject({
      key: 'reject:max_pct:BTC/USD:suppressed',
      level: 'warning',
      barTs: T0 + 60_000,
      body: 'Signal rejected: BTC/USD by symbol/max_pct: suppressed 999 more in the last 60 s',
    });
    expect(dedup.advance(T0 + 120_000)).toEqual([]);
    expect(dedup.flush()).toEqual([]);
  });

  test('the window is per key: another symbol’s rejection goes out at once', () => {
    const out = run(new AlertDedup(60_000), [rejection(T0), rejection(T0 + 1, 'ETH/USD'), rejection(T0 + 2)]);
    expect(out.map((d) => d.key)).toEqual(['reject:max_pct:BTC/USD', 'reject:max_pct:ETH/USD']);
  });

  test('after the window the same key goes out again, and a window that suppressed nothing closes silently', () => {
    const out = run(new AlertDedup(60_000), [rejection(T0), rejection(T0 + 60_000), rejection(T0 + 60_001), rejection(T0 + 120_000)]);
    expect(out.map((d) => [d.key, d.barTs - T0])).toEqual([
      ['reject:max_pct:BTC/USD', 0],
      ['reject:max_pct:BTC/USD', 60_000],
      ['reject:max_pct:BTC/USD:suppressed', 120_000],
      ['reject:max_pct:BTC/USD', 120_000],
    ]);
  });

  test('the end of the stream flushes what open windows suppressed', () => {
    const dedup = new AlertDedup(3_600_000);
    run(dedup, [rejection(T0), rejection(T0 + 10), rejection(T0 + 20)]);
    expect(dedup.flush()).toMatchObject([{ key: 'reject:max_pct:BTC/USD:suppressed', barTs: T0 + 20, body: expect.stringContaining('suppressed 2 more in the last 3600 s') }]);
  });

  test('a message a little older than the last one does not move the clock back', () => {
    const dedup = new AlertDedup(60_000);
    run(dedup, [rejection(T0 + 50_000), rejection(T0)]);
    expect(dedup.advance(T0 + 100_000)).toEqual([]);
    expect(dedup.advance(T0 + 110_000)).toHaveLength(1);
  });

  test('the window must be positive', () => {
    expect(() => new AlertDedup(0)).toThrow('alert dedup window must be a positive number of ms, got 0');
  });
});
