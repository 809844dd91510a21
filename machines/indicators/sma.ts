// Simple moving average over the last `period` values, O(1) per update.
import { requireFiniteInput, requirePeriod } from './guards.ts';

export class Sma {
  readonly period: number;
  private readonly window: Float64Array;
  private next = 0;
  private count = 0;
  // The running sum is kept as an unevaluated pair (sum + compensation): a plain running sum keeps the
  // rounding error of every value that ever passed through, so a large value leaving the window (or a
  // long run) would leave a permanent bias.
  private sum = 0;
  private compensation = 0;

  constructor(period: number) {
    requirePeriod('Sma', period, 1);
    this.period = period;
    this.window = new Float64Array(period);
  }

  update(x: number): number | undefined {
    requireFiniteInput(x);
    if (this.count === this.period) this.add(-this.window[this.next]!);
    else this.count++;
    this.window[this.next] = x;
    this.next = (this.next + 1) % this.period;
    this.add(x);
    return this.value;
  }

  get ready(): boolean {
    return this.count === this.period;
  }

  get value(): number | undefined {
    return this.ready ? (this.sum + this.compensation) / this.period : undefined;
  }

  private add(term: number): void {
    // Knuth's TwoSum recovers the exact rounding error of each addition; folding it back into the pair
    // keeps the compensation below one ulp of the sum instead of letting it wander over long runs.
    const total = this.sum + term;
    const termPart = total - this.sum;
    const error = this.sum - (total - termPart) + (term - termPart);
    const carried = this.compensation + error;
    const sum = total + carried;
    const carriedPart = sum - total;
    this.compensation = total - (sum - carriedPart) + (carried - carriedPart);
    this.sum = sum;
  }
}
