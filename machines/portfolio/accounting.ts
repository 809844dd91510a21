// Cash and position accounting. Invariants (checked in tests): equity = cash + Σ qty × lastPrice, and
// equity = starting capital + realised P&L + unrealised P&L − fees. Fees are paid in quote currency.
import type { Side } from '../domain.ts';

export interface Position {
  symbol: string;
  /** Signed: positive long, negative short. */
  qty: number;
  avgPrice: number;
  lastPrice: number;
  realizedPnl: number;
}

export interface Book {
  cash: number;
  fees: number;
  realizedPnl: number;
  positions: Map<string, Position>;
}

export interface FillInput {
  symbol: string;
  side: Side;
  qty: number;
  price: number;
  fee: number;
}

export function newBook(startingCash: number): Book {
  return { cash: startingCash, fees: 0, realizedPnl: 0, positions: new Map() };
}

/** Applies a fill in place and returns the updated position. Quantities below 1e-12 count as flat. */
export function applyFill(book: Book, fill: FillInput): Position {
  if (
    !(fill.qty > 0 && Number.isFinite(fill.qty)) ||
    !(fill.price > 0 && Number.isFinite(fill.price)) ||
    !(fill.fee >= 0 && Number.isFinite(fill.fee))
  ) {
    throw new Error(`invalid fill for ${fill.symbol}: qty ${fill.qty}, price ${fill.price}, fee ${fill.fee}`);
  }
  let position = book.positions.get(fill.symbol);
  if (position === undefined) {
    position = { symbol: fill.symbol, qty: 0, avgPrice: 0, lastPrice: fill.price, realizedPnl: 0 };
    book.positions.set(fill.symbol, position);
  }
  const signedQty = fill.side === 'buy' ? fill.qty : -fill.qty;
  book.cash -= signedQty * fill.price + fill.fee;
  book.fees += fill.fee;

  const before = position.qty;
  const after = before + signedQty;
  if (before === 0 || Math.sign(before) === Math.sign(signedQty)) {
    // Opening or adding: the average entry moves.
    position.avgPrice = (position.avgPrice * Math.abs(before) + fill.price * fill.qty) / Math.abs(after);
  } else {
    // Reducing, closing or flipping: realise P&L on the closed part.
    const closedQty = Math.min(Math.abs(before), fill.qty);
    const pnl = (fill.price - position.avgPrice) * closedQty * Math.sign(before);
    position.realizedPnl += pnl;
    book.realizedPnl += pnl;
    if (Math.abs(after) > 1e-12 && Math.sign(after) !== Math.sign(before)) position.avgPrice = fill.price;
  }
  position.qty = Math.abs(after) < 1e-12 ? 0 : after;
  if (position.qty === 0) position.avgPrice = 0;
  position.lastPrice = fill.price;
  return position;
}

export interface Valuation {
  positionsValue: number;
  grossExposure: number;
  unrealizedPnl: number;
  equity: number;
}

export function valueBook(book: Book): Valuation {
  let positionsValue = 0;
  let grossExposure = 0;
  let unrealizedPnl = 0;
  for (const p of book.positions.values()) {
    if (p.qty === 0) continue;
    const value = p.qty * p.lastPrice;
    positionsValue += value;
    grossExposure += Math.abs(value);
    unrealizedPnl += (p.lastPrice - p.avgPrice) * p.qty;
  }
  return { positionsValue, grossExposure, unrealizedPnl, equity: book.cash + positionsValue };
}

/**
 * Takes a venue's positions and cash as the book (live `--adopt`): quantities and cash are replaced, each
 * position is valued at the given price, realised P&L and fees so far are kept. Returns the changed positions
 * with their unrealised P&L, in symbol order.
 */
export function adoptPositions(
  book: Book,
  venue: { positions: Record<string, { qty: number; price: number }>; cash: number },
): (Position & { unrealizedPnl: number })[] {
  const symbols = [...new Set([...book.positions.keys(), ...Object.keys(venue.positions)])].sort();
  const changed: (Position & { unrealizedPnl: number })[] = [];
  for (const symbol of symbols) {
    const target = venue.positions[symbol] ?? { qty: 0, price: book.positions.get(symbol)?.lastPrice ?? 0 };
    const current = book.positions.get(symbol);
    if (current !== undefined && current.qty === target.qty) continue;
    const position: Position = {
      symbol,
      qty: target.qty,
      avgPrice: target.price,
      lastPrice: target.price,
      realizedPnl: current?.realizedPnl ?? 0,
    };
    book.positions.set(symbol, position);
    changed.push({ ...position, unrealizedPnl: 0 });
  }
  book.cash = venue.cash;
  return changed;
}
