// Argument checks shared by the indicators, so every indicator fails with the same wording.

/** Throws unless `x` is a finite number: one NaN would otherwise poison every later value of the window. */
export function requireFiniteInput(x: number): void {
  if (!Number.isFinite(x)) throw new Error(`indicator input must be a finite number, got ${x}`);
}

/** Throws unless `period` is an integer >= `min`, naming the indicator and the parameter. */
export function requirePeriod(indicator: string, period: number, min: number): void {
  if (!Number.isInteger(period) || period < min) {
    throw new Error(`${indicator}: period must be an integer >= ${min}, got ${period}`);
  }
}
