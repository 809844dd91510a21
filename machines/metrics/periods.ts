// How many return periods make a year, and resampling equity onto a regular grid so periods mean something.
import { DAY_MS } from '../data/timeframe.ts';
import type { EquityPoint } from './performance.ts';

const CRYPTO_DAYS_PER_YEAR = 365;
const STOCK_SESSIONS_PER_YEAR = 252;
const STOCK_SESSION_MINUTES = 390;
const WEEK_MS = 7 * DAY_MS;
const CALENDAR_YEAR_MS = 365.25 * DAY_MS;

/**
 * Bars per year for annualising per-bar statistics (Sharpe, Sortino).
 * Mixed portfolios are treated as crypto: their equity is sampled on the 24/7 calendar.
 */
export function periodsPerYear(timeframeMs: number, kind: 'crypto' | 'stock' | 'mixed'): number {
  if (!(timeframeMs > 0) || !Number.isFinite(timeframeMs)) {
    throw new Error(`periodsPerYear: timeframeMs must be a positive number, got ${timeframeMs}`);
  }
  if (kind !== 'stock') return (CRYPTO_DAYS_PER_YEAR * DAY_MS) / timeframeMs;
  // Weekly and longer stock bars follow the calendar: a year has ~52 weekly bars, not 252 / 5.
  if (timeframeMs >= WEEK_MS) return CALENDAR_YEAR_MS / timeframeMs;
  if (timeframeMs >= DAY_MS) return STOCK_SESSIONS_PER_YEAR / (timeframeMs / DAY_MS);
  // The session's last bar is cut short by the close but is still a bar (390 min in 60-min bars = 7 bars).
  const barsPerSession = Math.ceil(STOCK_SESSION_MINUTES / (timeframeMs / 60_000));
  return STOCK_SESSIONS_PER_YEAR * barsPerSession;
}

/**
 * Keeps the last point of each bucket [offset + k·bucketMs, offset + (k+1)·bucketMs), in time order.
 * Buckets without points are skipped, not filled: a missing period is not a period of zero return.
 */
/**
 * The last point of each bucket, streamed: `add` returns the previous bucket's point when a new bucket
 * starts, `end` the last one. O(1) state, for curves too long to hold.
 */
export class EquitySampler {
  private current: EquityPoint | undefined;
  private currentBucket = Number.NaN;
  private previousTs = Number.NEGATIVE_INFINITY;
  private index = 0;

  constructor(
    private readonly bucketMs: number,
    private readonly offsetMs = 0,
  ) {
    if (!(bucketMs > 0) || !Number.isFinite(bucketMs)) {
      throw new Error(`sampleEquity: bucketMs must be a positive number, got ${bucketMs}`);
    }
  }

  add(point: EquityPoint): EquityPoint | undefined {
    const i = this.index++;
    if (i > 0 && point.ts < this.previousTs) {
      throw new Error(`sampleEquity: points[${i}] ts ${point.ts} is before points[${i - 1}] ts ${this.previousTs}`);
    }
    this.previousTs = point.ts;
    const bucket = Math.floor((point.ts - this.offsetMs) / this.bucketMs);
    const done = bucket === this.currentBucket ? undefined : this.current;
    this.current = point;
    this.currentBucket = bucket;
    return done;
  }

  end(): EquityPoint | undefined {
    const last = this.current;
    this.current = undefined;
    return last;
  }
}

export function sampleEquity(points: EquityPoint[], bucketMs: number, offsetMs = 0): EquityPoint[] {
  const sampler = new EquitySampler(bucketMs, offsetMs);
  const sampled: EquityPoint[] = [];
  for (const point of points) {
    const done = sampler.add(point);
    if (done !== undefined) sampled.push(done);
  }
  const last = sampler.end();
  if (last !== undefined) sampled.push(last);
  return sampled;
}
