// The sweep benches' figures: rates, medians of rounds (the upper middle of an even count), rounded to 2 places.
export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

export function round2(x: number): number {
  return Number(x.toFixed(2));
}

export interface Timed {
  combinations: number;
  seconds: number;
}

export function perSecond(run: Timed): number {
  return run.combinations / run.seconds;
}

/** `many` ÷ `one` for each round, the two runs of a round side by side. */
export function speedupPerRound(one: readonly Timed[], many: readonly Timed[]): number[] {
  return one.map((run, i) => round2(perSecond(many[i]!) / perSecond(run)));
}
