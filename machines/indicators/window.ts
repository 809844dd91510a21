// The two choices that decide what a rolling statistic means, named once so every strategy states them the same
// way. Tools differ on both, and a ported strategy silently changes its signals when either differs:
// - window: pandas' `rolling(N)`, TA-Lib and backtrader compute bar t's statistic over the N bars ending AT t
//   (`including_current`); scoring a value against the N bars BEFORE it (`previous`) keeps the bar out of the
//   statistic it is compared with, so it cannot dilute its own signal.
// - std: pandas' `.std()` divides by N − 1 (`sample`); TA-Lib's STDDEV and backtrader's StdDev divide by N
//   (`population`), which is smaller by a factor sqrt((N − 1) / N).

export const WINDOW_KINDS = ['including_current', 'previous'] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

/**
 * The longest window a strategy parameter may ask for. A window's closes are held in memory (three float64 arrays
 * of this length per symbol for a rolling std): a billion bars would end the process with "Out of memory" instead of
 * a config error. A million is over a year of 1-minute bars.
 */
export const MAX_WINDOW_BARS = 1_000_000;
export const MAX_WINDOW_MESSAGE = `must be at most ${MAX_WINDOW_BARS} bars`;

export const STD_KINDS = ['sample', 'population'] as const;
export type StdKind = (typeof STD_KINDS)[number];

/** Bars fed until the first value exists, that bar included: one more when the window excludes the current bar. */
export function barsUntilReady(period: number, window: WindowKind): number {
  return window === 'previous' ? period + 1 : period;
}

/** "the 20 bars up to and including this one", "the 20 bars before this one": for signal reasons and reports. */
export function describeWindow(period: number, window: WindowKind): string {
  return window === 'previous' ? `the ${period} bars before this one` : `the ${period} bars up to and including this one`;
}

export function describeStd(std: StdKind): string {
  return std === 'sample' ? 'sample std (divisor N − 1)' : 'population std (divisor N)';
}
