// Signal reasons are read by people (dashboard, run DB): a value and the threshold it crossed must never print
// as equal ("z -2.00 < -2.00") nor as "-0".

const MAX_DECIMALS = 6;

/** `x` with `decimals` places, with the sign of a value that rounds to zero dropped. */
export function formatNumber(x: number, decimals: number): string {
  const text = x.toFixed(decimals);
  return /^-0\.?0*$/.test(text) ? text.slice(1) : text;
}

/**
 * A value and the threshold it was compared with, with `decimals` places, or as many more (up to 6) as it takes
 * to show them apart; values that are equal at 6 places are shown equal, with `decimals` places.
 */
export function formatComparison(value: number, threshold: number, decimals = 2): { value: string; threshold: string } {
  for (let places = decimals; places <= MAX_DECIMALS; places++) {
    const shown = { value: formatNumber(value, places), threshold: formatNumber(threshold, places) };
    if (shown.value !== shown.threshold) return shown;
  }
  return { value: formatNumber(value, decimals), threshold: formatNumber(threshold, decimals) };
}
