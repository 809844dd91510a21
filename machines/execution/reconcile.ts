// Reconciliation: the venue's positions, open orders and cash against what the session's journal says they
// are. Pure: both sides come in as plain data; any difference past its tolerance blocks new entries until it
// is resolved or the operator adopts the venue's state.

export interface ReconcileSide {
  /** Signed quantity per symbol. */
  positions: Record<string, number>;
  /** Client order ids of the orders open at the venue (ours only). */
  openOrders: string[];
  /** Cash in the quote currency available to the session. */
  cash: number;
}

export interface ReconcileTolerance {
  /** A position may differ by this fraction of the larger side (rounding, dust). */
  qtyPct: number;
  /** Cash may differ by this much in the quote currency (fee rounding, interest). */
  cash: number;
}

export interface Difference {
  /** `position BTC/USDT`, `open order <id>`, `cash`. */
  what: string;
  session: number | string;
  venue: number | string;
  /** Past the tolerance: entries stay halted while it is unresolved. */
  blocking: boolean;
}

export function reconcile(session: ReconcileSide, venue: ReconcileSide, tolerance: ReconcileTolerance): Difference[] {
  const out: Difference[] = [];
  const symbols = [...new Set([...Object.keys(session.positions), ...Object.keys(venue.positions)])].sort();
  for (const symbol of symbols) {
    const ours = session.positions[symbol] ?? 0;
    const theirs = venue.positions[symbol] ?? 0;
    const gap = Math.abs(ours - theirs);
    const scale = Math.max(Math.abs(ours), Math.abs(theirs));
    // Float sums against a venue's decimal balances: differences at the 9th significant digit are not differences.
    if (gap <= Math.max(1e-12, scale * 1e-9)) continue;
    out.push({ what: `position ${symbol}`, session: ours, venue: theirs, blocking: gap > scale * tolerance.qtyPct });
  }
  const venueOrders = new Set(venue.openOrders);
  const sessionOrders = new Set(session.openOrders);
  for (const id of session.openOrders) {
    if (!venueOrders.has(id)) out.push({ what: `open order ${id}`, session: 'open', venue: 'not open', blocking: true });
  }
  for (const id of venue.openOrders) {
    if (!sessionOrders.has(id)) out.push({ what: `open order ${id}`, session: 'unknown', venue: 'open', blocking: true });
  }
  const cashGap = Math.abs(session.cash - venue.cash);
  // Venues keep balances to 8 decimals or fewer; a millionth of a quote unit is float noise, not money.
  if (cashGap > 1e-6) out.push({ what: 'cash', session: session.cash, venue: venue.cash, blocking: cashGap > tolerance.cash });
  return out;
}

export function describeDifference(d: Difference): string {
  return `${d.what}: session ${d.session}, venue ${d.venue}`;
}
