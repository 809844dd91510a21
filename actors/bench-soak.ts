// The soak: the real paper session runtime (journal first, flush after every input, a session DB file) fed
// synthetic bars at full speed for as long as a session meant to run for weeks, watching that neither its
// memory nor its time per bar grows.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDb, openDb } from '../db/client.ts';
import type { Bar } from '../machines/domain.ts';
import type { RiskLimits } from '../machines/risk/limits.ts';
import { marketsFor, SyntheticBars } from './bench.ts';
import type { BarSource } from './session/bar-source.ts';
import { runSessionLoop } from './session/run-loop.ts';
import type { SessionSnapshot } from './session/session-config.ts';
import { Session, type Clock } from './session/session-runtime.ts';

export interface SoakOptions {
  /** Bars in all (symbols × close times), measured in blocks of `blockBars`. */
  bars: number;
  symbols: number;
  strategy: { name: string; params: Record<string, unknown> };
  limits: RiskLimits;
  tmpDir: string;
  clock: Clock;
  blockBars?: number;
}

export interface SoakBlock {
  /** Bars processed when the block ended. */
  bars: number;
  us_per_bar: number;
  /** RSS after a full garbage collection at the end of the block. */
  rss_mb: number;
}

export interface SoakResult {
  bars: number;
  symbols: number;
  block_bars: number;
  rss_at_10k_mb: number;
  peak_rss_mb: number;
  rss_ratio: number;
  first_block_us_per_bar: number;
  last_block_us_per_bar: number;
  time_ratio: number;
  fills: number;
  orders: number;
  journal_entries: number;
  /** Session DB size at the end, WAL included. */
  db_mb: number;
  wal_mb: number;
  blocks: SoakBlock[];
  /** Each limit the run broke, in words; empty when the soak passes. */
  failures: string[];
}

/** Peak RSS may reach this multiple of RSS after the first block; the last block's time per bar that of the first. */
export const SOAK_LIMITS = { rss: 1.5, time: 2 } as const;

const MB = 1024 * 1024;

/** Hands out the synthetic bars one close time at a time, timing each block and sampling RSS between blocks. */
function soakSource(bars: SyntheticBars, blockBars: number, onBlock: (bars: number, ms: number) => void): BarSource {
  let next = 0;
  let blockStart = performance.now();
  let blockEnd = blockBars;
  return {
    label: 'synthetic random walk at full speed',
    async next() {
      if (next >= blockEnd || next >= bars.length) {
        onBlock(next, performance.now() - blockStart);
        blockEnd += blockBars;
        // Lets the loop's timer run (heartbeat, operator inbox) as it would between bars of a live feed.
        await Bun.sleep(0);
        blockStart = performance.now();
      }
      if (next >= bars.length) return undefined;
      const group: Bar[] = [];
      for (let s = 0; s < bars.symbols && next < bars.length; s++) {
        const { type: _, ...bar } = bars.at(next++);
        group.push(bar);
      }
      return group;
    },
  };
}

export async function runSoak(opts: SoakOptions): Promise<SoakResult> {
  const blockBars = opts.blockBars ?? 10_000;
  const bars = new SyntheticBars(Math.ceil(opts.bars / opts.symbols), opts.symbols, 11);
  const { markets, costs } = marketsFor(opts.symbols);
  const snapshot: SessionSnapshot = {
    mode: 'paper',
    strategy: opts.strategy,
    symbols: [...markets.keys()],
    timeframe: '1h',
    capital: 1_000_000,
    risk: opts.limits,
    costs: Object.fromEntries(costs),
    markets: Object.fromEntries(markets),
    source: { kind: 'soak', bars: bars.length },
  };
  const dbPath = join(opts.tmpDir, `soak-${process.pid}.db`);
  const db = openDb(dbPath);
  const blocks: SoakBlock[] = [];
  let session: Session | undefined;
  try {
    session = await Session.open({
      db,
      runId: 'soak',
      snapshot,
      create: { warmup: [], startedAt: opts.clock.now() },
      clock: opts.clock,
    });
    const source = soakSource(bars, blockBars, (done, ms) => {
      const inBlock = done - (blocks.at(-1)?.bars ?? 0);
      if (inBlock === 0) return;
      Bun.gc(true);
      blocks.push({ bars: done, us_per_bar: Number(((ms * 1000) / inBlock).toFixed(1)), rss_mb: Number((process.memoryUsage().rss / MB).toFixed(1)) });
    });
    await runSessionLoop(session, source, {
      clock: opts.clock,
      stop: new AbortController().signal,
      staleAfterMs: Number.POSITIVE_INFINITY,
      log: () => undefined,
    });
    const executor = session.pipeline.get('executor').getSnapshot().context as { fills: number; orders: number };
    const journalEntries = (db.$client.query('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;
    session.close('finished');
    session = undefined;
    const sizeOf = (path: string): number => Bun.file(path).size / MB;
    const dbMb = sizeOf(dbPath);
    const walMb = sizeOf(`${dbPath}-wal`);

    // A short last block (bars not a multiple of the block) times too few bars to compare.
    const full = blocks.filter((b, i) => i === 0 || b.bars - blocks[i - 1]!.bars >= blockBars * 0.9);
    const first = full[0]!;
    const last = full.at(-1)!;
    const peak = Math.max(...blocks.map((b) => b.rss_mb));
    const rssRatio = peak / first.rss_mb;
    const timeRatio = last.us_per_bar / first.us_per_bar;
    const failures: string[] = [];
    if (rssRatio > SOAK_LIMITS.rss) {
      failures.push(`peak RSS ${peak} MB is ${rssRatio.toFixed(2)}× the RSS after ${first.bars} bars (${first.rss_mb} MB); the limit is ${SOAK_LIMITS.rss}×`);
    }
    if (timeRatio > SOAK_LIMITS.time) {
      failures.push(`the last block took ${last.us_per_bar} µs/bar, ${timeRatio.toFixed(2)}× the first block's ${first.us_per_bar} µs/bar; the limit is ${SOAK_LIMITS.time}×`);
    }
    return {
      bars: bars.length,
      symbols: opts.symbols,
      block_bars: blockBars,
      rss_at_10k_mb: first.rss_mb,
      peak_rss_mb: peak,
      rss_ratio: Number(rssRatio.toFixed(2)),
      first_block_us_per_bar: first.us_per_bar,
      last_block_us_per_bar: last.us_per_bar,
      time_ratio: Number(timeRatio.toFixed(2)),
      fills: executor.fills,
      orders: executor.orders,
      journal_entries: journalEntries,
      db_mb: Number((dbMb + walMb).toFixed(1)),
      wal_mb: Number(walMb.toFixed(1)),
      blocks,
      failures,
    };
  } finally {
    session?.close('failed');
    closeDb(db);
    for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  }
}
