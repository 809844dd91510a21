import { describe, expect, test } from 'bun:test';
import { positionSizeQty } from '../../../machines/risk/sizing.ts';

describe('positionSizeQty', () => {
  test.each([
    { name: 'buys 10% of 100k at 100 as 100 units', equity: 100_000, price: 100, confidence: 1, maxPct: 0.1, qty: 100 },
    { name: 'halves the size at confidence 0.5', equity: 100_000, price: 100, confidence: 0.5, maxPct: 0.1, qty: 50 },
    { name: 'returns an unrounded fraction of a unit', equity: 100_000, price: 30, confidence: 1, maxPct: 0.1, qty: 10_000 / 30 },
    { name: 'uses the given cap, not a fixed 10%', equity: 20_000, price: 50, confidence: 1, maxPct: 0.25, qty: 100 },
    { name: 'clamps a confidence above 1 to 1', equity: 100_000, price: 100, confidence: 3, maxPct: 0.1, qty: 100 },
    { name: 'clamps a negative confidence to 0', equity: 100_000, price: 100, confidence: -0.5, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing at confidence 0', equity: 100_000, price: 100, confidence: 0, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing for a NaN confidence', equity: 100_000, price: 100, confidence: Number.NaN, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing for an infinite confidence', equity: 100_000, price: 100, confidence: Number.POSITIVE_INFINITY, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing with zero equity', equity: 0, price: 100, confidence: 1, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing with negative equity', equity: -5_000, price: 100, confidence: 1, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing with NaN equity', equity: Number.NaN, price: 100, confidence: 1, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing at a zero price', equity: 100_000, price: 0, confidence: 1, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing at a negative price', equity: 100_000, price: -1, confidence: 1, maxPct: 0.1, qty: 0 },
    { name: 'sizes nothing at a NaN price', equity: 100_000, price: Number.NaN, confidence: 1, maxPct: 0.1, qty: 0 },
  ])('$name', ({ equity, price, confidence, maxPct, qty }) => {
    expect(positionSizeQty(equity, price, confidence, maxPct)).toBeCloseTo(qty, 12);
  });

  test('keeps the notional at exactly equity × maxPct × confidence', () => {
    const qty = positionSizeQty(123_456, 7.89, 0.8, 0.1);
    expect(qty * 7.89).toBeCloseTo(123_456 * 0.1 * 0.8, 9);
  });
});
