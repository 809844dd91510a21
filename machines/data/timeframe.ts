// Candle timeframes: CCXT spelling (`1s`, `1m`, `1h`, `1d`, `1w`) and Alpaca spelling (`1Min`, `1Hour`, `1Day`).
// Seconds exist for crypto only (Binance spot serves 1s klines); stock venues have no bar shorter than a minute.
import type { MarketKind } from '../domain.ts';

const UNIT_MS: Record<string, number> = {
  s: 1_000,
  sec: 1_000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
};

export const DAY_MS = 86_400_000;
export const MINUTE_MS = 60_000;

/** Length of one bar in ms; throws `unknown timeframe "x"` for anything else. */
export function timeframeMs(timeframe: string): number {
  const match = /^(\d+)([a-zA-Z]+)$/.exec(timeframe);
  const unit = match ? UNIT_MS[match[2]!.toLowerCase()] : undefined;
  const count = match ? Number(match[1]) : 0;
  // `1M` (month) is deliberately unsupported: months have no fixed length.
  if (!match || unit === undefined || count <= 0 || match[2] === 'M') {
    throw new Error(`unknown timeframe "${timeframe}" (expected e.g. 1s, 1m, 5m, 1h, 4h, 1d, 1w, 1Min, 1Hour, 1Day)`);
  }
  return count * unit;
}

/** True for daily or longer bars, where a stock bar is one exchange session. */
export function isSessionTimeframe(timeframe: string): boolean {
  return timeframeMs(timeframe) >= DAY_MS;
}

/** True for bars shorter than a minute (their times are printed to the second). */
export function isSubMinuteTimeframe(timeframe: string): boolean {
  return timeframeMs(timeframe) < MINUTE_MS;
}

/**
 * Throws for timeframes a market cannot have: a stock bar longer than a day would span several sessions, and no
 * stock venue has bars shorter than a minute.
 */
export function assertSupportedTimeframe(kind: MarketKind, timeframe: string): void {
  if (kind === 'stock' && timeframeMs(timeframe) > DAY_MS) {
    throw new Error(`stock timeframe ${timeframe} is not supported (use 1d or an intraday timeframe)`);
  }
  if (kind === 'stock' && isSubMinuteTimeframe(timeframe)) {
    throw new Error(`stock timeframe ${timeframe} is not supported: stock bars are at least a minute (seconds are for crypto only)`);
  }
}
