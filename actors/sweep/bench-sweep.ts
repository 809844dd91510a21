// Sweep throughput for `bun run bench`: the same grid on the real BTC/USD candles with one worker and with one per
// core, rounds interleaved so both see the same machine load; medians reported.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { dataDir } from '../adapters/cli.ts';
import { importCsvFile } from '../adapters/csv-import.ts';
import { closeDb, openDb } from '../../db/client.ts';
import { runSweep } from './run-sweep.ts';

export interface SweepBench {
  sweep_grid: string;
  sweep_combinations: number;
  sweep_rounds: number;
  sweep_workers_all: number;
  sweep_combos_per_s_1_worker: number;
  sweep_combos_per_s_all_cores: number;
  sweep_speedup: number;
}

const GRID = 'lookback=10:60:5,entry_z=1.5:3:0.25';
const FILE = 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv';

export async function runSweepBench(tmpDir: string, rounds: number): Promise<SweepBench | string> {
  const csv = join(dataDir(), FILE);
  if (!existsSync(csv)) return `sweep bench skipped: ${csv} not found`;
  const dbPath = join(tmpDir, `qs-sweep-bench-${process.pid}.db`);
  const db = openDb(dbPath);
  importCsvFile(db, { file: csv, symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
  closeDb(db);
  const all = availableParallelism();
  const rates: Record<'one' | 'all', number[]> = { one: [], all: [] };
  let combinations = 0;
  for (let round = 0; round < rounds; round++) {
    for (const [key, workers] of [['one', 1], ['all', all]] as const) {
      const started = performance.now();
      const result = await runSweep({
        strategyName: 'mean_reversion',
        grid: GRID,
        metric: 'sharpe',
        symbols: ['BTC/USD'],
        timeframe: '1d',
        fromTs: Date.parse('2016-01-01T00:00:00Z'),
        toTs: Date.parse('2024-12-31T23:59:59.999Z'),
        workers,
        keep: 0,
        dbPath,
        outDir: join(tmpDir, `qs-sweep-bench-${process.pid}`),
        quiet: true,
        now: () => Date.now(),
      });
      combinations = result.report.outcomes.length;
      rates[key].push(combinations / ((performance.now() - started) / 1000));
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const one = median(rates.one);
  const many = median(rates.all);
  return {
    sweep_grid: GRID,
    sweep_combinations: combinations,
    sweep_rounds: rounds,
    sweep_workers_all: all,
    sweep_combos_per_s_1_worker: Number(one.toFixed(2)),
    sweep_combos_per_s_all_cores: Number(many.toFixed(2)),
    sweep_speedup: Number((many / one).toFixed(2)),
  };
}
