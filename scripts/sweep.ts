// bun run sweep — every combination of a parameter grid through the backtest pipeline, on all cores.
import { parseCommandArgs, parseDateFlag, parseNameList, parsePositiveNumber, parseTimeframeFlag, required, runMain } from '../actors/adapters/cli.ts';
import { runSweep, SweepInterrupted, type SweepRequest, type SweepResult } from '../actors/sweep/run-sweep.ts';
import { formatMetric, metricJson, metricOf } from '../machines/research/sweep-metric.ts';
import { DEFAULT_DB_PATH } from '../db/client.ts';
import { DAY_MS } from '../machines/data/timeframe.ts';
import { formatCombination } from '../machines/research/grid.ts';
import { renderSweepReport } from '../web/report/render-sweep-report.ts';

const USAGE = `Usage: bun run sweep --strategy NAME --symbols A,B --timeframe TF --grid SPEC [options]

Runs every combination of the grid as a full backtest (the same pipeline as bun run backtest) on one worker per
core, stores one row per combination in data/sweeps/<sweep-id>.db, re-runs the best K as ordinary backtests
(run DB + report), and writes data/sweeps/<sweep-id>.html: heatmap, top combinations, sensitivity, deflated
Sharpe ratio and probability of backtest overfitting.

  --strategy NAME     a strategy with config/strategies/NAME.yaml (its other parameters stay as written there)
  --symbols LIST      comma-separated symbols
  --timeframe TF      bar size of the stored candles (e.g. 1d)
  --grid SPEC         name=start:stop:step (inclusive) or name=a|b|c, comma-separated,
                      e.g. "lookback=10:60:5,entry_z=1.5:3:0.25"
  --metric NAME       what "best" means: sharpe (default), sortino, calmar, cagr, total_return, max_drawdown, ...
  --from DATE         first bar (YYYY-MM-DD, UTC), default: first stored
  --to DATE           last bar, inclusive, default: last stored
  --workers N         worker threads (default: one per core)
  --queue URL         redis://HOST:PORT: run the combinations as BullMQ jobs on \`bun run sweep:worker\` processes
                      (any number, any machine) instead of this machine's threads; the candles go through Redis
                      once per sweep; results are collected here, each combination once, into the same DB and report
  --keep K            keep the full event history of the best K combinations (default 3, or all when fewer;
                      more than the grid's combinations is refused)
  --walk-forward SPEC "train=3y,test=1y,step=1y" (units d, w, m, y): optimise on each training window, trade the
                      next test window with the chosen parameters, stitch the out-of-sample equity
  --capital N         starting cash (default: config/backtest.yaml)
  --exchange ID       read the series stored for this exchange
  --db PATH           market-data database (default ${DEFAULT_DB_PATH})
  --out DIR           where the sweep DB, report and kept runs go (default data/sweeps)
  --json              print the result as one JSON object on the last line
  --quiet             no progress bar

Ctrl-C (SIGINT) or SIGTERM stops the sweep: the results received so far stay in its DB, marked interrupted, its
queued jobs are withdrawn, and the command exits with 130 (143 for SIGTERM); a second Ctrl-C exits at once.`;

/** The shell's convention: 128 + the signal's number. */
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

await runMain(async () => {
  const args = parseCommandArgs(
    {
      strategy: { type: 'string' },
      symbols: { type: 'string' },
      timeframe: { type: 'string' },
      grid: { type: 'string' },
      metric: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      workers: { type: 'string' },
      queue: { type: 'string' },
      keep: { type: 'string' },
      'walk-forward': { type: 'string' },
      capital: { type: 'string' },
      exchange: { type: 'string' },
      db: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean' },
      quiet: { type: 'boolean' },
    },
    USAGE,
  );
  const strategyName = required('strategy', args.strategy);
  const symbols = parseNameList('symbols', args.symbols);
  const timeframe = parseTimeframeFlag('timeframe', args.timeframe);
  const grid = args.grid ?? '';
  const fromTs = parseDateFlag('from', args.from);
  const toDay = parseDateFlag('to', args.to);
  const toTs = toDay === undefined ? undefined : /^\d{4}-\d{2}-\d{2}$/.test(args.to!) ? toDay + DAY_MS - 1 : toDay;
  if (fromTs !== undefined && toTs !== undefined && toTs < fromTs) throw new Error('--to is before --from');
  const whole = (flag: string, value: string | undefined, fallback: number | undefined) => {
    if (value === undefined) return fallback;
    if (!/^\d+$/.test(value)) throw new Error(`--${flag} must be a whole number, got ${value}`);
    return Number(value);
  };
  const request: SweepRequest = {
    strategyName,
    grid,
    metric: args.metric ?? 'sharpe',
    symbols,
    exchange: args.exchange,
    timeframe,
    fromTs,
    toTs,
    capital: parsePositiveNumber('capital', args.capital),
    workers: whole('workers', args.workers, undefined),
    queue: args.queue,
    keep: whole('keep', args.keep, undefined),
    walkForward: args['walk-forward'],
    dbPath: args.db ?? DEFAULT_DB_PATH,
    outDir: args.out ?? 'data/sweeps',
    quiet: args.quiet,
    now: () => Date.now(),
    renderReport: renderSweepReport,
  };
  // A signal stops the sweep between two steps (its results kept, its DB closed) rather than killing it mid-write.
  const stopping = new AbortController();
  for (const name of Object.keys(SIGNAL_EXIT)) {
    process.on(name, () => {
      if (stopping.signal.aborted) process.exit(SIGNAL_EXIT[name]);
      stopping.abort(name);
    });
  }
  let result: SweepResult;
  try {
    result = await runSweep({ ...request, signal: stopping.signal });
  } catch (err) {
    if (!(err instanceof SweepInterrupted)) throw err;
    console.error(err.message);
    process.exit(SIGNAL_EXIT[err.signalName] ?? 130);
  }
  const r = result.report;
  const best = r.outcomes[0]!;
  const fmt = (v: number | null | undefined, d = 3) => formatMetric(v, d);
  console.log(`sweep       ${result.sweepId}: ${r.outcomes.length} combinations ${r.queue ? `through ${r.queue}` : `on ${r.workers} worker(s)`} in ${(r.elapsedMs / 1000).toFixed(1)} s`);
  if (r.skipped.length > 0) console.log(`skipped     ${r.skipped.length} combination(s) the strategy refuses, e.g. ${r.skipped[0]}`);
  console.log(`best        ${formatCombination(best.params)}: ${r.metric} ${fmt(best.metric)}${best.runId ? ` (run ${best.runId})` : ''}`);
  if (r.deflated) console.log(`deflated SR ${fmt(r.deflated.deflatedSharpe)} (P[true Sharpe of the best > what ${r.deflated.trials} trials reach by luck])`);
  if (r.pbo) console.log(`PBO         ${fmt(r.pbo.pbo)} (share of ${r.pbo.splits} CSCV splits whose in-sample best is below the out-of-sample median)`);
  if (r.walkForward) {
    const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);
    const chosenWidth = Math.max(...r.walkForward.rows.map((row) => formatCombination(row.chosen).length));
    for (const row of r.walkForward.rows) {
      const chosen = formatCombination(row.chosen).padEnd(chosenWidth);
      console.log(
        `${`window ${row.window.index + 1}`.padEnd(12)}test ${day(row.window.testFrom)} → ${day(row.window.testTo - 1)}  ${chosen}  ` +
          `in-sample ${fmt(row.inSampleMetric).padStart(6)}  out-of-sample ${fmt(row.outOfSampleMetric).padStart(6)}`,
      );
    }
    const stitched = r.walkForward.outOfSample;
    console.log(`walk-fwd    out-of-sample ${r.metric} ${fmt(metricOf(stitched, r.metric))}, return ${(stitched.total_return * 100).toFixed(2)}%`);
  }
  console.log(`database    ${result.dbPath}`);
  if (result.reportPath) console.log(`report      ${result.reportPath}`);
  if (args.json) {
    console.log(JSON.stringify({
      sweep_id: result.sweepId,
      db: result.dbPath,
      report: result.reportPath,
      combinations: r.outcomes.length,
      skipped: r.skipped.length,
      best: { params: best.params, metric: metricJson(best.metric), run_id: best.runId ?? null },
      deflated_sharpe: r.deflated?.deflatedSharpe ?? null,
      pbo: r.pbo?.pbo ?? null,
      walk_forward: r.walkForward?.rows.map((row) => ({ window: row.window.index, params: row.chosen, in_sample: metricJson(row.inSampleMetric), out_of_sample: metricJson(row.outOfSampleMetric) })) ?? null,
    }));
  }
});
