import { describe, expect, test } from 'bun:test';
import { roundTrips, type FillLike } from '../../../machines/metrics/round-trips.ts';

const noPrices = new Map<string, number>();

function fill(ts: number, side: 'buy' | 'sell', qty: number, price: number, fee = 0, symbol = 'BTC/USD'): FillLike {
  return { ts, symbol, side, qty, price, fee };
}

describe('roundTrips', () => {
  test('a long trip counts entry and exit fees in its pnl and return', () => {
    const [trip, ...rest] = roundTrips([fill(1, 'buy', 10, 100, 1), fill(2, 'sell', 10, 110, 1.1)], noPrices, 2);
    expect(rest).toHaveLength(0);
    expect(trip).toMatchObject({ symbol: 'BTC/USD', direction: 'long', entryTs: 1, exitTs: 2, qty: 10, open: false });
    expect(trip!.entryPrice).toBeCloseTo(100, 12);
    expect(trip!.exitPrice).toBeCloseTo(110, 12);
    expect(trip!.fees).toBeCloseTo(2.1, 12);
    expect(trip!.pnl).toBeCloseTo(97.9, 12);
    expect(trip!.returnPct).toBeCloseTo(97.9 / 1000, 12);
  });

  test('a short trip profits when the price falls', () => {
    const [trip] = roundTrips([fill(1, 'sell', 2, 50, 0.5), fill(2, 'buy', 2, 40, 0.5)], noPrices, 2);
    expect(trip!.direction).toBe('short');
    expect(trip!.pnl).toBeCloseTo(20 - 1, 12);
    expect(trip!.returnPct).toBeCloseTo(19 / 100, 12);
  });

  test('scale-ins average the entry price into one trip', () => {
    const trips = roundTrips([fill(1, 'buy', 1, 100), fill(2, 'buy', 1, 120), fill(3, 'sell', 2, 130)], noPrices, 3);
    expect(trips).toHaveLength(1);
    expect(trips[0]!.qty).toBe(2);
    expect(trips[0]!.entryPrice).toBeCloseTo(110, 12);
    expect(trips[0]!.entryTs).toBe(1);
    expect(trips[0]!.pnl).toBeCloseTo(40, 12);
  });

  test('partial exits average the exit price and the trip closes on the last one', () => {
    const trips = roundTrips(
      [fill(1, 'buy', 2, 100, 0.2), fill(2, 'sell', 1, 110, 0.1), fill(3, 'sell', 1, 130, 0.1)],
      noPrices,
      3,
    );
    expect(trips).toHaveLength(1);
    expect(trips[0]!.exitTs).toBe(3);
    expect(trips[0]!.exitPrice).toBeCloseTo(120, 12);
    expect(trips[0]!.fees).toBeCloseTo(0.4, 12);
    expect(trips[0]!.pnl).toBeCloseTo(40 - 0.4, 12);
  });

  test('a fill that flips the sign closes the long and opens a short, splitting its fee by quantity', () => {
    const trips = roundTrips(
      [fill(1, 'buy', 1, 100, 1), fill(2, 'sell', 3, 110, 3), fill(3, 'buy', 2, 100, 0)],
      noPrices,
      3,
    );
    expect(trips).toHaveLength(2);
    const [long, short] = trips;
    expect(long).toMatchObject({ direction: 'long', entryTs: 1, exitTs: 2, qty: 1, open: false });
    expect(long!.fees).toBeCloseTo(2, 12);
    expect(long!.pnl).toBeCloseTo(10 - 2, 12);
    expect(short).toMatchObject({ direction: 'short', entryTs: 2, exitTs: 3, qty: 2, open: false });
    expect(short!.entryPrice).toBeCloseTo(110, 12);
    expect(short!.fees).toBeCloseTo(2, 12);
    expect(short!.pnl).toBeCloseTo(20 - 2, 12);
    expect(short!.returnPct).toBeCloseTo(18 / 220, 12);
  });

  test('an open trip is marked to the last price with no exit time', () => {
    const trips = roundTrips([fill(1, 'buy', 2, 100, 1)], new Map([['BTC/USD', 90]]), 5);
    expect(trips).toHaveLength(1);
    expect(trips[0]).toMatchObject({ open: true, exitTs: null, qty: 2 });
    expect(trips[0]!.exitPrice).toBeCloseTo(90, 12);
    expect(trips[0]!.pnl).toBeCloseTo(-21, 12);
  });

  test('a partly exited open trip values only the remainder at the last price', () => {
    const trips = roundTrips([fill(1, 'buy', 2, 100), fill(2, 'sell', 1, 110)], new Map([['BTC/USD', 120]]), 5);
    expect(trips).toHaveLength(1);
    expect(trips[0]!.open).toBe(true);
    expect(trips[0]!.exitPrice).toBeCloseTo(115, 12);
    expect(trips[0]!.pnl).toBeCloseTo(30, 12);
  });

  test('float dust from fractional quantities does not leave a phantom open trip', () => {
    const trips = roundTrips([fill(1, 'buy', 0.1, 100), fill(2, 'buy', 0.2, 100), fill(3, 'sell', 0.3, 110)], noPrices, 3);
    expect(trips).toHaveLength(1);
    expect(trips[0]!.open).toBe(false);
    expect(trips[0]!.pnl).toBeCloseTo(3, 9);
  });

  test('symbols are tracked independently when their fills interleave', () => {
    const trips = roundTrips(
      [
        fill(1, 'buy', 1, 100, 0, 'BTC/USD'),
        fill(2, 'sell', 5, 10, 0, 'ETH/USD'),
        fill(3, 'sell', 1, 105, 0, 'BTC/USD'),
        fill(4, 'buy', 5, 12, 0, 'ETH/USD'),
      ],
      noPrices,
      4,
    );
    expect(trips.map((t) => [t.symbol, t.direction, t.pnl])).toEqual([
      ['BTC/USD', 'long', 5],
      ['ETH/USD', 'short', -10],
    ]);
  });

  test('no fills give no trips', () => {
    expect(roundTrips([], noPrices, 0)).toEqual([]);
  });

  test('an open position without a last price is an error, not a guess', () => {
    expect(() => roundTrips([fill(1, 'buy', 1, 100)], noPrices, 1)).toThrow('BTC/USD has no valid last price');
  });

  test('a fill after lastTs is rejected', () => {
    expect(() => roundTrips([fill(9, 'buy', 1, 100)], new Map([['BTC/USD', 100]]), 5)).toThrow('after lastTs 5');
  });

  test('a fill with a non-positive quantity is rejected with its index', () => {
    expect(() => roundTrips([fill(1, 'buy', 0, 100)], noPrices, 1)).toThrow('fills[0]');
  });
});
