// Round trips: a trade opens when a symbol's position leaves 0 and closes when it returns to 0.

export interface FillLike {
  ts: number;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  fee: number;
}

export interface RoundTrip {
  symbol: string;
  direction: 'long' | 'short';
  entryTs: number;
  /** null while the trip is still open. */
  exitTs: number | null;
  /** Total quantity entered (= total exited once closed). */
  qty: number;
  /** Quantity-weighted average of all entry fills (scale-ins included). */
  entryPrice: number;
  /** Quantity-weighted average of all exit fills; an open remainder is valued at the last price. */
  exitPrice: number;
  /** Net of every fee of the trip, entry and exit. */
  pnl: number;
  /** pnl / entry notional. */
  returnPct: number;
  fees: number;
  open: boolean;
}

interface OpenTrip {
  direction: 'long' | 'short';
  entryTs: number;
  /** Signed: positive long, negative short. */
  position: number;
  entryQty: number;
  entryNotional: number;
  exitQty: number;
  exitNotional: number;
  fees: number;
}

// Quantities are float64 sums (0.1 + 0.2 - 0.3 ≠ 0), so "back to flat" needs a tolerance relative to the trip size.
const FLAT_TOLERANCE = 1e-9;

function isFlat(position: number, entryQty: number): boolean {
  return Math.abs(position) <= FLAT_TOLERANCE * entryQty;
}

function finishTrip(symbol: string, trip: OpenTrip, exitTs: number | null, markPrice: number): RoundTrip {
  const remaining = trip.entryQty - trip.exitQty;
  // An open remainder is valued as if it were sold at the mark, without a hypothetical exit fee.
  const exitNotional = trip.exitNotional + (remaining > 0 ? remaining * markPrice : 0);
  const sign = trip.direction === 'long' ? 1 : -1;
  const pnl = sign * (exitNotional - trip.entryNotional) - trip.fees;
  return {
    symbol,
    direction: trip.direction,
    entryTs: trip.entryTs,
    exitTs,
    qty: trip.entryQty,
    entryPrice: trip.entryNotional / trip.entryQty,
    exitPrice: exitNotional / trip.entryQty,
    pnl,
    returnPct: pnl / trip.entryNotional,
    fees: trip.fees,
    open: exitTs === null,
  };
}

function validateFill(fill: FillLike, index: number, lastTs: number): void {
  const where = `fills[${index}] (${fill.symbol} at ${fill.ts})`;
  if (!(fill.qty > 0) || !Number.isFinite(fill.qty)) throw new Error(`${where}: qty must be a positive number, got ${fill.qty}`);
  if (!(fill.price > 0) || !Number.isFinite(fill.price)) throw new Error(`${where}: price must be a positive number, got ${fill.price}`);
  if (!Number.isFinite(fill.fee)) throw new Error(`${where}: fee must be a finite number, got ${fill.fee}`);
  if (fill.ts > lastTs) throw new Error(`${where}: fill is after lastTs ${lastTs}; marking open trips there would ignore it`);
}

/**
 * Groups fills into round trips. Closed trips come in order of their closing fill; still-open trips follow,
 * marked to `lastPrices` (as of `lastTs`). A fill that crosses zero closes one trip and opens the next; its fee
 * is split between them in proportion to quantity.
 */
export function roundTrips(fills: readonly FillLike[], lastPrices: ReadonlyMap<string, number>, lastTs: number): RoundTrip[] {
  // A stable sort keeps the recorded order of fills that share a timestamp.
  const ordered = fills.map((fill, index) => ({ fill, index })).sort((a, b) => a.fill.ts - b.fill.ts);
  const openTrips = new Map<string, OpenTrip>();
  const result: RoundTrip[] = [];

  for (const { fill, index } of ordered) {
    validateFill(fill, index, lastTs);
    const signedQty = fill.side === 'buy' ? fill.qty : -fill.qty;
    let remainingQty = fill.qty;
    let remainingFee = fill.fee;
    const trip = openTrips.get(fill.symbol);

    if (trip) {
      const increases = Math.sign(signedQty) === Math.sign(trip.position);
      if (increases) {
        trip.position += signedQty;
        trip.entryQty += fill.qty;
        trip.entryNotional += fill.qty * fill.price;
        trip.fees += fill.fee;
        continue;
      }
      const closingQty = Math.min(fill.qty, Math.abs(trip.position));
      const closesFully = isFlat(Math.abs(trip.position) - fill.qty, trip.entryQty) || fill.qty > Math.abs(trip.position);
      const closingFee = fill.fee * (closingQty / fill.qty);
      trip.exitQty += closingQty;
      trip.exitNotional += closingQty * fill.price;
      trip.fees += closingFee;
      trip.position += Math.sign(signedQty) * closingQty;
      remainingQty = fill.qty - closingQty;
      remainingFee = fill.fee - closingFee;
      if (!closesFully) continue;
      // Absorb float dust so the trip's entered and exited quantities match exactly.
      trip.exitQty = trip.entryQty;
      result.push(finishTrip(fill.symbol, trip, fill.ts, fill.price));
      openTrips.delete(fill.symbol);
      if (isFlat(remainingQty, fill.qty)) continue;
    }

    openTrips.set(fill.symbol, {
      direction: fill.side === 'buy' ? 'long' : 'short',
      entryTs: fill.ts,
      position: fill.side === 'buy' ? remainingQty : -remainingQty,
      entryQty: remainingQty,
      entryNotional: remainingQty * fill.price,
      exitQty: 0,
      exitNotional: 0,
      fees: remainingFee,
    });
  }

  for (const [symbol, trip] of openTrips) {
    const markPrice = lastPrices.get(symbol);
    if (markPrice === undefined || !(markPrice > 0) || !Number.isFinite(markPrice)) {
      throw new Error(`roundTrips: open ${trip.direction} position in ${symbol} has no valid last price (got ${markPrice})`);
    }
    result.push(finishTrip(symbol, trip, null, markPrice));
  }
  return result;
}
