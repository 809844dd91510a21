// The sweep benches' figures: medians of rounds (the upper middle of an even count), rounded to 2 places.
export function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

export function round2(x: number): number {
  return Number(x.toFixed(2));
}
