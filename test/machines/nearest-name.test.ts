import { describe, expect, test } from 'bun:test';
import { editDistance, nearestName } from '../../machines/nearest-name.ts';

describe('editDistance', () => {
  test.each([
    ['max_pct', 'max_pct', 0],
    ['max_pctt', 'max_pct', 1],
    ['max_ptc', 'max_pct', 1],
    ['mean_reverson', 'mean_reversion', 1],
    ['', 'abc', 3],
    ['kitten', 'sitting', 3],
  ])('%p → %p is %p', (a, b, expected) => {
    expect(editDistance(a, b)).toBe(expected);
    expect(editDistance(b, a)).toBe(expected);
  });
});

describe('nearestName', () => {
  test('suggests the closest candidate for a typo', () => {
    expect(nearestName('max_pctt', ['max_pct', 'require_stop_loss'])).toBe('max_pct');
    expect(nearestName('rsi_reverson', ['mean_reversion', 'rsi_reversion'])).toBe('rsi_reversion');
    expect(nearestName('max_daily_loss', ['max_daily_loss_pct', 'max_drawdown_pct'])).toBe('max_daily_loss_pct');
    expect(nearestName('Slippage_BPS', ['slippage_bps', 'commission_bps'])).toBe('slippage_bps');
  });

  test('suggests nothing when no candidate is close', () => {
    expect(nearestName('banana', ['max_pct', 'require_stop_loss'])).toBeUndefined();
    expect(nearestName('x', [])).toBeUndefined();
  });
});
