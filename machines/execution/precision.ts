// Rounding to a market's increments at order creation. Quantities round DOWN (never past a risk limit);
// prices round to the nearest tick unless a direction is asked for (a stop rounds away from the market's favour).

function decimalsOf(step: number): number {
  if (step >= 1) return 0;
  return Math.min(12, Math.ceil(-Math.log10(step) - 1e-9));
}

/** Removes float noise like 0.30000000000000004 by cutting to the step's decimals. */
function snap(value: number, step: number): number {
  return Number(value.toFixed(decimalsOf(step)));
}

export function roundQtyDown(qty: number, step: number): number {
  // The epsilon keeps 0.3 / 0.1 = 2.9999999999999996 from flooring to 2 steps.
  return snap(Math.floor(qty / step + 1e-9) * step, step);
}

export function roundPrice(price: number, step: number, mode: 'nearest' | 'down' | 'up' = 'nearest'): number {
  const steps = price / step;
  const rounded = mode === 'down' ? Math.floor(steps + 1e-9) : mode === 'up' ? Math.ceil(steps - 1e-9) : Math.round(steps);
  return snap(rounded * step, step);
}
