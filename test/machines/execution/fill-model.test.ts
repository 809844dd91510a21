import { describe, expect, test } from 'bun:test';
import type { Bar, CostModel } from '../../../machines/domain.ts';
import {
  commission,
  fillableQty,
  fillBracket,
  fillLimit,
  fillMarketAtOpen,
  fillStop,
  type SimFill,
} from '../../../machines/execution/fill-model.ts';

function bar(open: number, high: number, low: number, close: number): Bar {
  return { symbol: 'BTC/USD', timeframe: '1d', ts: 0, closeTs: 86_400_000, open, high, low, close, volume: 1 };
}

// 50 bps of 200 is exactly 1, so the market cases compare exact numbers.
const slippage50: CostModel = { slippageBps: 50, commissionBps: 0, commissionPerShare: 0, minCommission: 0 };
const noSlippage: CostModel = { ...slippage50, slippageBps: 0 };

function expectFill(actual: SimFill | undefined, expected: SimFill | undefined): void {
  if (expected === undefined) {
    expect(actual).toBeUndefined();
    return;
  }
  expect(actual).toBeDefined();
  expect(actual!.price).toBeCloseTo(expected.price, 9);
  expect(actual!.slippagePerUnit).toBeCloseTo(expected.slippagePerUnit, 9);
  expect(actual!.slippagePerUnit).toBeGreaterThanOrEqual(0);
  expect(actual!.gap).toBe(expected.gap);
}

describe('fillMarketAtOpen', () => {
  test.each([
    { name: 'a buy fills above the open by the slippage', side: 'buy', costs: slippage50, fill: { price: 201, slippagePerUnit: 1, gap: false } },
    { name: 'a sell fills below the open by the slippage', side: 'sell', costs: slippage50, fill: { price: 199, slippagePerUnit: 1, gap: false } },
    { name: 'with zero slippage a buy fills exactly at the open', side: 'buy', costs: noSlippage, fill: { price: 200, slippagePerUnit: 0, gap: false } },
  ] as const)('$name', ({ side, costs, fill }) => {
    expectFill(fillMarketAtOpen(side, bar(200, 230, 170, 210), costs), fill);
  });

  test('rejects negative slippage, which would flatter every fill', () => {
    expect(() => fillMarketAtOpen('buy', bar(200, 210, 190, 200), { ...slippage50, slippageBps: -5 })).toThrow(
      'slippageBps must be in [0, 10000), got -5',
    );
  });
});

describe('fillStop', () => {
  test.each([
    // A long's stop-loss: sell stop at 180.
    { name: 'a sell stop touched inside the bar fills at the stop minus slippage', side: 'sell', b: bar(200, 205, 175, 190), fill: { price: 179.1, slippagePerUnit: 0.9, gap: false } },
    { name: 'a sell stop touched exactly by the low fills', side: 'sell', b: bar(200, 205, 180, 190), fill: { price: 179.1, slippagePerUnit: 0.9, gap: false } },
    { name: 'a sell stop gapped through fills at the lower open, worse than the stop', side: 'sell', b: bar(170, 185, 160, 175), fill: { price: 169.15, slippagePerUnit: 0.85, gap: true } },
    { name: 'a sell stop at exactly the open fills at the stop without a gap', side: 'sell', b: bar(180, 185, 178, 182), fill: { price: 179.1, slippagePerUnit: 0.9, gap: false } },
    { name: 'a sell stop not reached by the low does not fill', side: 'sell', b: bar(200, 210, 181, 205), fill: undefined },
    // A short's stop-loss: buy stop at 220.
    { name: 'a buy stop touched inside the bar fills at the stop plus slippage', side: 'buy', b: bar(200, 225, 195, 210), fill: { price: 221.1, slippagePerUnit: 1.1, gap: false } },
    { name: 'a buy stop gapped through fills at the higher open, worse than the stop', side: 'buy', b: bar(230, 240, 225, 235), fill: { price: 231.15, slippagePerUnit: 1.15, gap: true } },
    { name: 'a buy stop not reached by the high does not fill', side: 'buy', b: bar(200, 219, 190, 210), fill: undefined },
  ] as const)('$name', ({ side, b, fill }) => {
    expectFill(fillStop(side, side === 'sell' ? 180 : 220, b, slippage50), fill);
  });

  test('rejects a stop that is not a finite positive price, rather than never triggering', () => {
    expect(() => fillStop('sell', Number.NaN, bar(200, 210, 100, 150), slippage50)).toThrow(
      'stop must be a finite price > 0, got NaN',
    );
  });
});

describe('fillLimit', () => {
  test.each([
    // A long's take-profit: sell limit at 220.
    { name: 'a sell limit merely touched by the high does not fill', side: 'sell', b: bar(200, 220, 195, 215), fill: undefined },
    { name: 'a sell limit traded through fills at the limit with no slippage', side: 'sell', b: bar(200, 221, 195, 215), fill: { price: 220, slippagePerUnit: 0, gap: false } },
    { name: 'a sell limit gapped through still fills at the limit, never better', side: 'sell', b: bar(230, 240, 225, 235), fill: { price: 220, slippagePerUnit: 0, gap: true } },
    // A short's take-profit: buy limit at 180.
    { name: 'a buy limit merely touched by the low does not fill', side: 'buy', b: bar(200, 205, 180, 190), fill: undefined },
    { name: 'a buy limit traded through fills at the limit', side: 'buy', b: bar(200, 205, 179, 190), fill: { price: 180, slippagePerUnit: 0, gap: false } },
    { name: 'a buy limit gapped through still fills at the limit, never better', side: 'buy', b: bar(170, 175, 160, 172), fill: { price: 180, slippagePerUnit: 0, gap: true } },
  ] as const)('$name', ({ side, b, fill }) => {
    expectFill(fillLimit(side, side === 'sell' ? 220 : 180, b), fill);
  });
});

describe('fillBracket', () => {
  test.each([
    { name: 'a long whose bar reaches both stop and take-profit exits at the stop (worst case)', position: 'long', stop: 180, takeProfit: 220, b: bar(200, 225, 175, 210), kind: 'stop_loss', fill: { price: 179.1, slippagePerUnit: 0.9, gap: false } },
    { name: 'a long whose bar trades only through the take-profit exits at the take-profit', position: 'long', stop: 180, takeProfit: 220, b: bar(200, 225, 185, 210), kind: 'take_profit', fill: { price: 220, slippagePerUnit: 0, gap: false } },
    { name: 'a long that gaps below its stop exits at the open', position: 'long', stop: 180, takeProfit: 220, b: bar(170, 190, 165, 185), kind: 'stop_loss', fill: { price: 169.15, slippagePerUnit: 0.85, gap: true } },
    { name: 'a long whose bar reaches neither level stays open', position: 'long', stop: 180, takeProfit: 220, b: bar(200, 220, 181, 210), kind: undefined, fill: undefined },
    { name: 'a long with only a stop exits at the stop', position: 'long', stop: 180, takeProfit: undefined, b: bar(200, 300, 175, 210), kind: 'stop_loss', fill: { price: 179.1, slippagePerUnit: 0.9, gap: false } },
    { name: 'a long with only a take-profit exits at the take-profit', position: 'long', stop: undefined, takeProfit: 220, b: bar(200, 225, 100, 210), kind: 'take_profit', fill: { price: 220, slippagePerUnit: 0, gap: false } },
    { name: 'a short whose bar reaches both stop and take-profit exits at the stop (worst case)', position: 'short', stop: 220, takeProfit: 180, b: bar(200, 225, 175, 190), kind: 'stop_loss', fill: { price: 221.1, slippagePerUnit: 1.1, gap: false } },
    { name: 'a short whose bar trades only through the take-profit exits at the take-profit', position: 'short', stop: 220, takeProfit: 180, b: bar(200, 210, 175, 190), kind: 'take_profit', fill: { price: 180, slippagePerUnit: 0, gap: false } },
    { name: 'a short that gaps above its stop exits at the open', position: 'short', stop: 220, takeProfit: 180, b: bar(230, 240, 225, 235), kind: 'stop_loss', fill: { price: 231.15, slippagePerUnit: 1.15, gap: true } },
    { name: 'a short whose bar only touches its take-profit stays open', position: 'short', stop: 220, takeProfit: 180, b: bar(200, 219, 180, 190), kind: undefined, fill: undefined },
    { name: 'a position with neither level never exits', position: 'long', stop: undefined, takeProfit: undefined, b: bar(200, 400, 1, 210), kind: undefined, fill: undefined },
  ] as const)('$name', ({ position, stop, takeProfit, b, kind, fill }) => {
    const exit = fillBracket(position, stop, takeProfit, b, slippage50);
    expect(exit?.kind).toBe(kind);
    expectFill(exit?.fill, fill);
  });

  test.each([
    { position: 'long', stop: 220, takeProfit: 180, message: 'long bracket needs the stop below the take-profit, got stop 220, takeProfit 180' },
    { position: 'short', stop: 180, takeProfit: 220, message: 'short bracket needs the stop above the take-profit, got stop 180, takeProfit 220' },
  ] as const)('rejects a $position bracket with its levels the wrong way round', ({ position, stop, takeProfit, message }) => {
    expect(() => fillBracket(position, stop, takeProfit, bar(200, 210, 190, 200), slippage50)).toThrow(message);
  });
});

describe('commission', () => {
  const crypto: CostModel = { slippageBps: 5, commissionBps: 10, commissionPerShare: 0, minCommission: 0 };
  const stock: CostModel = { slippageBps: 5, commissionBps: 0, commissionPerShare: 0.005, minCommission: 1 };
  test.each([
    { name: 'crypto charges bps of the notional', qty: 0.5, price: 30_000, costs: crypto, fee: 15 },
    { name: 'a small stock order pays the minimum commission', qty: 100, price: 50, costs: stock, fee: 1 },
    { name: 'a large stock order pays per share above the minimum', qty: 1_000, price: 50, costs: stock, fee: 5 },
    { name: 'a stock venue with both adds bps of the notional to the per-share fee', qty: 1_000, price: 50, costs: { ...stock, commissionBps: 1 }, fee: 10 },
    { name: 'a sell passed as a negative quantity pays the same', qty: -0.5, price: 30_000, costs: crypto, fee: 15 },
    { name: 'a zero quantity pays nothing, not even the minimum', qty: 0, price: 50, costs: stock, fee: 0 },
    { name: 'a venue with no commission charges nothing', qty: 10, price: 50, costs: slippage50, fee: 0 },
  ])('$name', ({ qty, price, costs, fee }) => {
    expect(commission(qty, price, costs)).toBeCloseTo(fee, 12);
  });

  test('rejects a non-finite quantity instead of recording a NaN fee', () => {
    expect(() => commission(Number.NaN, 50, crypto)).toThrow('commission: qty must be a finite number, got NaN');
  });
});

describe('fillableQty (volume participation)', () => {
  const bar = (volume: number): Bar => ({
    symbol: 'X', timeframe: '1d', ts: 0, closeTs: 1, open: 10, high: 11, low: 9, close: 10, volume,
  });
  const capped: CostModel = { slippageBps: 0, commissionBps: 0, commissionPerShare: 0, minCommission: 0, maxVolumeParticipation: 0.1 };

  test('without a participation limit the whole quantity is fillable', () => {
    expect(fillableQty(5000, bar(10), { ...capped, maxVolumeParticipation: 0 }, 1)).toBe(5000);
    expect(fillableQty(5000, bar(10), { ...capped, maxVolumeParticipation: undefined }, 1)).toBe(5000);
  });

  test('takes at most the participation share of the bar volume, rounded down to the step', () => {
    expect(fillableQty(5000, bar(1234), capped, 1)).toBe(123);
    expect(fillableQty(5000, bar(1.23456789), capped, 1e-8)).toBeCloseTo(0.12345678, 12);
    expect(fillableQty(50, bar(1234), capped, 1)).toBe(50);
  });

  test('a bar with no volume (or a broken one) fills nothing', () => {
    expect(fillableQty(10, bar(0), capped, 1)).toBe(0);
    expect(fillableQty(10, bar(Number.NaN), capped, 1)).toBe(0);
  });
});
