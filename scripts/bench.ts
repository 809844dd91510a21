// bun run bench — bars/second through the actor pipeline (in memory and persisted) vs a plain loop.
import { tmpdir } from 'node:os';
import { loadRiskLimits, loadStrategy } from '../actors/adapters/config.ts';
import { parseCommandArgs, runMain } from '../actors/adapters/cli.ts';
import { runBench } from '../actors/bench.ts';

const USAGE = `Usage: bun run bench [--bars N] [--symbols M] [--json]

Runs mean reversion over N bars × M symbols of a seeded synthetic random walk (1h bars):
through the full actor pipeline in memory, again with the whole event history persisted to SQLite,
and as a plain-function loop doing the same work. Prints bars/s and peak RSS. Risk limits come from
config/risk.yaml except the circuit breakers, which are widened so the run keeps trading.
  --bars N      bars per symbol (default 250000)
  --symbols M   symbols (default 4)
  --json        print the figures as one JSON object on the last line`;

await runMain(async () => {
  const args = parseCommandArgs(
    { bars: { type: 'string' }, symbols: { type: 'string' }, json: { type: 'boolean' } },
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
  if (args.json) console.log(JSON.stringify(result));
});
