import { describe, expect, test } from 'bun:test';
import { formatComparison, formatNumber } from '../../../machines/strategies/reason-format.ts';

describe('formatNumber', () => {
  test.each([
    { x: -0, decimals: 2, text: '0.00' },
    { x: -0.001, decimals: 2, text: '0.00' },
    { x: -0.4, decimals: 0, text: '0' },
    { x: -0.006, decimals: 2, text: '-0.01' },
    { x: 0.64, decimals: 2, text: '0.64' },
    { x: -2, decimals: 1, text: '-2.0' },
  ])('prints $x with $decimals places as $text', ({ x, decimals, text }) => {
    expect(formatNumber(x, decimals)).toBe(text);
  });
});

describe('formatComparison', () => {
  test('prints a threshold of −0 as 0.00', () => {
    expect(formatComparison(0.64, -0)).toEqual({ value: '0.64', threshold: '0.00' });
  });

  test('adds decimals until the value and the threshold differ', () => {
    expect(formatComparison(-2.004, -2)).toEqual({ value: '-2.004', threshold: '-2.000' });
    expect(formatComparison(30.04, 30, 1)).toEqual({ value: '30.04', threshold: '30.00' });
  });

  test('prints values equal at 6 places equal, with the usual places', () => {
    expect(formatComparison(1 + 1e-9, 1)).toEqual({ value: '1.00', threshold: '1.00' });
    expect(formatComparison(0, -0)).toEqual({ value: '0.00', threshold: '0.00' });
  });
});
