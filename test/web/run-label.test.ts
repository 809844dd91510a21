// How a run is named in the dashboard's lists.
import { describe, expect, test } from 'bun:test';
import { runLabel } from '../../web/views/run-label.ts';

const base = { strategy: 'mean_reversion', symbols: ['BTC/USD'], startedAt: Date.UTC(2026, 11, 3, 19, 28) };

describe('runLabel', () => {
  test('a run with a range names its dates', () => {
    expect(runLabel({ ...base, mode: 'backtest', fromTs: Date.UTC(2016, 0, 1), toTs: Date.UTC(2024, 11, 31) })).toBe('mean_reversion · BTC/USD · 2016-01-01 → 2024-12-31');
  });

  test('a backtest without --from/--to ran over every stored bar, not "since" the day it was started', () => {
    expect(runLabel({ ...base, mode: 'backtest', fromTs: null, toTs: null })).toBe('mean_reversion · BTC/USD · all stored bars');
  });

  test('a session without a range is named by its start; more than three symbols are counted', () => {
    expect(runLabel({ ...base, symbols: ['A', 'B', 'C', 'D', 'E'], mode: 'paper', fromTs: null, toTs: null })).toBe('mean_reversion · A, B, C +2 · paper since 2026-12-03');
  });
});
