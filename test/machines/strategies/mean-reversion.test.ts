import { describe, expect, test } from 'bun:test';
import type { Bar } from '../../../machines/domain.ts';
import {
  definition,
  maxAbsZ,
  meanReversion,
  type MeanReversionParams,
  type MeanReversionState,
} from '../../../machines/strategies/mean-reversion.ts';
import type { PositionPhase, SignalProposal } from '../../../machines/strategies/strategy.ts';

const DAY = 86_400_000;
let barIndex = 0;
function bar(close: number): Bar {
  const ts = barIndex++ * DAY;
  return { symbol: 'BTC/USD', timeframe: '1d', ts, closeTs: ts + DAY, open: close, high: close, low: close, close, volume: 1 };
}

// Scoring against the PREVIOUS 3 bars: a window of 98, 100, 102 has mean 100 and sample std exactly 2, so the
// next close scores z = (close − 100) / 2.
const params: MeanReversionParams = {
  lookback: 3,
  entryZ: 1.5,
  exitZ: 0.5,
  stopLossPct: 0.05,
  takeProfitPct: null,
  window: 'previous',
  std: 'sample',
};

function primed(p: MeanReversionParams = params) {
  const strategy = meanReversion(p);
  const state = strategy.init('BTC/USD');
  for (const close of [98, 100, 102]) expect(strategy.onBar(state, bar(close), 'flat')).toBeUndefined();
  return { strategy, state, next: (close: number, phase: PositionPhase) => strategy.onBar(state, bar(close), phase) };
}

describe('meanReversion', () => {
  test('declares its warm-up: the lookback when the window includes the bar, one more when it does not', () => {
    expect(meanReversion({ ...params, lookback: 20, window: 'including_current' }).warmupBars).toBe(20);
    expect(meanReversion({ ...params, lookback: 20, window: 'previous' }).warmupBars).toBe(21);
  });

  test('proposes nothing during warm-up however far the close falls', () => {
    const strategy = meanReversion(params);
    const state = strategy.init('BTC/USD');
    expect([100, 50, 10].map((close) => strategy.onBar(state, bar(close), 'flat'))).toEqual([undefined, undefined, undefined]);
  });

  test('proposes nothing for a window with no spread', () => {
    const strategy = meanReversion(params);
    const state = strategy.init('BTC/USD');
    for (const close of [100, 100, 100]) strategy.onBar(state, bar(close), 'flat');
    expect(strategy.onBar(state, bar(50), 'flat')).toBeUndefined();
  });

  test('buys a close 2 std below the window mean with a stop-loss 5% under the close', () => {
    const proposal = primed().next(96, 'flat');
    expect(proposal).toEqual({
      action: 'BUY',
      // 0.5 + (2 − 1.5) / (2 × 1.5)
      confidence: 0.5 + 0.5 / 3,
      stopLoss: 96 * 0.95,
      takeProfit: undefined,
      reason: 'z -2.00 < entry -1.50 (stretched below the 3-bar mean)',
    });
  });

  test('adds a take-profit above the close when one is configured', () => {
    const proposal = primed({ ...params, takeProfitPct: 0.1 }).next(96, 'flat');
    expect(proposal?.takeProfit).toBeCloseTo(105.6, 12);
  });

  test.each([
    { name: 'does not buy at exactly −entry_z', close: 97, phase: 'flat', action: undefined },
    { name: 'does not buy just above −entry_z', close: 97.1, phase: 'flat', action: undefined },
    { name: 'buys just below −entry_z', close: 96.9, phase: 'flat', action: 'BUY' },
    { name: 'never goes short on a close far above the mean', close: 110, phase: 'flat', action: undefined },
    { name: 'never buys while long, however deep the drop', close: 80, phase: 'long', action: undefined },
    { name: 'never buys while short', close: 80, phase: 'short', action: undefined },
    { name: 'holds a long while z is still below −exit_z', close: 98.9, phase: 'long', action: undefined },
    { name: 'closes a long at exactly −exit_z', close: 99, phase: 'long', action: 'CLOSE' },
    { name: 'closes a long above the mean', close: 105, phase: 'long', action: 'CLOSE' },
    { name: 'does not close a short, which it never opens', close: 105, phase: 'short', action: undefined },
  ] as const)('$name', ({ close, phase, action }) => {
    expect(primed().next(close, phase)?.action).toBe(action);
  });

  test('proposes a CLOSE with full confidence and the reason', () => {
    expect(primed().next(101, 'long')).toEqual({ action: 'CLOSE', confidence: 1, reason: 'z 0.50 ≥ exit -0.50 (reverted to mean)' });
  });

  test('names an exit threshold of zero as 0.00, never -0', () => {
    expect(primed({ ...params, exitZ: 0 }).next(101.28, 'long')?.reason).toBe('z 0.64 ≥ exit 0.00 (reverted to mean)');
  });

  test('shows enough decimals to tell a z just past the threshold from the threshold', () => {
    // z = (95.992 − 100) / 2 = −2.004, which rounds to the threshold −2.00 at two places.
    expect(primed({ ...params, entryZ: 2 }).next(95.992, 'flat')?.reason).toBe('z -2.004 < entry -2.000 (stretched below the 3-bar mean)');
  });

  test.each([
    { name: 'gives the minimum confidence of 0.5 just past the threshold', close: 96.999, min: 0.5, max: 0.501 },
    { name: 'saturates confidence at 1 for a 2× dislocation', close: 94, min: 1, max: 1 },
    { name: 'caps confidence at 1 for an extreme dislocation', close: 10, min: 1, max: 1 },
  ])('$name', ({ close, min, max }) => {
    const confidence = primed().next(close, 'flat')!.confidence;
    expect(confidence).toBeGreaterThanOrEqual(min);
    expect(confidence).toBeLessThanOrEqual(max);
  });

  test('walks flat → BUY → hold → CLOSE when the phase follows the fills', () => {
    const { next } = primed();
    const actions: (SignalProposal['action'] | undefined)[] = [];
    let phase: PositionPhase = 'flat';
    for (const close of [96, 97, 98]) {
      const proposal = next(close, phase);
      actions.push(proposal?.action);
      if (proposal?.action === 'BUY') phase = 'long';
    }
    expect(actions).toEqual(['BUY', undefined, 'CLOSE']);
  });

  test('keeps a separate window per init, so symbols do not share state', () => {
    const strategy = meanReversion(params);
    const a = strategy.init('A');
    const b = strategy.init('B');
    for (const close of [98, 100, 102]) strategy.onBar(a, bar(close), 'flat');
    expect(strategy.onBar(b, bar(96), 'flat')).toBeUndefined();
    expect(strategy.onBar(a, bar(96), 'flat')?.action).toBe('BUY');
  });
});

describe('meanReversion z-score definition', () => {
  // The 3 closes 98, 100, 102: mean 100, squared deviations 4 + 0 + 4 = 8.
  function zAfter(closes: number[], p: Partial<MeanReversionParams>): (number | undefined)[] {
    const strategy = meanReversion({ ...params, ...p });
    const state = strategy.init('X') as MeanReversionState;
    return closes.map((close) => {
      strategy.onBar(state, bar(close), 'flat');
      return state.z;
    });
  }

  test('including_current scores the close against the window that ends with it, sample std', () => {
    // Bar 102 in [98, 100, 102]: (102 − 100) / sqrt(8 / 2) = 1.
    expect(zAfter([98, 100, 102], { window: 'including_current', std: 'sample' })).toEqual([undefined, undefined, 1]);
  });

  test('including_current with the population std divides by N', () => {
    const z = zAfter([98, 100, 102], { window: 'including_current', std: 'population' });
    expect(z[2]).toBeCloseTo(2 / Math.sqrt(8 / 3), 14);
  });

  test('previous scores the close against the window before it', () => {
    // 96 against [98, 100, 102]: (96 − 100) / 2 = −2; population: −4 / sqrt(8 / 3).
    expect(zAfter([98, 100, 102, 96], { window: 'previous', std: 'sample' })).toEqual([undefined, undefined, undefined, -2]);
    expect(zAfter([98, 100, 102, 96], { window: 'previous', std: 'population' })[3]).toBeCloseTo(-4 / Math.sqrt(8 / 3), 14);
  });

  test('including the bar caps |z| at maxAbsZ, reached by one outlier among equal closes', () => {
    expect(zAfter([100, 100, 1], { window: 'including_current', std: 'sample' })[2]).toBeCloseTo(-maxAbsZ(3, 'including_current', 'sample'), 14);
    expect(zAfter([100, 100, 1], { window: 'including_current', std: 'population' })[2]).toBeCloseTo(-maxAbsZ(3, 'including_current', 'population'), 14);
    expect(maxAbsZ(3, 'including_current', 'sample')).toBeCloseTo(2 / Math.sqrt(3), 15);
    expect(maxAbsZ(3, 'including_current', 'population')).toBeCloseTo(Math.SQRT2, 15);
    expect(maxAbsZ(3, 'previous', 'sample')).toBe(Infinity);
  });

  test('the definition defaults to including the current bar with the sample std', () => {
    const p = definition.parseParams({ lookback: 20, entry_z: 2, exit_z: 0, stop_loss_pct: 0.05 });
    expect({ window: p.window, std: p.std }).toEqual({ window: 'including_current', std: 'sample' });
  });

  test('states its definition for the report', () => {
    expect(meanReversion({ ...params, lookback: 20, window: 'including_current', std: 'sample' }).description).toBe(
      'z = (close − mean) / std over the 20 bars up to and including this one (window: including_current), sample std (divisor N − 1) (std: sample)',
    );
    expect(meanReversion({ ...params, lookback: 20, window: 'previous', std: 'population' }).description).toBe(
      'z = (close − mean) / std over the 20 bars before this one (window: previous), population std (divisor N) (std: population)',
    );
  });
});

describe('mean_reversion definition.parseParams', () => {
  const yaml = { lookback: 20, entry_z: 2, exit_z: 0, stop_loss_pct: 0.08, take_profit_pct: null };

  test('maps the snake_case YAML to camelCase params', () => {
    expect(definition.parseParams({ ...yaml, take_profit_pct: 0.15 })).toEqual({
      lookback: 20,
      entryZ: 2,
      exitZ: 0,
      stopLossPct: 0.08,
      takeProfitPct: 0.15,
      window: 'including_current',
      std: 'sample',
    });
  });

  test('accepts an entry_z just inside the bound, and any entry_z when the window excludes the bar', () => {
    // Lookback 5: sample bound 4 / sqrt(5) ≈ 1.789, population bound sqrt(4) = 2.
    expect(definition.parseParams({ ...yaml, lookback: 5, entry_z: 1.78 }).entryZ).toBe(1.78);
    expect(definition.parseParams({ ...yaml, lookback: 5, entry_z: 1.99, std: 'population' }).entryZ).toBe(1.99);
    expect(definition.parseParams({ ...yaml, lookback: 5, entry_z: 50, window: 'previous' }).entryZ).toBe(50);
  });

  test('reads window and std', () => {
    const p = definition.parseParams({ ...yaml, window: 'previous', std: 'population' });
    expect({ window: p.window, std: p.std }).toEqual({ window: 'previous', std: 'population' });
  });

  test('defaults a missing take_profit_pct to null', () => {
    const { take_profit_pct: _, ...withoutTarget } = yaml;
    expect(definition.parseParams(withoutTarget).takeProfitPct).toBeNull();
  });

  test.each([
    { name: 'rejects a negative entry_z', raw: { ...yaml, entry_z: -1 }, message: 'entry_z: Too small: expected number to be >0, got -1' },
    { name: 'rejects an entry_z of zero', raw: { ...yaml, entry_z: 0 }, message: 'entry_z:' },
    { name: 'rejects an exit_z equal to entry_z', raw: { ...yaml, exit_z: 2 }, message: 'exit_z: exit_z must be below entry_z, got 2' },
    { name: 'rejects an exit_z above entry_z', raw: { ...yaml, exit_z: 3 }, message: 'exit_z: exit_z must be below entry_z, got 3' },
    { name: 'rejects an unknown key by name', raw: { ...yaml, entry: 2 }, message: 'unknown key `entry`, did you mean `entry_z`?' },
    { name: 'rejects a fractional lookback', raw: { ...yaml, lookback: 1.5 }, message: 'lookback:' },
    { name: 'rejects a lookback below 2', raw: { ...yaml, lookback: 1 }, message: 'lookback: Too small' },
    { name: 'rejects a missing lookback', raw: { entry_z: 2, exit_z: 0, stop_loss_pct: 0.08 }, message: 'lookback:' },
    { name: 'rejects a stop_loss_pct of 1 (a stop at zero)', raw: { ...yaml, stop_loss_pct: 1 }, message: 'stop_loss_pct:' },
    { name: 'rejects a stop_loss_pct of 0', raw: { ...yaml, stop_loss_pct: 0 }, message: 'stop_loss_pct:' },
    { name: 'rejects a take_profit_pct of 0', raw: { ...yaml, take_profit_pct: 0 }, message: 'take_profit_pct:' },
    { name: 'rejects a quoted number', raw: { ...yaml, entry_z: '2' }, message: 'entry_z: Invalid input: expected number, received string' },
    { name: 'rejects an unknown window', raw: { ...yaml, window: 'current' }, message: 'window: Invalid option: expected one of "including_current"|"previous"' },
    { name: 'rejects an unknown std', raw: { ...yaml, std: 'unbiased' }, message: 'std: Invalid option: expected one of "sample"|"population"' },
    { name: 'rejects an entry_z a window including the bar can never reach', raw: { ...yaml, lookback: 5 }, message: 'entry_z: can never be reached' },
    { name: 'rejects an entry_z at the population bound', raw: { ...yaml, lookback: 5, std: 'population' }, message: 'entry_z: can never be reached' },
    { name: 'rejects an empty file', raw: null, message: '(root): Invalid input: expected object' },
  ])('$name', ({ raw, message }) => {
    expect(() => definition.parseParams(raw)).toThrow(message);
  });

  test('creates a strategy from parsed params', () => {
    const strategy = definition.create(definition.parseParams(yaml));
    expect(strategy.name).toBe('mean_reversion');
    expect(strategy.warmupBars).toBe(20);
  });
});
