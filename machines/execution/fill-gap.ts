// The backtest-vs-live gap, measured: each live order's venue fills against the fill model's fills of the
// same order (same client order id) when the journal is replayed through the simulator.

export interface FillRow {
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  qty: number;
  price: number;
  fee: number;
}

export interface OrderGap {
  clientOrderId: string;
  symbol: string;
  side: 'buy' | 'sell';
  venue: { qty: number; price: number; fee: number };
  model: { qty: number; price: number; fee: number };
  /** Positive when the venue filled worse than the model (paid more on a buy, got less on a sell), in bps. */
  slippageGapBps: number;
}

export interface FillGapReport {
  orders: OrderGap[];
  /** Orders filled on one side only (the model and the venue parted ways). */
  venueOnly: string[];
  modelOnly: string[];
  meanGapBps: number | null;
  worstGapBps: number | null;
}

function byOrder(rows: readonly FillRow[]): Map<string, { row: FillRow; qty: number; notional: number; fee: number }> {
  const out = new Map<string, { row: FillRow; qty: number; notional: number; fee: number }>();
  for (const r of rows) {
    const o = out.get(r.clientOrderId) ?? { row: r, qty: 0, notional: 0, fee: 0 };
    o.qty += r.qty;
    o.notional += r.qty * r.price;
    o.fee += r.fee;
    out.set(r.clientOrderId, o);
  }
  return out;
}

export function fillGap(venueFills: readonly FillRow[], modelFills: readonly FillRow[]): FillGapReport {
  const venue = byOrder(venueFills);
  const model = byOrder(modelFills);
  const orders: OrderGap[] = [];
  for (const [id, v] of venue) {
    const m = model.get(id);
    if (m === undefined) continue;
    const venuePrice = v.notional / v.qty;
    const modelPrice = m.notional / m.qty;
    const worse = v.row.side === 'buy' ? venuePrice - modelPrice : modelPrice - venuePrice;
    orders.push({
      clientOrderId: id,
      symbol: v.row.symbol,
      side: v.row.side,
      venue: { qty: v.qty, price: venuePrice, fee: v.fee },
      model: { qty: m.qty, price: modelPrice, fee: m.fee },
      slippageGapBps: (worse / modelPrice) * 10_000,
    });
  }
  const gaps = orders.map((o) => o.slippageGapBps);
  return {
    orders,
    venueOnly: [...venue.keys()].filter((id) => !model.has(id)),
    modelOnly: [...model.keys()].filter((id) => !venue.has(id)),
    meanGapBps: gaps.length === 0 ? null : gaps.reduce((a, b) => a + b, 0) / gaps.length,
    worstGapBps: gaps.length === 0 ? null : Math.max(...gaps),
  };
}
