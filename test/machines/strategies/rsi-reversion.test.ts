import { describe, expect, test } from 'bun:test';
import type { Bar } from '../../../machines/domain.ts';
import { definition, rsiReversion, trendAverage, type RsiReversionParams } from '../../../machines/strategies/rsi-reversion.ts';
import { Sma } from '../../../machines/indicators/sma.ts';
import type { PositionPhase } from '../../../machines/strategies/strategy.ts';

const params: RsiReversionParams = { rsiPeriod: 3, oversold: 30, exit: 55, trendPeriod: 20, trendWindow: 'including_current', stopLossPct: 0.1 };
// A long climb, a slow crawl, then a sharp one-bar dip that stays above the 20-bar mean: RSI(3) ≈ 25.
const RISE = [...Array.from({ length: 17 }, (_, i) => 50 + 3 * i), 98.5, 99, 99.5, 100];
const DIP = [...RISE, 94];

function bars(closes: number[]): Bar[] {
  return closes.map((close, i) => ({
    symbol: 'X', timeframe: '1d', ts: i, closeTs: i + 1, open: close, high: close, low: close, close, volume: 1,
  }));
}

function run(closes: number[], phaseAt: (i: number) => PositionPhase = () => 'flat', p = params) {
  const strategy = rsiReversion(p);
  const state = strategy.init('X');
  return bars(closes).map((bar, i) => strategy.onBar(state, bar, phaseAt(i)));
}

describe('rsi reversion', () => {
  test('proposes nothing until both the RSI and the trend average are ready', () => {
    expect(run([10, 11, 12, 13]).every((p) => p === undefined)).toBe(true);
  });

  test('buys an oversold dip above the trend average, with a stop-loss below the close', () => {
    const proposals = run(DIP);
    expect(proposals.slice(0, -1).every((p) => p === undefined)).toBe(true);
    const buy = proposals.at(-1)!;
    expect(buy.action).toBe('BUY');
    expect(buy.stopLoss).toBeCloseTo(94 * 0.9, 10);
    expect(buy.confidence).toBeGreaterThan(0);
    expect(buy.confidence).toBeLessThanOrEqual(1);
    expect(buy.reason).toMatch(/^RSI \d+\.\d < oversold 30\.0, close above its 20-bar mean$/);
  });

  test('does not buy an oversold close below the trend average', () => {
    const closes = [...Array.from({ length: 24 }, (_, i) => 100 - 2 * i), 40];
    expect(run(closes).some((p) => p?.action === 'BUY')).toBe(false);
  });

  test('closes a long once the RSI recovers above the exit level, and never buys while long', () => {
    const closes = [...DIP, 93, 99, 104];
    const proposals = run(closes, (i) => (i >= DIP.length ? 'long' : 'flat'));
    const after = proposals.slice(DIP.length);
    expect(after.some((p) => p?.action === 'BUY')).toBe(false);
    expect(after.at(-1)?.action).toBe('CLOSE');
    expect(after.at(-1)?.reason).toMatch(/^RSI \d+\.\d > exit 55\.0 \(recovered\)$/);
  });

  test('compares the close with a trend average that includes it, or with the one before it', () => {
    // Closes 1, 2, 3 then 9 with a 3-bar mean: including the bar [2, 3, 9] → 14/3; previous [1, 2, 3] → 2.
    const including = new Sma(3);
    const previous = new Sma(3);
    const seen = [1, 2, 3, 9].map((close) => [trendAverage(including, close, 'including_current'), trendAverage(previous, close, 'previous')]);
    expect(seen).toEqual([[undefined, undefined], [undefined, undefined], [2, undefined], [14 / 3, 2]]);
  });

  test('declares one more warm-up bar when the trend window excludes the current bar', () => {
    expect(rsiReversion({ ...params, trendPeriod: 200 }).warmupBars).toBe(200);
    expect(rsiReversion({ ...params, trendPeriod: 200, trendWindow: 'previous' }).warmupBars).toBe(201);
  });

  test('states its trend definition for the report', () => {
    expect(rsiReversion({ ...params, rsiPeriod: 14, trendPeriod: 200 }).description).toBe(
      "Wilder's 14-bar RSI; trend = simple mean of the 200 bars up to and including this one (trend_window: including_current)",
    );
  });

  test('reads snake_case YAML and rejects an exit level below the oversold level, naming the field', () => {
    expect(definition.parseParams({ rsi_period: 14, oversold: 30, exit: 55, trend_period: 200, stop_loss_pct: 0.08 })).toEqual({
      rsiPeriod: 14, oversold: 30, exit: 55, trendPeriod: 200, trendWindow: 'including_current', stopLossPct: 0.08,
    });
    expect(definition.parseParams({ rsi_period: 14, oversold: 30, exit: 55, trend_period: 200, trend_window: 'previous', stop_loss_pct: 0.08 }).trendWindow).toBe('previous');
    expect(() => definition.parseParams({ rsi_period: 14, oversold: 30, exit: 55, trend_period: 200, trend_window: 'prior', stop_loss_pct: 0.08 })).toThrow(/^trend_window: /);
    expect(() => definition.parseParams({ rsi_period: 14, oversold: 30, exit: 20, trend_period: 200, stop_loss_pct: 0.08 })).toThrow(/^exit: exit must be above oversold/);
  });
});
