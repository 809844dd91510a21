// Sweep throughput for `bun run bench`, on the real BTC/USD daily candles 2016–2024: the README's grid (76
// combinations, about a second of work), a larger grid (1,577, a few seconds) and a research-scale one (7,685, cold
// only: half a minute on 1 worker), each with one worker, one worker pinned to a single CPU, and one worker per
// core. Every sweep runs in a fresh process and is timed around runSweep; rounds are interleaved so all see the
// same machine load, and medians are reported.
//
// Cold: the sweep starts its own threads, whose JIT starts cold, as for `bun run sweep`. Warm: the same sweep run
// a second time on threads that already ran it once, as a `sweep:worker` serves every sweep after its first —
// the difference is what each JavaScriptCore VM spends compiling the pipeline.
//
// Why the pinned run: JavaScriptCore compiles on background threads and collects garbage concurrently, so a
// one-worker sweep also uses part of a second core (`cpu_cores_1_worker`). Against it, "all cores" measures what
// `--workers 1` → default gains on this machine; against one CPU it measures how the work itself scales.
// The ceiling (bench-sweep-ceiling.ts) runs the large grid's combinations with none of the sweep around them, in
// one process and in one per core: the most any pool could make of this work on this machine.
import { existsSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { dataDir } from '../adapters/cli.ts';
import { peakRssMb } from '../bench-memory.ts';
import { importCsvFile } from '../adapters/csv-import.ts';
import { closeDb, openDb } from '../../db/client.ts';
import { median, perSecond, round2, speedupPerRound } from './bench-figures.ts';
import { measureCeiling, measureHostCeiling, type HostCeiling, type HostProbeKind, type SweepCeiling } from './bench-sweep-ceiling.ts';
import { runSweep } from './run-sweep.ts';
import { sweepChildEnv } from './sweep-process-env.ts';
import { startThreadPool, type ThreadPool } from './worker-pool.ts';

const SWEEP_BENCH_GRIDS = {
  readme: 'lookback=10:60:5,entry_z=1.5:3:0.25',
  large: 'lookback=10:60:1,entry_z=1.5:3:0.05',
  research: 'lookback=10:60:1,entry_z=1.5:3:0.01',
} as const;
const FILE = 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv';
/** The range every bench sweep trades (open times, inclusive). */
export const SWEEP_BENCH_RANGE = { fromTs: Date.parse('2016-01-01T00:00:00Z'), toTs: Date.parse('2024-12-31T23:59:59.999Z') };

export interface SweepProbe {
  combinations: number;
  seconds: number;
  cpu_seconds: number;
  /** Peak RSS of the probe's whole process (coordinator and worker threads). */
  peak_rss_mb: number;
}

export interface SweepScaling {
  grid: string;
  /** cold: the sweep's threads start with it; warm: they ran the same sweep once before the timed one. */
  jit: 'cold' | 'warm';
  combinations: number;
  rounds: number;
  workers_all: number;
  combos_per_s_1_worker: number;
  combos_per_s_all_cores: number;
  /** all cores ÷ 1 worker. */
  speedup: number;
  /** all cores ÷ 1 worker within each round (its two sweeps ran minutes apart at most): how much the host moved. */
  speedup_rounds: number[];
  /** CPU time ÷ wall time of the 1-worker and the all-cores sweep. */
  cpu_cores_1_worker: number;
  cpu_cores_all_cores: number;
  /** Peak RSS of the whole all-cores sweep process (it must not grow with combinations × bars). */
  peak_rss_mb_all_cores: number;
  /** 1 worker pinned to one CPU (taskset); null where taskset is missing or there is one CPU. */
  combos_per_s_1_core: number | null;
  speedup_per_core: number | null;
}

/**
 * One sweep in this process (the bench's child): `workers` workers on the prepared market DB. Warm: the timed sweep
 * runs on threads that ran it once already.
 */
export async function runSweepProbe(dbPath: string, grid: string, workers: number, warm: boolean, outDir: string): Promise<SweepProbe> {
  const threads = warm ? startThreadPool(workers) : undefined;
  try {
    if (threads !== undefined) await sweepOnce(dbPath, grid, workers, threads, outDir);
    const cpu = process.cpuUsage();
    const started = performance.now();
    const combinations = await sweepOnce(dbPath, grid, workers, threads, outDir);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    return { combinations, seconds, cpu_seconds: (used.user + used.system) / 1e6, peak_rss_mb: peakRssMb() };
  } finally {
    threads?.close();
  }
}

async function sweepOnce(dbPath: string, grid: string, workers: number, threads: ThreadPool | undefined, outDir: string): Promise<number> {
  const result = await runSweep({
    strategyName: 'mean_reversion',
    grid,
    metric: 'sharpe',
    symbols: ['BTC/USD'],
    timeframe: '1d',
    ...SWEEP_BENCH_RANGE,
    workers,
    threads,
    keep: 0,
    dbPath,
    outDir,
    quiet: true,
    now: () => Date.now(),
  });
  return result.report.outcomes.length;
}

export interface SweepBench {
  /** 7,685 combinations, cold: about 30 s on 1 worker, where each thread's one-off JIT compilation is a small part. */
  research: SweepScaling;
  readme: SweepScaling;
  large: SweepScaling;
  readme_warm: SweepScaling;
  large_warm: SweepScaling;
  /** The large grid's combinations as plain loops in 1 and in one process per core: what the machine allows. */
  large_ceiling: SweepCeiling;
  /** Arithmetic and memory loops in 1 and in one process per core, just before the headline: what the host gives. */
  host_ceilings: HostCeiling[];
}

export interface SweepBenchCommands {
  /** A child that runs runSweepProbe and prints its JSON on the last line (scripts/bench.ts --sweep-probe). */
  sweep(dbPath: string, grid: string, workers: number, warm: boolean): string[];
  /** A child that runs runCeilingProbe (scripts/bench.ts --ceiling-probe). */
  ceiling(dbPath: string, grid: string, part: number, parts: number): string[];
  /** A child that runs runHostProbe (scripts/bench.ts --host-probe KIND). */
  host(kind: HostProbeKind): string[];
}

export async function runSweepBench(tmpDir: string, rounds: number, commands: SweepBenchCommands): Promise<SweepBench | string> {
  const csv = join(dataDir(), FILE);
  if (!existsSync(csv)) return `sweep bench skipped: ${csv} not found`;
  const dbPath = join(tmpDir, `qs-sweep-bench-${process.pid}.db`);
  const db = openDb(dbPath);
  importCsvFile(db, { file: csv, symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
  closeDb(db);
  const all = availableParallelism();
  const taskset = all > 1 ? Bun.which('taskset') : null;
  const probe = (grid: string, workers: number, pinned: boolean, warm: boolean): SweepProbe => {
    const command = [...(pinned ? [taskset!, '-c', '0'] : []), ...commands.sweep(dbPath, grid, workers, warm)];
    const child = Bun.spawnSync(command, { stderr: 'inherit', env: sweepChildEnv() });
    const lines = child.stdout.toString().trim().split('\n');
    if (child.exitCode !== 0) throw new Error(`sweep probe (${workers} workers${pinned ? ', one CPU' : ''}${warm ? ', warm' : ''}) failed (exit ${child.exitCode}): ${lines.at(-1)}`);
    return JSON.parse(lines.at(-1)!) as SweepProbe;
  };
  try {
    const scaling = (grid: string, warm: boolean): SweepScaling => {
      const runs = { one: [] as SweepProbe[], pinned: [] as SweepProbe[], all: [] as SweepProbe[] };
      for (let round = 0; round < rounds; round++) {
        runs.one.push(probe(grid, 1, false, warm));
        if (taskset !== null) runs.pinned.push(probe(grid, 1, true, warm));
        runs.all.push(probe(grid, all, false, warm));
      }
      const combinations = runs.one[0]!.combinations;
      const rate = (probes: SweepProbe[]) => median(probes.map(perSecond));
      const one = rate(runs.one);
      const many = rate(runs.all);
      const pinned = taskset === null ? null : rate(runs.pinned);
      return {
        grid,
        jit: warm ? 'warm' : 'cold',
        combinations,
        rounds,
        workers_all: all,
        combos_per_s_1_worker: round2(one),
        combos_per_s_all_cores: round2(many),
        speedup: round2(many / one),
        speedup_rounds: speedupPerRound(runs.one, runs.all),
        cpu_cores_1_worker: round2(median(runs.one.map((p) => p.cpu_seconds / p.seconds))),
        cpu_cores_all_cores: round2(median(runs.all.map((p) => p.cpu_seconds / p.seconds))),
        peak_rss_mb_all_cores: median(runs.all.map((p) => p.peak_rss_mb)),
        combos_per_s_1_core: pinned === null ? null : round2(pinned),
        speedup_per_core: pinned === null ? null : round2(many / pinned),
      };
    };
    // Measured right before the headline sweeps: the host can change within the bench's minutes.
    const hostCeilings = [
      await measureHostCeiling('arithmetic', rounds, () => commands.host('arithmetic')),
      await measureHostCeiling('memory', rounds, () => commands.host('memory')),
    ];
    return {
      research: scaling(SWEEP_BENCH_GRIDS.research, false),
      readme: scaling(SWEEP_BENCH_GRIDS.readme, false),
      large: scaling(SWEEP_BENCH_GRIDS.large, false),
      readme_warm: scaling(SWEEP_BENCH_GRIDS.readme, true),
      large_warm: scaling(SWEEP_BENCH_GRIDS.large, true),
      large_ceiling: await measureCeiling(SWEEP_BENCH_GRIDS.large, rounds, (part, parts) => commands.ceiling(dbPath, SWEEP_BENCH_GRIDS.large, part, parts)),
      host_ceilings: hostCeilings,
    };
  } finally {
    for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  }
}
