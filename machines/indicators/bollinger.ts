// Bollinger bands: the N-bar mean ± k standard deviations. The std is RollingStats' SAMPLE std (n − 1);
// charting sites usually use the population std, so their bands are narrower by sqrt((n − 1) / n).
import { requirePeriod } from './guards.ts';
import { RollingStats } from './rolling-stats.ts';

export interface BollingerValue {
  middle: number;
  upper: number;
  lower: number;
  /** Where the latest value sits in the bands: 0 at the lower band, 1 at the upper. Undefined when the bands have collapsed (std 0). */
  percentB: number | undefined;
  /** (upper − lower) / middle as a fraction (not ×100). Undefined when the middle is 0. */
  bandwidth: number | undefined;
}

export class Bollinger {
  readonly period: number;
  readonly k: number;
  private readonly stats: RollingStats;
  private latest: BollingerValue | undefined;

  constructor(period: number, k: number) {
    requirePeriod('Bollinger', period, 2);
    if (!Number.isFinite(k) || k <= 0) throw new Error(`Bollinger: k must be a finite number > 0, got ${k}`);
    this.stats = new RollingStats(period);
    this.period = period;
    this.k = k;
  }

  update(x: number): BollingerValue | undefined {
    this.stats.update(x);
    const middle = this.stats.mean;
    const std = this.stats.std;
    if (middle === undefined || std === undefined) return undefined;
    const halfWidth = this.k * std;
    const upper = middle + halfWidth;
    const lower = middle - halfWidth;
    this.latest = {
      middle,
      upper,
      lower,
      percentB: std === 0 ? undefined : (x - lower) / (upper - lower),
      bandwidth: middle === 0 ? undefined : (upper - lower) / middle,
    };
    return this.latest;
  }

  get ready(): boolean {
    return this.stats.ready;
  }

  get value(): BollingerValue | undefined {
    return this.latest;
  }
}
