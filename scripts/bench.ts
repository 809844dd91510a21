// bun run bench — bars/second through the actor pipeline (in memory and persisted) vs a plain loop.
import { tmpdir } from 'node:os';
import { loadRiskLimits, loadStrategy } from '../actors/adapters/config.ts';
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { runBench } from '../actors/bench.ts';
import { runDashboardBench } from '../web/bench-dashboard.ts';

const USAGE = `Usage: bun run bench [--bars N] [--symbols M] [--json] [--skip-dashboard]

Runs mean reversion over N bars × M symbols of a seeded synthetic random walk (1h bars):
through the full actor pipeline in memory, again with the whole event history persisted to SQLite,
and as a plain-function loop doing the same work. Prints bars/s and peak RSS. Risk limits come from
config/risk.yaml except the circuit breakers, which are widened so the run keeps trading.
  --bars N      bars per symbol (default 250000)
  --symbols M   symbols (default 4)
  --json        print the figures as one JSON object on the last line
  --skip-dashboard  leave out the dashboard's partial render times over a 1,000,000-event run DB`;

await runMain(async () => {
  const args = parseCommandArgs(
    { bars: { type: 'string' }, symbols: { type: 'string' }, json: { type: 'boolean' }, 'skip-dashboard': { type: 'boolean' } },
    USAGE,
  );
  const barsPerSymbol = Number(args.bars ?? 250_000);
  const symbols = Number(args.symbols ?? 4);
  if (!Number.isInteger(barsPerSymbol) || barsPerSymbol < 100) throw new Error(`--bars must be an integer >= 100, got "${args.bars}"`);
  if (!Number.isInteger(symbols) || symbols < 1) throw new Error(`--symbols must be an integer >= 1, got "${args.symbols}"`);
  // A random walk loses its fees steadily; with the configured breakers it would halt after a few years of
  // bars and the rest of the run would measure rejections. Widen them so the strategy trades throughout.
  const limits = { ...loadRiskLimits(), maxDailyLossPct: 1, maxDrawdownPct: 1 };
  const { strategy } = await loadStrategy('mean_reversion');
  const result = runBench({ barsPerSymbol, symbols, limits, tmpDir: tmpdir(), strategy: () => strategy });
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.log(`bars                 ${fmt(result.bars)} (${fmt(barsPerSymbol)} × ${symbols} symbols)`);
  console.log(`orders               ${fmt(result.orders)} (${fmt(result.fills)} fills); one order-lifecycle machine costs ${result.order_lifecycle_us} µs`);
  console.log(`pipeline (memory)    ${fmt(result.pipeline_bars_per_s)} bars/s`);
  console.log(`pipeline (persisted) ${fmt(result.persisted_bars_per_s)} bars/s (${fmt(result.persisted_rows)} rows)`);
  console.log(`plain loop           ${fmt(result.plain_bars_per_s)} bars/s (actors cost ${result.actor_overhead_ratio}× the plain loop's time)`);
  console.log(`peak RSS             ${fmt(result.peak_rss_mb)} MB`);
  const dashboard = args['skip-dashboard'] ? undefined : await runDashboardBench(tmpdir());
  if (dashboard !== undefined) {
    console.log(`dashboard partials over ${fmt(dashboard.events)} events (p95 of ${dashboard.rounds}; first request apart):`);
    for (const p of dashboard.partials) {
      console.log(`  ${p.partial.padEnd(14)} p95 ${p.p95_ms.toFixed(2).padStart(6)} ms   p50 ${p.p50_ms.toFixed(2).padStart(6)} ms   first ${p.cold_ms.toFixed(1)} ms`);
    }
    console.log(`  live update (1 new equity row: summary + chart points + metrics) p95 ${dashboard.live_update_p95_ms.toFixed(2)} ms`);
  }
  if (args.json) console.log(JSON.stringify({ ...result, dashboard }));
});
