// Peak RSS of a whole backtest (runBacktest: candles from SQLite, the pipeline, the run DB, metrics, report)
// at two lengths of the same synthetic 1-minute series, each run in a fresh process so one cannot inflate
// the other. Memory that does not grow with the run keeps the ratio near 1.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDb, openDb, openExistingDb } from '../db/client.ts';
import { upsertInstrument } from '../db/candles.ts';
import type { RiskLimits } from '../machines/risk/limits.ts';
import type { AnyStrategy } from '../machines/strategies/strategy.ts';
import type { VenueConfig } from './adapters/config.ts';
import { runBacktest } from './backtest.ts';
import { SyntheticBars } from './bench.ts';

export const MEMORY_SYMBOL = 'SYN0/USD';
const MINUTE = 60_000;
const T0 = Date.UTC(2010, 0, 1);

/** A market DB holding `bars` one-minute candles of one synthetic crypto pair (seeded, as the bench's walk). */
export function writeSyntheticMarketDb(path: string, bars: number): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  const db = openDb(path);
  try {
    upsertInstrument(db, { exchange: 'bench', symbol: MEMORY_SYMBOL, kind: 'crypto', priceBasis: 'raw', source: 'synthetic' });
    const walk = new SyntheticBars(bars, 1);
    // Raw statements: millions of rows through the query builder would take minutes.
    const insert = db.$client.prepare(
      'INSERT INTO candles (exchange, symbol, timeframe, ts, close_ts, open, high, low, close, volume) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const chunk = 100_000;
    for (let from = 0; from < bars; from += chunk) {
      db.$client.transaction(() => {
        for (let k = from; k < Math.min(bars, from + chunk); k++) {
          const bar = walk.at(k);
          const ts = T0 + k * MINUTE;
          insert.run('bench', MEMORY_SYMBOL, '1m', ts, ts + MINUTE, bar.open, bar.high, bar.low, bar.close, 1_000_000);
        }
      })();
    }
  } finally {
    closeDb(db);
  }
}

export interface MemoryProbe {
  bars: number;
  seconds: number;
  bars_per_s: number;
  peak_rss_mb: number;
}

/** One backtest over the first `bars` candles of the synthetic DB; call in a fresh process. */
export function runMemoryProbe(opts: {
  marketDbPath: string;
  bars: number;
  outDir: string;
  strategy: AnyStrategy;
  limits: RiskLimits;
  venue: VenueConfig;
}): MemoryProbe {
  const marketDb = openExistingDb(opts.marketDbPath);
  try {
    const started = performance.now();
    const result = runBacktest({
      runId: `bench-memory-${opts.bars}`,
      strategy: opts.strategy,
      strategyParams: {},
      symbols: [MEMORY_SYMBOL],
      timeframe: '1m',
      toTs: T0 + (opts.bars - 1) * MINUTE,
      capital: 1_000_000,
      limits: opts.limits,
      venue: opts.venue,
      marketDb,
      outDir: opts.outDir,
      startedAt: 0,
    });
    const seconds = (performance.now() - started) / 1000;
    for (const file of [result.summary.db, `${result.summary.db}-wal`, `${result.summary.db}-shm`, result.summary.report]) {
      rmSync(file, { force: true });
    }
    return {
      bars: result.bars,
      seconds: Number(seconds.toFixed(2)),
      bars_per_s: Math.round(result.bars / seconds),
      peak_rss_mb: peakRssMb(),
    };
  } finally {
    closeDb(marketDb);
  }
}

/**
 * This process's peak RSS. On Linux from /proc (VmHWM): getrusage's maxRSS survives exec, so a child would
 * report its parent's peak (the bench's own, with millions of synthetic bars in memory).
 */
export function peakRssMb(): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Math.round(Number(hwm[1]) / 1024);
  } catch {
    // not Linux
  }
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

export function memoryDbPath(tmpDir: string): string {
  return join(tmpDir, `bench-memory-${process.pid}.db`);
}
