import { describe, expect, test } from 'bun:test';
import { computePerformance } from '../../../machines/metrics/performance.ts';
import {
  currencyDecimals,
  formatAmount,
  formatFixed,
  quoteCurrency,
  roundSummaryMoney,
  roundTo,
  stepDecimals,
} from '../../../machines/metrics/money.ts';

describe('money precision', () => {
  test.each([
    ['BTC/USD', 'crypto', 'USD'],
    ['ETH/USDT', 'crypto', 'USDT'],
    ['ETH/BTC', 'crypto', 'BTC'],
    ['BTC/USDT:USDT', 'crypto', 'USDT'],
    ['ORCL', 'stock', 'USD'],
  ] as const)('%s (%s) is quoted in %s', (symbol, kind, currency) => {
    expect(quoteCurrency(symbol, kind)).toBe(currency);
  });

  test.each([
    ['USD', 2],
    ['usdt', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['BTC', 8],
    ['SOMECOIN', 8],
  ])('%s has %i decimals', (currency, decimals) => {
    expect(currencyDecimals(currency)).toBe(decimals);
  });

  test.each([
    [0.01, 2],
    [0.0001, 4],
    [0.00000001, 8],
    [0.25, 2],
    [0.5, 1],
    [1, 0],
    [5, 0],
  ])('a price step of %d has %i decimals', (step, decimals) => {
    expect(stepDecimals(step)).toBe(decimals);
  });

  test('a non-positive step is refused', () => {
    expect(() => stepDecimals(0)).toThrow('stepDecimals: step must be a positive number, got 0');
  });

  test('rounding removes float noise and never yields -0', () => {
    expect(roundTo(859.9999999999999, 2)).toBe(860);
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true);
    expect(Object.is(roundTo(-0, 2), 0)).toBe(true);
    expect(roundTo(-1.236, 2)).toBe(-1.24);
  });

  test('formatted amounts and ratios never read -0.00', () => {
    expect(formatAmount(-0.004, 2)).toBe('0.00');
    expect(formatAmount(1234567.891, 2)).toBe('1,234,567.89');
    expect(formatAmount(-12.5, 2)).toBe('-12.50');
    expect(formatAmount(0.123456789, 8)).toBe('0.12345679');
    expect(formatFixed(-0.0001, 2)).toBe('0.00');
    expect(formatFixed(-0.005001, 2)).toBe('-0.01');
  });

  test('the summary\'s money fields are rounded and its ratios kept as computed', () => {
    const equity = [100_000, 100_100.123456, 99_900.3333333].map((value, i) => ({ ts: i * 86_400_000, equity: value, grossExposure: 1 }));
    const summary = { ...computePerformance({ equity, trades: [], fees: 859.9999999999999, periodsPerYear: 365 }), run_id: 'r' };
    const rounded = roundSummaryMoney(summary, 2);
    expect(rounded.fees).toBe(860);
    expect(rounded.final_equity).toBe(99_900.33);
    expect(rounded.total_return).toBe(summary.total_return);
    expect(rounded.sharpe).toBe(summary.sharpe);
    expect(rounded.run_id).toBe('r');
    expect(summary.fees).toBe(859.9999999999999);
  });
});
