import { describe, expect, test } from 'bun:test';
import type { Side } from '../../../machines/domain.ts';
import { applyFill, newBook, valueBook, type Book, type FillInput } from '../../../machines/portfolio/accounting.ts';

const fill = (side: Side, qty: number, price: number, fee = 0, symbol = 'BTC/USD'): FillInput => ({ symbol, side, qty, price, fee });

function bookAfter(fills: readonly FillInput[], startingCash = 10_000): Book {
  const book = newBook(startingCash);
  for (const f of fills) applyFill(book, f);
  return book;
}

describe('applyFill: cash and fees', () => {
  test('a buy takes notional plus fee from cash and opens a long at the fill price', () => {
    const book = newBook(10_000);
    const position = applyFill(book, fill('buy', 10, 100, 1));
    expect(book.cash).toBe(8_999);
    expect(book.fees).toBe(1);
    expect(book.realizedPnl).toBe(0);
    expect(position).toEqual({ symbol: 'BTC/USD', qty: 10, avgPrice: 100, lastPrice: 100, realizedPnl: 0 });
    expect(book.positions.get('BTC/USD')).toBe(position);
  });

  test('a sell adds notional less fee to cash and realises the gain', () => {
    const book = bookAfter([fill('buy', 10, 100, 1), fill('sell', 10, 110, 1.1)]);
    expect(book.cash).toBeCloseTo(10_097.9, 9);
    expect(book.fees).toBeCloseTo(2.1, 12);
    expect(book.realizedPnl).toBe(100);
    expect(book.positions.get('BTC/USD')).toEqual({ symbol: 'BTC/USD', qty: 0, avgPrice: 0, lastPrice: 110, realizedPnl: 100 });
  });

  test('keeps each symbol in its own position', () => {
    const book = bookAfter([fill('buy', 1, 100, 0, 'A'), fill('buy', 2, 50, 0, 'B'), fill('sell', 1, 90, 0, 'A')]);
    expect(book.positions.get('A')).toMatchObject({ qty: 0, realizedPnl: -10 });
    expect(book.positions.get('B')).toMatchObject({ qty: 2, avgPrice: 50, realizedPnl: 0 });
    expect(book.realizedPnl).toBe(-10);
  });
});

describe('applyFill: positions and realised P&L', () => {
  test.each([
    // [fills], expected position and realised P&L
    { name: 'scaling into a long moves the average to the quantity-weighted price', fills: [fill('buy', 10, 100), fill('buy', 30, 120)], qty: 40, avgPrice: 115, realized: 0 },
    { name: 'a partial exit realises P&L on the sold part only and keeps the average', fills: [fill('buy', 10, 100), fill('sell', 4, 130)], qty: 6, avgPrice: 100, realized: 120 },
    { name: 'a losing exit realises a loss', fills: [fill('buy', 10, 100), fill('sell', 10, 93)], qty: 0, avgPrice: 0, realized: -70 },
    { name: 'flipping long to short realises the long and opens the rest at the fill price', fills: [fill('buy', 10, 100), fill('sell', 15, 90)], qty: -5, avgPrice: 90, realized: -100 },
    { name: 'a short covered lower realises a gain', fills: [fill('sell', 5, 200), fill('buy', 5, 180)], qty: 0, avgPrice: 0, realized: 100 },
    { name: 'a short covered higher realises a loss', fills: [fill('sell', 5, 200), fill('buy', 5, 230)], qty: 0, avgPrice: 0, realized: -150 },
    { name: 'scaling into a short moves its average', fills: [fill('sell', 5, 200), fill('sell', 5, 220)], qty: -10, avgPrice: 210, realized: 0 },
    { name: 'a partial cover of a short realises on the covered part', fills: [fill('sell', 5, 200), fill('sell', 5, 220), fill('buy', 2, 230)], qty: -8, avgPrice: 210, realized: -40 },
    { name: 'flipping short to long realises the short and opens the rest at the fill price', fills: [fill('sell', 5, 100), fill('buy', 8, 90)], qty: 3, avgPrice: 90, realized: 50 },
    { name: 'reopening after a close starts a fresh average', fills: [fill('buy', 10, 100), fill('sell', 10, 110), fill('buy', 2, 50)], qty: 2, avgPrice: 50, realized: 100 },
  ])('$name', ({ fills, qty, avgPrice, realized }) => {
    const book = bookAfter(fills);
    const position = book.positions.get('BTC/USD')!;
    expect(position.qty).toBe(qty);
    expect(position.avgPrice).toBeCloseTo(avgPrice, 9);
    expect(position.realizedPnl).toBeCloseTo(realized, 9);
    expect(book.realizedPnl).toBeCloseTo(realized, 9);
  });

  test('treats a float-noise remainder below 1e-12 as flat', () => {
    // 0.1 + 0.2 bought, 0.3 sold leaves 5.6e-17.
    const book = bookAfter([fill('buy', 0.1, 100), fill('buy', 0.2, 100), fill('sell', 0.3, 100)]);
    expect(book.positions.get('BTC/USD')).toMatchObject({ qty: 0, avgPrice: 0 });
  });
});

describe('valueBook', () => {
  test('marks a long at its last price', () => {
    const book = bookAfter([fill('buy', 10, 100, 2)]);
    book.positions.get('BTC/USD')!.lastPrice = 120;
    expect(valueBook(book)).toEqual({ positionsValue: 1_200, grossExposure: 1_200, unrealizedPnl: 200, equity: 10_198 });
  });

  test('counts a short as negative value but positive gross exposure', () => {
    const book = bookAfter([fill('sell', 5, 200)]);
    book.positions.get('BTC/USD')!.lastPrice = 190;
    expect(valueBook(book)).toEqual({ positionsValue: -950, grossExposure: 950, unrealizedPnl: 50, equity: 10_050 });
  });

  test('nets longs and shorts in value but adds them in gross exposure', () => {
    const book = bookAfter([fill('buy', 10, 100, 0, 'A'), fill('sell', 4, 50, 0, 'B')]);
    expect(valueBook(book)).toEqual({ positionsValue: 800, grossExposure: 1_200, unrealizedPnl: 0, equity: 10_000 });
  });

  test('ignores closed positions', () => {
    expect(valueBook(bookAfter([fill('buy', 10, 100), fill('sell', 10, 105)]))).toEqual({
      positionsValue: 0,
      grossExposure: 0,
      unrealizedPnl: 0,
      equity: 10_050,
    });
  });
});

describe('accounting invariants', () => {
  test('equity = cash + Σ qty × lastPrice = start + realised + unrealised − fees after 1000 seeded random fills', () => {
    // Hand-rolled 32-bit LCG (Numerical Recipes constants) so the sequence is identical on every run.
    let seed = 20_240_601;
    const random = () => {
      seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0;
      return seed / 4_294_967_296;
    };
    const symbols = ['A', 'B', 'C'];
    const start = 100_000;
    const book = newBook(start);
    let feeTotal = 0;
    for (let i = 0; i < 1000; i++) {
      const symbol = symbols[Math.floor(random() * symbols.length)]!;
      const held = book.positions.get(symbol)?.qty ?? 0;
      const price = Math.round((50 + random() * 100) * 100) / 100;
      const fee = Math.round(random() * 300) / 100;
      // One fill in five closes exactly, to exercise full closes and flips as well as adds.
      const closing = held !== 0 && random() < 0.2;
      const side: Side = closing ? (held > 0 ? 'sell' : 'buy') : random() < 0.5 ? 'buy' : 'sell';
      const qty = closing ? Math.abs(held) : Math.round((0.001 + random() * 20) * 1000) / 1000;
      applyFill(book, { symbol, side, qty, price, fee });
      feeTotal += fee;

      const valuation = valueBook(book);
      let marked = 0;
      let unrealized = 0;
      let realized = 0;
      for (const p of book.positions.values()) {
        marked += p.qty * p.lastPrice;
        unrealized += (p.lastPrice - p.avgPrice) * p.qty;
        realized += p.realizedPnl;
      }
      expect(Math.abs(valuation.equity - (book.cash + marked))).toBeLessThan(1e-6);
      expect(Math.abs(valuation.equity - (start + book.realizedPnl + unrealized - book.fees))).toBeLessThan(1e-6);
      expect(Math.abs(book.realizedPnl - realized)).toBeLessThan(1e-6);
      expect(Math.abs(book.fees - feeTotal)).toBeLessThan(1e-6);
    }
    // The sequence must have traded both ways, or the invariants proved little.
    expect(book.realizedPnl).not.toBe(0);
  });
});

describe('applyFill: invalid fills', () => {
  test.each([
    { name: 'rejects a zero quantity', f: fill('buy', 0, 100, 0, 'ETH/USD'), message: 'invalid fill for ETH/USD: qty 0, price 100, fee 0' },
    { name: 'rejects a negative quantity', f: fill('sell', -1, 100, 0, 'ETH/USD'), message: 'invalid fill for ETH/USD: qty -1, price 100, fee 0' },
    { name: 'rejects a NaN quantity', f: fill('buy', Number.NaN, 100, 0, 'ETH/USD'), message: 'invalid fill for ETH/USD: qty NaN' },
    { name: 'rejects a NaN price', f: fill('buy', 1, Number.NaN, 0, 'ETH/USD'), message: 'invalid fill for ETH/USD: qty 1, price NaN, fee 0' },
    { name: 'rejects a zero price', f: fill('buy', 1, 0, 0, 'ETH/USD'), message: 'invalid fill for ETH/USD: qty 1, price 0, fee 0' },
    { name: 'rejects a negative fee', f: fill('buy', 1, 100, -0.5, 'ETH/USD'), message: 'invalid fill for ETH/USD: qty 1, price 100, fee -0.5' },
    { name: 'rejects a NaN fee', f: fill('buy', 1, 100, Number.NaN, 'ETH/USD'), message: 'invalid fill for ETH/USD: qty 1, price 100, fee NaN' },
  ])('$name', ({ f, message }) => {
    const book = bookAfter([fill('buy', 2, 100, 1, 'ETH/USD')]);
    const before = structuredClone(book);
    expect(() => applyFill(book, f)).toThrow(message);
    expect(book).toEqual(before);
  });
});
