// Position sizing: a fixed fraction of equity, scaled by the signal's confidence.

/** Unrounded quantity worth `maxPct × clamp(confidence, 0, 1)` of equity at `price`. */
export function positionSizeQty(equity: number, price: number, confidence: number, maxPct: number): number {
  if (!(equity > 0) || !(price > 0) || !Number.isFinite(confidence)) return 0;
  const scale = Math.min(1, Math.max(0, confidence));
  return (equity * maxPct * scale) / price;
}
