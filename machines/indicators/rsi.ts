// Wilder's Relative Strength Index. The first average gain/loss is the simple mean of the first `period`
// changes; after that each average is smoothed as (previous × (period − 1) + current) / period.
import { requireFiniteInput, requirePeriod } from './guards.ts';

export class Rsi {
  readonly period: number;
  private previousClose: number | undefined;
  private changes = 0;
  private averageGain = 0;
  private averageLoss = 0;

  constructor(period = 14) {
    requirePeriod('Rsi', period, 1);
    this.period = period;
  }

  /** Feeds one close; the first value appears after `period` changes, i.e. on close number period + 1. */
  update(close: number): number | undefined {
    requireFiniteInput(close);
    const previous = this.previousClose;
    this.previousClose = close;
    if (previous === undefined) return undefined;
    const change = close - previous;
    const gain = change > 0 ? change : 0;
    const loss = change < 0 ? -change : 0;
    if (this.changes < this.period) {
      // Warm-up: running sums, turned into means on the period-th change.
      this.changes++;
      this.averageGain += gain;
      this.averageLoss += loss;
      if (this.changes === this.period) {
        this.averageGain /= this.period;
        this.averageLoss /= this.period;
      }
    } else {
      this.averageGain = (this.averageGain * (this.period - 1) + gain) / this.period;
      this.averageLoss = (this.averageLoss * (this.period - 1) + loss) / this.period;
    }
    return this.value;
  }

  get ready(): boolean {
    return this.changes === this.period;
  }

  /** 0..100: 100 when there were only gains, 0 only losses, 50 when flat. */
  get value(): number | undefined {
    if (!this.ready) return undefined;
    const total = this.averageGain + this.averageLoss;
    // Same as 100 − 100 / (1 + RS) but with no division by a zero average loss.
    return total === 0 ? 50 : (100 * this.averageGain) / total;
  }
}
