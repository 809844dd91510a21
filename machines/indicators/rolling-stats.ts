// Mean and standard deviation of the last `period` values, O(1) amortised per update. The std is the SAMPLE
// std (divisor n − 1) unless `population` (divisor n) is asked for: tools differ here (window.ts says how), so
// a strategy names the one it uses.
// Bollinger bands on most charting sites use the population std, smaller by a factor sqrt((n − 1) / n).
//
// Why not Welford's add/remove update: removing a value subtracts its contribution, so the rounding error
// of every value that ever passed through stays in the state (after a bad tick leaves the window the std
// can be off by orders of magnitude), and a constant window is left with a small positive std instead of 0.
// Instead the window is a queue built from two stacks, each holding Welford aggregates (count, mean, M2)
// that are only ever merged, never subtracted (Chan et al.'s parallel formula): every value is added once
// when it arrives and once more when the front stack is refilled, so the cost stays O(1) amortised and the
// state depends only on the values currently in the window.
import { requireFiniteInput, requirePeriod } from './guards.ts';
import type { StdKind } from './window.ts';

export class RollingStats {
  readonly period: number;
  readonly stdKind: StdKind;
  private readonly values: Float64Array;
  /** For a value in the front stack: mean and M2 of it together with every newer value of the front stack. */
  private readonly frontMean: Float64Array;
  private readonly frontM2: Float64Array;
  private head = 0;
  private count = 0;
  private frontCount = 0;
  private backCount = 0;
  private backMean = 0;
  private backM2 = 0;
  private windowMean = 0;
  /** Sum of squared deviations from the window mean. */
  private windowM2 = 0;

  constructor(period: number, stdKind: StdKind = 'sample') {
    // A sample std needs at least two values, and a population std over one value is always 0.
    requirePeriod('RollingStats', period, 2);
    this.period = period;
    this.stdKind = stdKind;
    this.values = new Float64Array(period);
    this.frontMean = new Float64Array(period);
    this.frontM2 = new Float64Array(period);
  }

  update(x: number): void {
    requireFiniteInput(x);
    if (this.count === this.period) this.evictOldest();
    this.values[(this.head + this.count) % this.period] = x;
    this.count++;
    this.backCount++;
    const delta = x - this.backMean;
    this.backMean += delta / this.backCount;
    this.backM2 += delta * (x - this.backMean);
    this.mergeFrontAndBack();
  }

  get ready(): boolean {
    return this.count === this.period;
  }

  get mean(): number | undefined {
    return this.ready ? this.windowMean : undefined;
  }

  /** Variance with divisor n − 1 (sample) or n (population), as constructed. */
  get variance(): number | undefined {
    if (!this.ready) return undefined;
    // M2 is a sum of non-negative terms, but a rounding step can still dip a hair below zero.
    return Math.max(0, this.windowM2) / (this.stdKind === 'sample' ? this.period - 1 : this.period);
  }

  /** Standard deviation with divisor n − 1 (sample) or n (population), as constructed. */
  get std(): number | undefined {
    const variance = this.variance;
    return variance === undefined ? undefined : Math.sqrt(variance);
  }

  /** (x − mean) / std against the current window; undefined while warming up or when the window has no spread. */
  zScore(x: number): number | undefined {
    requireFiniteInput(x);
    const std = this.std;
    if (std === undefined || std === 0) return undefined;
    const z = (x - this.windowMean) / std;
    // A subnormal std can still overflow the division.
    return Number.isFinite(z) ? z : undefined;
  }

  private evictOldest(): void {
    if (this.frontCount === 0) this.refillFront();
    this.head = (this.head + 1) % this.period;
    this.frontCount--;
    this.count--;
  }

  /** Moves every value to the front stack, newest first, recording the aggregate of each suffix. */
  private refillFront(): void {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    for (let offset = this.count - 1; offset >= 0; offset--) {
      const index = (this.head + offset) % this.period;
      const value = this.values[index]!;
      n++;
      const delta = value - mean;
      mean += delta / n;
      m2 += delta * (value - mean);
      this.frontMean[index] = mean;
      this.frontM2[index] = m2;
    }
    this.frontCount = this.count;
    this.backCount = 0;
    this.backMean = 0;
    this.backM2 = 0;
  }

  private mergeFrontAndBack(): void {
    if (this.frontCount === 0) {
      this.windowMean = this.backMean;
      this.windowM2 = this.backM2;
      return;
    }
    const frontMean = this.frontMean[this.head]!;
    const frontM2 = this.frontM2[this.head]!;
    const n = this.frontCount + this.backCount;
    const delta = this.backMean - frontMean;
    this.windowMean = frontMean + (delta * this.backCount) / n;
    this.windowM2 = frontM2 + this.backM2 + (delta * delta * this.frontCount * this.backCount) / n;
  }
}
