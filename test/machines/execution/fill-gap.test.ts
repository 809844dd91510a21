import { describe, expect, test } from 'bun:test';
import { fillGap, type FillRow } from '../../../machines/execution/fill-gap.ts';

const f = (clientOrderId: string, side: 'buy' | 'sell', qty: number, price: number, fee = 0): FillRow => ({ clientOrderId, symbol: 'BTC/USDT', side, qty, price, fee });

describe('fillGap', () => {
  test('a buy filled above the model is a positive gap in bps; a sell filled above it is negative', () => {
    const r = fillGap([f('a', 'buy', 1, 101), f('b', 'sell', 1, 101)], [f('a', 'buy', 1, 100), f('b', 'sell', 1, 100)]);
    expect(r.orders.map((o) => Math.round(o.slippageGapBps))).toEqual([100, -100]);
    expect(r.meanGapBps).toBeCloseTo(0, 12);
    expect(r.worstGapBps).toBeCloseTo(100, 9);
  });

  test('partial fills of one order are averaged by quantity, fees summed', () => {
    const r = fillGap([f('a', 'buy', 1, 100, 0.1), f('a', 'buy', 3, 104, 0.3)], [f('a', 'buy', 4, 103, 0.4)]);
    expect(r.orders[0]!.venue).toEqual({ qty: 4, price: 103, fee: 0.4 });
    expect(r.orders[0]!.slippageGapBps).toBeCloseTo(0, 9);
  });

  test('orders filled on one side only are listed, and no matched order means no mean', () => {
    const r = fillGap([f('a', 'buy', 1, 100)], [f('b', 'buy', 1, 100)]);
    expect(r.venueOnly).toEqual(['a']);
    expect(r.modelOnly).toEqual(['b']);
    expect(r.meanGapBps).toBeNull();
  });
});
