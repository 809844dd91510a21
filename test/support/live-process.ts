// `bun run live` as a real process against one 127.0.0.1 Binance stand-in that is both its market and its
// venue: 1s klines generated from real BTC/USD daily closes up to the wall clock, bar i always carrying
// prices[i] (so two runs started at different moments can be compared bar for bar), and the signed order routes
// of the order server, whose market orders fill at the newest closed bar's close.
import { join } from 'node:path';
import { startOrderServer, type OrderServer } from './ccxt-order-server.ts';
import { initMarketDb, realDailyPrices } from './live-venue.ts';
import { startCommand, type RunningCommand } from './paper-process.ts';
import { tempDir } from './real-data.ts';

/** Distinctive key material: any of it in an output, a DB or a report is a leak. */
export const LIVE_KEY = 'qsLIVEkey7f3a9c2e1b5d8f04a6c3e9b7d1f2a8c5e';
export const LIVE_SECRET = 'qsLIVEsecret5b1d9e7c3a2f8e6d4c0b9a7f5e3d1c8b';
export const LIVE_ENV = { BINANCE_API_KEY: LIVE_KEY, BINANCE_SECRET: LIVE_SECRET };

export const SECOND = 1_000;

export interface LiveStandIn {
  server: OrderServer;
  /** Open time of bar 0. */
  originTs: number;
  bars: number;
  /** Index of the bar opening at `ts`. */
  barIndex(ts: number): number;
  /** Wall time at which the last generated bar has closed. */
  endTs: number;
  /** The close of the newest bar closed by `ts`. */
  closeBy(ts: number): number;
}

/**
 * A stand-in whose bar `warmBars` is the one forming now: the bars before it are history for the warm-up.
 * Prices are BTC/USD daily candles from `from`, one per second.
 */
export function startLiveStandIn(opts: { from: string; bars: number; warmBars: number; balances?: Record<string, number> }): LiveStandIn {
  const prices = realDailyPrices(opts.from, opts.bars);
  const originTs = Math.floor(Date.now() / SECOND) * SECOND - opts.warmBars * SECOND;
  const server = startOrderServer({
    apiKey: LIVE_KEY,
    secret: LIVE_SECRET,
    balances: { USDT: 10_000, BTC: 0, ...opts.balances },
    live: { now: () => Date.now(), originTs, prices: { BTCUSDT: prices } },
    liveInterval: '1s',
  });
  return {
    server,
    originTs,
    bars: prices.length,
    barIndex: (ts) => Math.round((ts - originTs) / SECOND),
    endTs: originTs + prices.length * SECOND,
    closeBy: (ts) => prices[Math.max(0, Math.min(prices.length, Math.floor((ts - originTs) / SECOND)) - 1)]!.close,
  };
}

export interface LiveDirs {
  dir: string;
  db: string;
  marketDb: string;
}

export function liveDirs(): LiveDirs {
  const dir = tempDir('qs-live-');
  return { dir, db: join(dir, 'live.db'), marketDb: initMarketDb(join(dir, 'market.db')) };
}

export function liveArgs(standIn: LiveStandIn, dirs: LiveDirs, extra: string[] = []): string[] {
  return [
    '--source', 'ccxt', '--exchange', 'binance', '--symbols', 'BTC/USDT', '--timeframe', '1s',
    '--base-url', standIn.server.url, '--db', dirs.db, '--market-db', dirs.marketDb, ...extra,
  ];
}

export function startLive(standIn: LiveStandIn, dirs: LiveDirs, extra: string[] = [], env: Record<string, string> = LIVE_ENV): RunningCommand {
  return startCommand('live', liveArgs(standIn, dirs, extra), env);
}

/** Resolves once `check` holds, polling every 100 ms; fails naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await Bun.sleep(100);
  }
}
