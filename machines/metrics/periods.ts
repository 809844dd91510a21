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
 * (PerformanceStream samples the same way as it streams; this is the whole-array form.)
 */
export function sampleEquity(points: EquityPoint[], bucketMs: number, offsetMs = 0): EquityPoint[] {
  if (!(bucketMs > 0) || !Number.isFinite(bucketMs)) {
    throw new Error(`sampleEquity: bucketMs must be a positive number, got ${bucketMs}`);
  }
  const sampled: EquityPoint[] = [];
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    if (i > 0 && point.ts < points[i - 1]!.ts) {
      throw new Error(`sampleEquity: points[${i}] ts ${point.ts} is before points[${i - 1}] ts ${points[i - 1]!.ts}`);
    }
    const next = points[i + 1];
    if (next === undefined || Math.floor((next.ts - offsetMs) / bucketMs) !== Math.floor((point.ts - offsetMs) / bucketMs)) {
      sampled.push(point);
    }
  }
  return sampled;
}
