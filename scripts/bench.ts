// bun run bench — bars/second through the actor pipeline (in memory and persisted) vs a plain loop.
import { tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from '../actors/adapters/config.ts';
import { runSweepBench, runSweepProbe, SWEEP_BENCH_RANGE } from '../actors/sweep/bench-sweep.ts';
import { runCeilingProbe, runHostProbe, type HostProbeKind } from '../actors/sweep/bench-sweep-ceiling.ts';
import { memoryDbPath, runMemoryProbe, writeSyntheticMarketDb, type MemoryProbe } from '../actors/bench-memory.ts';
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { BENCH_POLICY, runAlertsBench } from '../actors/bench-alerts.ts';
import { runBench } from '../actors/bench.ts';
import { runSoak, SOAK_LIMITS } from '../actors/bench-soak.ts';
import { runDashboardBench } from '../web/bench-dashboard.ts';

const USAGE = `Usage: bun run bench [--bars N] [--symbols M] [--soak-bars K] [--json] [--skip-dashboard] [--skip-alerts]

Runs mean reversion over N bars × M symbols of a seeded synthetic random walk (1h bars):
through the full actor pipeline in memory, again with the whole event history persisted to SQLite,
and as a plain-function loop doing the same work. Prints bars/s and peak RSS. Risk limits come from
config/risk.yaml except the circuit breakers, which are widened so the run keeps trading.
First, the soak: the paper session runtime (journal, session DB file, flush after every bar group) over K
bars at full speed, with RSS after each 10,000 bars and the time per bar of each block. It exits non-zero
when peak RSS exceeds ${SOAK_LIMITS.rss}× the RSS after 10,000 bars, or the last block's time per bar ${SOAK_LIMITS.time}× the first's.
  --bars N      bars per symbol (default 250000)
  --symbols M   symbols (default 4)
  --soak-bars K bars in the soak, all symbols together (default a fifth of N × M: 200,000 at the defaults;
                0 leaves the soak out)
  --sweep-rounds R  rounds of the sweep bench (default 3, 0 skips it): on the real BTC/USD daily candles 2016–2024, the
                README's grid (76 combinations) and a research-scale one (1,577), each sweep in a fresh process with
                1 worker, 1 worker pinned to one CPU (taskset) and one worker per core; reports combos/s of each,
                all cores ÷ 1 worker (sweep_speedup), all cores ÷ one CPU (sweep_speedup_per_core) and the CPU
                cores the 1-worker sweep used (JIT and GC threads run beside its worker); medians. Then the ceiling:
                the large grid's combinations as plain loops, warm, in 1 process and in one per core started
                together (no pool, no coordinator): the most any number of workers could make of them here; and the
                host ceilings, just before the headline: an arithmetic loop and a stream through 32 MB, each in 1 process
                and in one per core, what the host gives computing and memory traffic at that moment
  --json        print the figures as one JSON object on the last line
  --skip-dashboard  leave out the dashboard's partial render times over a 1,000,000-event run DB
  --skip-alerts     leave out the alert-delivery section: the in-memory pipeline (at most 50,000 bars per
                    symbol, 5 alternating rounds) with every Fill and RiskEvent delivered to a webhook on
                    127.0.0.1 that never answers, against the same run without alerts
  --memory-bars A,B whole backtests (runBacktest on a synthetic 1-minute SQLite series) of A and B bars, each
                in a fresh process, for peak RSS (default 100000,5000000; 0 leaves it out)`;

await runMain(async () => {
  const args = parseCommandArgs(
    {
      bars: { type: 'string' },
      symbols: { type: 'string' },
      'soak-bars': { type: 'string' },
      json: { type: 'boolean' },
      'sweep-rounds': { type: 'string' },
      'skip-dashboard': { type: 'boolean' },
      'skip-alerts': { type: 'boolean' },
      'memory-bars': { type: 'string' },
      // Internal: the child processes of the memory and sweep benches.
      'memory-probe': { type: 'string' },
      'memory-db': { type: 'string' },
      'sweep-probe': { type: 'string' },
      'sweep-grid': { type: 'string' },
      'sweep-warm': { type: 'boolean' },
      'ceiling-probe': { type: 'string' },
      'host-probe': { type: 'string' },
    },
    USAGE,
  );
  // Widened breakers, as below: a random walk would otherwise halt the run early.
  const memoryLimits = () => ({ ...loadRiskLimits(), maxDailyLossPct: 1, maxDrawdownPct: 1 });
  if (args['memory-probe'] !== undefined) {
    const { strategy } = await loadStrategy('mean_reversion');
    const probe = runMemoryProbe({
      marketDbPath: args['memory-db']!,
      bars: Number(args['memory-probe']),
      outDir: tmpdir(),
      strategy,
      limits: memoryLimits(),
      venue: loadVenueConfig(),
    });
    console.log(JSON.stringify(probe));
    return;
  }
  if (args['sweep-probe'] !== undefined) {
    const outDir = mkdtempSync(join(tmpdir(), 'qs-sweep-probe-'));
    try {
      console.log(JSON.stringify(await runSweepProbe(args['memory-db']!, args['sweep-grid']!, Number(args['sweep-probe']), args['sweep-warm'] === true, outDir)));
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    return;
  }
  if (args['host-probe'] !== undefined) {
    console.log(JSON.stringify(await runHostProbe(args['host-probe'] as HostProbeKind)));
    return;
  }
  if (args['ceiling-probe'] !== undefined) {
    const [part, parts] = args['ceiling-probe'].split('/').map(Number);
    console.log(JSON.stringify(await runCeilingProbe(args['memory-db']!, args['sweep-grid']!, SWEEP_BENCH_RANGE, part!, parts!)));
    return;
  }
  const memoryBars = (args['memory-bars'] ?? '100000,5000000').split(',').map(Number);
  if (!(memoryBars.length === 1 && memoryBars[0] === 0) && (memoryBars.length !== 2 || memoryBars.some((n) => !Number.isInteger(n) || n < 1000))) {
    throw new Error(`--memory-bars must be two bar counts >= 1000 (e.g. 100000,5000000) or 0, got "${args['memory-bars']}"`);
  }
  const barsPerSymbol = Number(args.bars ?? 250_000);
  const symbols = Number(args.symbols ?? 4);
  if (!Number.isInteger(barsPerSymbol) || barsPerSymbol < 100) throw new Error(`--bars must be an integer >= 100, got "${args.bars}"`);
  if (!Number.isInteger(symbols) || symbols < 1) throw new Error(`--symbols must be an integer >= 1, got "${args.symbols}"`);
  const soakBars = Number(args['soak-bars'] ?? Math.round((barsPerSymbol * symbols) / 5));
  if (!Number.isInteger(soakBars) || (soakBars !== 0 && soakBars < 20_000)) {
    throw new Error(`--soak-bars must be 0 or an integer >= 20000 (two 10,000-bar blocks), got "${args['soak-bars']}"`);
  }
  // A random walk loses its fees steadily; with the configured breakers it would halt after a few years of
  // bars and the rest of the run would measure rejections. Widen them so the strategy trades throughout.
  const limits = { ...loadRiskLimits(), maxDailyLossPct: 1, maxDrawdownPct: 1 };
  const { strategy, params } = await loadStrategy('mean_reversion');
  const fmt = (n: number) => n.toLocaleString('en-US');
  // The soak runs first, in a process the other benches have not yet grown.
  const soak =
    soakBars === 0
      ? undefined
      : await runSoak({
          bars: soakBars,
          symbols,
          limits,
          strategy: { name: strategy.name, params },
          tmpDir: tmpdir(),
          clock: { now: () => Date.now() },
        });
  if (soak !== undefined) {
    console.log(`soak: paper session runtime over ${fmt(soak.bars)} bars at full speed (${fmt(soak.orders)} orders, ${fmt(soak.fills)} fills, ${fmt(soak.journal_entries)} journal entries, session DB ${soak.db_mb} MB, WAL ${soak.wal_mb} MB)`);
    console.log(`  RSS after ${fmt(soak.block_bars)} bars ${soak.rss_at_10k_mb} MB, peak ${soak.peak_rss_mb} MB: ${soak.rss_ratio}× (limit ${SOAK_LIMITS.rss}×)`);
    console.log(`  time per bar: first ${fmt(soak.block_bars)} ${soak.first_block_us_per_bar} µs, last ${fmt(soak.block_bars)} ${soak.last_block_us_per_bar} µs: ${soak.time_ratio}× (limit ${SOAK_LIMITS.time}×)`);
    for (const failure of soak.failures) console.log(`  FAIL ${failure}`);
  }
  const result = runBench({ barsPerSymbol, symbols, limits, tmpDir: tmpdir(), strategy: () => strategy });
  console.log(`bars                 ${fmt(result.bars)} (${fmt(barsPerSymbol)} × ${symbols} symbols)`);
  console.log(`orders               ${fmt(result.orders)} (${fmt(result.fills)} fills); one order-lifecycle machine costs ${result.order_lifecycle_us} µs as an actor (paper, live), ${result.order_lifecycle_compiled_us} µs from the compiled table (backtests)`);
  console.log(`pipeline (memory)    ${fmt(result.pipeline_bars_per_s)} bars/s (${fmt(result.pipeline_cpu_bars_per_s)} per CPU-second)`);
  console.log(`pipeline (persisted) ${fmt(result.persisted_bars_per_s)} bars/s (${fmt(result.persisted_rows)} rows)`);
  console.log(`plain loop           ${fmt(result.plain_bars_per_s)} bars/s (${fmt(result.plain_cpu_bars_per_s)} per CPU-second; actors cost ${result.actor_overhead_ratio}× the plain loop's time)`);
  console.log(`peak RSS             ${fmt(result.peak_rss_mb)} MB`);
  const alerts = args['skip-alerts']
    ? undefined
    : await runAlertsBench({ barsPerSymbol: Math.min(barsPerSymbol, 50_000), symbols, limits, strategy: () => strategy, rounds: 5 });
  if (alerts !== undefined) {
    const statuses = Object.entries(alerts.statuses).map(([k, v]) => `${fmt(v)} ${k}`).join(', ');
    console.log(`alert delivery: ${fmt(alerts.bars)} bars × ${alerts.rounds} rounds, ${fmt(alerts.alerts_per_run)} alerts per run (every Fill and RiskEvent)`);
    console.log(`  without alerts          ${fmt(alerts.without_alerts_bars_per_s)} bars/s (median; the baseline alone varies ${alerts.baseline_spread}× between rounds)`);
    console.log(`  webhook never answering ${fmt(alerts.hanging_receiver_bars_per_s)} bars/s (median; per-round ratio to the baseline ${alerts.ratio}×)`);
    console.log(`  ${fmt(alerts.requests_hanging)} requests left hanging, each aborted after ${BENCH_POLICY.timeoutMs} ms and retried; deliveries: ${statuses}`);
  }
  let memory: { small: MemoryProbe; large: MemoryProbe; rss_ratio: number } | undefined;
  if (memoryBars[0] !== 0) {
    const [small, large] = memoryBars as [number, number];
    const dbPath = memoryDbPath(tmpdir());
    writeSyntheticMarketDb(dbPath, Math.max(small, large));
    const probe = (bars: number): MemoryProbe => {
      const child = Bun.spawnSync([process.execPath, import.meta.path, '--memory-probe', String(bars), '--memory-db', dbPath], { stderr: 'inherit' });
      const lines = child.stdout.toString().trim().split('\n');
      if (child.exitCode !== 0) throw new Error(`memory probe of ${bars} bars failed (exit ${child.exitCode}): ${lines.at(-1)}`);
      return JSON.parse(lines.at(-1)!) as MemoryProbe;
    };
    try {
      const a = probe(small);
      const b = probe(large);
      memory = { small: a, large: b, rss_ratio: Number((b.peak_rss_mb / a.peak_rss_mb).toFixed(2)) };
    } finally {
      for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
    }
    console.log(`backtest peak RSS     ${fmt(memory.small.bars)} bars ${memory.small.peak_rss_mb} MB (${fmt(memory.small.bars_per_s)} bars/s), ${fmt(memory.large.bars)} bars ${memory.large.peak_rss_mb} MB (${fmt(memory.large.bars_per_s)} bars/s): ${memory.rss_ratio}× (target ≤ 1.5×)`);
  }
  const dashboard = args['skip-dashboard'] ? undefined : await runDashboardBench(tmpdir());
  if (dashboard !== undefined) {
    console.log(`dashboard partials over ${fmt(dashboard.events)} events (p95 of ${dashboard.rounds}; first request apart):`);
    for (const p of dashboard.partials) {
      console.log(`  ${p.partial.padEnd(14)} p95 ${p.p95_ms.toFixed(2).padStart(6)} ms   p50 ${p.p50_ms.toFixed(2).padStart(6)} ms   first ${p.cold_ms.toFixed(1)} ms`);
    }
    console.log(`  live update (1 new equity row: summary + chart points + metrics) p95 ${dashboard.live_update_p95_ms.toFixed(2)} ms`);
  }
  const sweepRounds = Number(args['sweep-rounds'] ?? 3);
  if (!Number.isInteger(sweepRounds) || sweepRounds < 0) throw new Error(`--sweep-rounds must be a whole number, got "${args['sweep-rounds']}"`);
  const sweepCommands = {
    sweep: (dbPath: string, grid: string, workers: number, warm: boolean) => [
      ...[process.execPath, import.meta.path, '--sweep-probe', String(workers), '--sweep-grid', grid, '--memory-db', dbPath],
      ...(warm ? ['--sweep-warm'] : []),
    ],
    ceiling: (dbPath: string, grid: string, part: number, parts: number) => [
      ...[process.execPath, import.meta.path, '--ceiling-probe', `${part}/${parts}`, '--sweep-grid', grid, '--memory-db', dbPath],
    ],
    host: (kind: HostProbeKind) => [process.execPath, import.meta.path, '--host-probe', kind],
  };
  const sweepBench = sweepRounds === 0 ? undefined : await runSweepBench(tmpdir(), sweepRounds, sweepCommands);
  if (typeof sweepBench === 'string') console.log(sweepBench);
  else if (sweepBench !== undefined) {
    console.log(`sweeps (BTC/USD 1d 2016–2024, each in a fresh process, median of ${sweepRounds}; cold: threads start with the sweep, warm: they ran it once before):`);
    for (const s of [sweepBench.research, sweepBench.large, sweepBench.readme, sweepBench.large_warm, sweepBench.readme_warm]) {
      const pinned = s.combos_per_s_1_core === null ? '' : `; ${s.combos_per_s_1_core} on 1 worker pinned to one CPU → ${s.speedup_per_core}× per core`;
      console.log(`  ${s.jit} ${s.grid} (${fmt(s.combinations)} combinations): ${s.combos_per_s_1_worker} combos/s on 1 worker (using ${s.cpu_cores_1_worker} cores), ${s.combos_per_s_all_cores} on ${s.workers_all} (using ${s.cpu_cores_all_cores}, peak RSS ${s.peak_rss_mb_all_cores} MB): ${s.speedup}× (rounds ${s.speedup_rounds.join(', ')})${pinned}`);
    }
    const c = sweepBench.large_ceiling;
    for (const h of sweepBench.host_ceilings) {
      const what = h.kind === 'arithmetic' ? 'arithmetic in registers' : 'a stream through 32 MB';
      console.log(`  host ceiling, ${what}: ${h.processes} processes at once vs 1, just before the headline sweeps: ${h.speedup}× (rounds ${h.speedup_rounds.join(', ')})`);
    }
    console.log(`  ceiling: the same ${fmt(c.combinations)} combinations as plain loops, warm, no pool or coordinator: ${c.combos_per_s_1_process} combos/s in 1 process (using ${c.cpu_cores_1_process} cores), ${c.combos_per_s_all_processes} in ${c.processes} started together: ${c.speedup}× (rounds ${c.speedup_rounds.join(', ')})`);
  }
  const sweep =
    typeof sweepBench === 'object'
      ? {
          // The headline is the research-scale grid, cold as `bun run sweep` runs it. Smaller sweeps scale less:
          // each worker thread compiles the pipeline once (about a CPU-second), which the 1-worker sweep does on the
          // idle core; the README's 76 combinations are over in about a second, mostly that (sweep_readme).
          sweep_grid: sweepBench.research.grid,
          sweep_combinations: sweepBench.research.combinations,
          sweep_rounds: sweepRounds,
          sweep_workers_all: sweepBench.research.workers_all,
          sweep_combos_per_s_1_worker: sweepBench.research.combos_per_s_1_worker,
          sweep_combos_per_s_all_cores: sweepBench.research.combos_per_s_all_cores,
          sweep_speedup: sweepBench.research.speedup,
          sweep_speedup_rounds: sweepBench.research.speedup_rounds,
          sweep_cpu_cores_1_worker: sweepBench.research.cpu_cores_1_worker,
          sweep_cpu_cores_all_cores: sweepBench.research.cpu_cores_all_cores,
          sweep_peak_rss_mb_all_cores: sweepBench.research.peak_rss_mb_all_cores,
          sweep_combos_per_s_1_core: sweepBench.research.combos_per_s_1_core,
          sweep_speedup_per_core: sweepBench.research.speedup_per_core,
          sweep_large: sweepBench.large,
          sweep_large_warm: sweepBench.large_warm,
          sweep_readme: sweepBench.readme,
          sweep_readme_warm: sweepBench.readme_warm,
          sweep_ceiling: sweepBench.large_ceiling,
          sweep_host_ceilings: sweepBench.host_ceilings,
        }
      : {};
  const peakRss =
    memory === undefined
      ? undefined
      : { [`peak_rss_mb_${memory.small.bars}`]: memory.small.peak_rss_mb, [`peak_rss_mb_${memory.large.bars}`]: memory.large.peak_rss_mb, peak_rss_ratio: memory.rss_ratio };
  if (args.json) console.log(JSON.stringify({ ...result, ...peakRss, memory, dashboard, soak, alerts, ...sweep }));
  if (soak !== undefined && soak.failures.length > 0) {
    throw new Error(`soak failed: ${soak.failures.join('; ')}`);
  }
});
