import { describe, expect, test } from 'bun:test';
import { roundPrice, roundQtyDown } from '../../../machines/execution/precision.ts';

describe('roundQtyDown', () => {
  test.each([
    { name: 'keeps 0.3 at 0.3 on a 0.1 step although 0.3 / 0.1 is 2.9999999999999996', qty: 0.3, step: 0.1, expected: 0.3 },
    { name: 'keeps 0.7 at 0.7 on a 0.1 step', qty: 0.7, step: 0.1, expected: 0.7 },
    { name: 'cuts the float noise of 0.1 + 0.2 to 0.3', qty: 0.1 + 0.2, step: 0.1, expected: 0.3 },
    { name: 'rounds 0.29999 down to 0.2, never up to 0.3', qty: 0.29999, step: 0.1, expected: 0.2 },
    { name: 'rounds 0.000299999 down to 0.0002 on a 0.0001 step', qty: 0.000299999, step: 0.0001, expected: 0.0002 },
    { name: 'cuts to 8 decimals on a 1e-8 step', qty: 1.23456789123, step: 1e-8, expected: 1.23456789 },
    { name: 'keeps a single 1e-8 step', qty: 1e-8, step: 1e-8, expected: 1e-8 },
    { name: 'rounds 1.9e-8 down to one 1e-8 step', qty: 1.9e-8, step: 1e-8, expected: 1e-8 },
    { name: 'rounds less than one 1e-8 step to 0', qty: 4e-9, step: 1e-8, expected: 0 },
    { name: 'rounds 12.5 shares down to 12 whole shares', qty: 12.5, step: 1, expected: 12 },
    { name: 'rounds 2.9999999 shares down to 2, not to the nearest 3', qty: 2.9999999, step: 1, expected: 2 },
    { name: 'keeps 3 whole shares', qty: 3, step: 1, expected: 3 },
    { name: 'rounds 0.99 of a share to 0', qty: 0.99, step: 1, expected: 0 },
    { name: 'rounds to a multiple of a step above 1', qty: 12, step: 5, expected: 10 },
    { name: 'keeps a multiple of a 0.05 step', qty: 4.35, step: 0.05, expected: 4.35 },
    { name: 'rounds down between 0.05 steps', qty: 4.349, step: 0.05, expected: 4.3 },
    { name: 'keeps 0', qty: 0, step: 0.001, expected: 0 },
  ])('$name', ({ qty, step, expected }) => {
    expect(roundQtyDown(qty, step)).toBe(expected);
  });

  test('never exceeds the input by more than float noise over 1000 awkward quantities', () => {
    // A hand-rolled LCG keeps the inputs the same on every run.
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
      return seed / 4_294_967_296;
    };
    for (const step of [1e-8, 0.001, 0.1, 1]) {
      for (let i = 0; i < 1000; i++) {
        const qty = next() * 1000;
        const rounded = roundQtyDown(qty, step);
        expect(rounded).toBeLessThanOrEqual(qty + step * 1e-9);
        expect(qty - rounded).toBeLessThan(step * (1 + 1e-9));
      }
    }
  });
});

describe('roundPrice', () => {
  test.each([
    { name: 'rounds 100.004 to the nearest cent, 100', price: 100.004, step: 0.01, mode: 'nearest', expected: 100 },
    { name: 'rounds 100.0051 to the nearest cent, 100.01', price: 100.0051, step: 0.01, mode: 'nearest', expected: 100.01 },
    { name: 'rounds to the nearest tick by default', price: 1.23456, step: 0.0001, mode: undefined, expected: 1.2346 },
    { name: 'rounds 100.001 up to 100.01', price: 100.001, step: 0.01, mode: 'up', expected: 100.01 },
    { name: 'rounds 100.009 down to 100', price: 100.009, step: 0.01, mode: 'down', expected: 100 },
    { name: 'keeps a price already on the tick when rounding up', price: 100.01, step: 0.01, mode: 'up', expected: 100.01 },
    { name: 'keeps a price already on the tick when rounding down', price: 100.01, step: 0.01, mode: 'down', expected: 100.01 },
    { name: 'keeps 0.3 on a 0.1 tick rounding down', price: 0.3, step: 0.1, mode: 'down', expected: 0.3 },
    { name: 'keeps 0.1 + 0.2 at 0.3 on a 0.1 tick rounding up', price: 0.1 + 0.2, step: 0.1, mode: 'up', expected: 0.3 },
    { name: 'rounds 17 up to a tick of 5', price: 17, step: 5, mode: 'up', expected: 20 },
    { name: 'rounds 17 down to a tick of 5', price: 17, step: 5, mode: 'down', expected: 15 },
    { name: 'rounds 17 to the nearest tick of 5', price: 17, step: 5, mode: 'nearest', expected: 15 },
    { name: 'rounds 18 to the nearest tick of 5', price: 18, step: 5, mode: 'nearest', expected: 20 },
    { name: 'rounds a sub-cent stock price to 4 decimals', price: 12.345678, step: 0.0001, mode: 'nearest', expected: 12.3457 },
  ] as const)('$name', ({ price, step, mode, expected }) => {
    expect(mode === undefined ? roundPrice(price, step) : roundPrice(price, step, mode)).toBe(expected);
  });
});
