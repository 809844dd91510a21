// bun run sweep: every combination of a parameter grid through the backtest pipeline on all cores, into a sweep
// database; the best K re-run as ordinary backtests (run DB + report); overfitting measures; optional walk-forward.
// Everything the user typed is checked before a worker starts or a file is written.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import { candleRange, getInstrument, loadCandles } from '../../db/candles.ts';
import { noCandlesMessage } from '../../machines/data/candle-validation.ts';
import { closeDb, openDb, openExistingDb } from '../../db/client.ts';
import { sweeps } from '../../db/schema.ts';
import { timeframeMs } from '../../machines/data/timeframe.ts';
import { periodReturns, type PerformanceSummary } from '../../machines/metrics/performance.ts';
import { expandGrid, formatCombination, parseGrid, type Combination, type GridAxis, type ParamValue } from '../../machines/research/grid.ts';
import { deflatedSharpe, joinBlockTotals, pboOfLogits, type CombinationBlockTotals, type DeflatedSharpe, type Pbo } from '../../machines/research/overfitting.ts';
import { heatmap, rankByMetric, sensitivity, stitchEquity, type Heatmap, type Sensitivity } from '../../machines/research/sweep-tables.ts';
import { parseWalkForward, walkForwardWindows, type WalkForwardWindow } from '../../machines/research/walk-forward-windows.ts';
import { loadRiskLimits, loadStrategy, loadStrategyDefinition, loadVenueConfig } from '../adapters/config.ts';
import { createProgress } from '../adapters/progress.ts';
import { metricsFor, sharpeEquity } from '../../machines/metrics/run-metrics.ts';
import { thisProcess } from '../session/session-owner.ts';
import { metricJson, metricOf, SWEEP_METRICS, type SweepMetric } from '../../machines/research/sweep-metric.ts';
import { resultWriter, type Phase } from './result-writer.ts';
import { loadAlertsConfig } from '../alerts/alerts-config.ts';
import { runBacktest } from '../backtest.ts';
import type { CombinationJob, CombinationOutcome, SweepSetup } from './combination.ts';
import { barsInRange, toSharedColumns } from './shared-candles.ts';
import { startQueuePool } from './queue-pool.ts';
import { connectOrFail, parseQueueUrl } from './sweep-queue.ts';
import { startThreadPool, startWorkerPool, type ThreadPool, type WorkerPool } from './worker-pool.ts';

export interface SweepRequest {
  strategyName: string;
  grid: string;
  metric: string;
  symbols: string[];
  exchange?: string;
  timeframe: string;
  fromTs?: number;
  toTs?: number;
  capital?: number;
  /** Default: one per core. */
  workers?: number;
  /** Threads already running (their JIT warm from earlier sweeps), which outlive this sweep; `workers` is their number. */
  threads?: ThreadPool;
  /**
   * redis://HOST:PORT: the combinations become BullMQ jobs run by `bun run sweep:worker` processes on any machine
   * (actors/sweep/queue-worker.ts) instead of this machine's worker threads; everything else is the same.
   */
  queue?: string;
  /**
   * How many of the best combinations keep their full event history (a run DB and report); at most the number of
   * combinations. Default: DEFAULT_KEEP, or every combination when the grid has fewer.
   */
  keep?: number;
  walkForward?: string;
  dbPath: string;
  outDir: string;
  quiet?: boolean;
  now: () => number;
  /** Writes the HTML report (web/report/render-sweep-report.ts), injected so actors/ does not import web/. */
  renderReport?: (report: SweepReport) => string;
  /**
   * Aborted (reason: the signal's name, e.g. `SIGINT`) to stop the sweep: the results received so far are committed,
   * the sweep is marked `interrupted`, its jobs are withdrawn, and runSweep rejects with SweepInterrupted.
   */
  signal?: AbortSignal;
}

/** The sweep stopped on request (SweepRequest.signal): what it kept, and where. */
export class SweepInterrupted extends Error {
  constructor(
    readonly signalName: string,
    readonly sweep?: { sweepId: string; dbPath: string; stored: number },
  ) {
    super(
      sweep === undefined
        ? `interrupted by ${signalName} before the sweep started: nothing was written`
        : `sweep ${sweep.sweepId} interrupted by ${signalName}: ${sweep.stored} result(s) kept in ${sweep.dbPath} (status interrupted)`,
    );
  }
}

export const DEFAULT_KEEP = 3;

/** How many of the best combinations keep their equity curve for the report (the best one's also feeds the DSR). */
export const CURVES_KEPT = 5;

/**
 * A combination's result as the sweep keeps it. The curve stays only with the best CURVES_KEPT of the full range and
 * with the walk-forward test windows: a sweep of many combinations over many bars must not hold every curve.
 */
export interface ScoredOutcome extends Omit<CombinationOutcome, 'equityTs' | 'equity'> {
  metric: number | null;
  runId?: string;
  curve?: { ts: Float64Array; equity: Float64Array };
}

export interface WalkForwardRow {
  window: WalkForwardWindow;
  chosen: Combination;
  inSample: PerformanceSummary;
  outOfSample: PerformanceSummary;
  inSampleMetric: number | null;
  outOfSampleMetric: number | null;
}

export interface WalkForwardReport {
  spec: string;
  rows: WalkForwardRow[];
  stitched: { ts: number[]; equity: number[] };
  outOfSample: PerformanceSummary;
}

export interface SweepReport {
  sweepId: string;
  strategy: string;
  symbols: string[];
  timeframe: string;
  range: { firstTs: number; lastTs: number };
  grid: string;
  axes: GridAxis[];
  metric: SweepMetric;
  workers: number;
  /** The Redis URL the combinations went through, when not run on this machine's workers. */
  queue?: string;
  outcomes: ScoredOutcome[];
  skipped: string[];
  heatmaps: Heatmap[];
  sensitivity: Sensitivity[];
  deflated?: DeflatedSharpe;
  pbo?: Pbo;
  walkForward?: WalkForwardReport;
  elapsedMs: number;
}

export interface SweepResult {
  sweepId: string;
  dbPath: string;
  reportPath?: string;
  report: SweepReport;
}

export async function runSweep(req: SweepRequest): Promise<SweepResult> {
  const started = req.now();
  const stop = interruption(req.signal);
  // This sweep's own threads load their modules (a quarter of a second) while the input is checked and the candles
  // loaded; refused input closes them before any combination is sent.
  const booting = req.queue === undefined && req.threads === undefined ? startThreadsFor(workerCount(req)) : undefined;
  const sweepId = newSweepId(new Date(started));
  const dbPath = join(req.outDir, `${sweepId}.db`);
  let plan: SweepPlan;
  let sweepDb: ReturnType<typeof openDb>;
  let redis: Redis | undefined;
  try {
    plan = await stop.race(planSweep(req));
    // An unreachable Redis is refused like bad input: before the sweep's database exists.
    if (req.queue !== undefined) redis = await stop.race(connectOrFail(req.queue));
    stop.check();
    sweepDb = openSweepDb(req, plan, sweepId, dbPath, started);
  } catch (err) {
    booting?.close();
    redis?.disconnect();
    throw err;
  }
  const { setup, columns, combos, axes, metric, windows, workers } = plan;
  const results = resultWriter(sweepDb, sweepId, combos.length, req.now);
  /** The phase whose results are arriving: on an interruption, those that came before an earlier job's are kept too. */
  let arriving: { flushArrived(): void } | undefined;
  const fail = (status: 'failed' | 'interrupted', error: string) => {
    arriving?.flushArrived();
    results.commit();
    // A result the pool hands over while it closes comes after the sweep's end: it is not stored.
    results.seal();
    sweepDb.update(sweeps).set({ status, finishedAt: req.now(), summary: { error, results: results.stored } }).where(eq(sweeps.id, sweepId)).run();
  };

  const progress = createProgress('sweep', { quiet: req.quiet, unit: 'backtests' });
  const totalJobs = combos.length * (1 + windows.length) + windows.length;
  let done = 0;
  const tick = () => progress.update(++done, totalJobs);
  let pool: WorkerPool | undefined;
  try {
    pool = await stop.race(
      redis !== undefined ? startQueuePool(redis, sweepId, setup, columns, (line) => process.stderr.write(`${line}\n`))
      : req.threads !== undefined ? req.threads.open(setup, columns)
      : startWorkerPool(booting ?? workers, setup, columns),
    );
    const running = pool;
    /** Runs one phase's jobs; each result is stored as it arrives (in job order), and all are returned in job order. */
    const runPhase: PhaseRunner = async (jobs, receive, phase, windowOf) => {
      const writer = orderedWriter(jobs.length, (o: ScoredOutcome) => results.add(o, phase, windowOf(o)));
      arriving = writer;
      const ran = await stop.race(runJobs(running, jobs, receive, tick, writer.arrive));
      arriving = undefined;
      results.commit();
      return ran;
    };
    const fullJobs: CombinationJob[] = combos.map((params, id) => ({ id, params, fromTs: req.fromTs, toTs: req.toTs }));
    const keepBest = curveKeeper(CURVES_KEPT);
    const outcomes = await runPhase(fullJobs, (o) => keepBest(scoreOutcome(o, metric)), 'full', () => null);

    let walkForward: WalkForwardReport | undefined;
    if (windows.length > 0) {
      walkForward = await runWalkForward(req.walkForward!, windows, combos, metric, setup, runPhase);
    }
    progress.finish();

    const ranked = rankByMetric(outcomes);
    const kept = ranked.slice(0, plan.keep);
    for (const outcome of kept) {
      // A kept run is one synchronous backtest: a signal is seen between two of them (once the event loop has had a
      // turn to deliver it), so none is left half-written.
      await new Promise((resolve) => setImmediate(resolve));
      stop.check();
      outcome.runId = await keepRun(req, setup, outcome, join(req.outDir, sweepId));
      sweepDb.$client
        .query(`UPDATE sweep_results SET run_id = ? WHERE sweep_id = ? AND phase = 'full' AND combination = ?`)
        .run(outcome.runId, sweepId, outcome.id);
    }

    const measures = await stop.race(overfittingMeasures(outcomes, ranked[0]!, pool, (curve) => sharpeEquity(curve, setup.timeframe, new Set(setup.instruments.map((i) => i.kind)))));
    stop.check();
    const report: SweepReport = {
      sweepId,
      strategy: req.strategyName,
      symbols: req.symbols,
      timeframe: req.timeframe,
      range: { firstTs: columns.ts[0]!, lastTs: columns.ts[columns.length - 1]! },
      grid: req.grid,
      axes,
      metric,
      workers,
      queue: req.queue,
      outcomes: ranked,
      skipped: plan.skipped,
      heatmaps: axes.flatMap((x, i) => axes.slice(i + 1).map((y) => heatmap(outcomes, x, y))),
      sensitivity: axes.map((axis) => sensitivity(outcomes, axis)),
      ...measures,
      walkForward,
      elapsedMs: req.now() - started,
    };
    const reportPath = req.renderReport ? join(req.outDir, `${sweepId}.html`) : undefined;
    if (reportPath !== undefined) await Bun.write(reportPath, req.renderReport!(report));
    sweepDb.update(sweeps).set({
      status: 'finished',
      finishedAt: req.now(),
      reportPath: reportPath ?? null,
      summary: {
        best: { params: ranked[0]!.params, metric: metricJson(ranked[0]!.metric), run_id: ranked[0]!.runId ?? null },
        deflated_sharpe: measures.deflated?.deflatedSharpe ?? null,
        pbo: measures.pbo?.pbo ?? null,
        walk_forward: walkForward?.rows.map((r) => ({
          window: r.window.index,
          params: r.chosen,
          in_sample: metricJson(r.inSampleMetric),
          out_of_sample: metricJson(r.outOfSampleMetric),
        })) ?? null,
      },
    }).where(eq(sweeps.id, sweepId)).run();
    return { sweepId, dbPath, reportPath, report };
  } catch (err) {
    progress.finish();
    if (!(err instanceof SweepInterrupted)) {
      fail('failed', String(err));
      throw err;
    }
    fail('interrupted', `interrupted by ${err.signalName}`);
    throw new SweepInterrupted(err.signalName, { sweepId, dbPath, stored: results.stored });
  } finally {
    if (pool !== undefined) await pool.close();
    else booting?.close();
    redis?.disconnect();
    closeDb(sweepDb);
  }
}

/** The sweep database with this sweep's row, `running` until it finishes or fails. */
function openSweepDb(req: SweepRequest, plan: SweepPlan, sweepId: string, dbPath: string, started: number): ReturnType<typeof openDb> {
  const sweepDb = openDb(dbPath);
  sweepDb.insert(sweeps).values({
    id: sweepId,
    strategy: req.strategyName,
    symbols: req.symbols,
    timeframe: req.timeframe,
    fromTs: req.fromTs ?? null,
    toTs: req.toTs ?? null,
    grid: req.grid,
    metric: plan.metric,
    walkForward: req.walkForward ?? null,
    workers: plan.workers,
    combinations: plan.combos.length,
    status: 'running',
    startedAt: started,
    config: { strategy: plan.setup.baseParams, capital: plan.setup.capital, risk: loadRiskLimits(), skipped: plan.skipped },
    // Until the sweep ends (its summary is then replaced): the dashboard tells a killed sweep from a running one.
    summary: { owner: thisProcess() },
  }).run();
  return sweepDb;
}

/** Threads for a sweep's own pool, started before its plan is checked; none when the count is not valid (the plan then refuses it). */
function startThreadsFor(size: number): ThreadPool | undefined {
  return Number.isInteger(size) && size >= 1 ? startThreadPool(size) : undefined;
}

/** The threads a sweep runs on: those handed in, `--workers`, or one per core. */
function workerCount(req: SweepRequest): number {
  return req.threads?.size ?? req.workers ?? availableParallelism();
}

interface SweepPlan {
  setup: SweepSetup;
  columns: ReturnType<typeof toSharedColumns>;
  combos: Combination[];
  axes: GridAxis[];
  metric: SweepMetric;
  skipped: string[];
  windows: WalkForwardWindow[];
  workers: number;
  /** How many of the best are re-run as ordinary backtests. */
  keep: number;
}

/** Every check on the user's input, then the candles loaded once into shared columns. */
/** How many combinations hold any one value of axis `at`. */
function combinationsWith(axes: GridAxis[], at: number): number {
  return axes.reduce((n, axis, i) => (i === at ? n : n * axis.values.length), 1);
}

export async function planSweep(req: SweepRequest): Promise<SweepPlan> {
  const axes = parseGrid(req.grid);
  if (!(SWEEP_METRICS as readonly string[]).includes(req.metric)) {
    throw new Error(`--metric: no metric "${req.metric}" (valid: ${SWEEP_METRICS.join(', ')})`);
  }
  const metric = req.metric as SweepMetric;
  const workers = workerCount(req);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`--workers must be a whole number ≥ 1, got ${req.workers}`);
  if (req.keep !== undefined && (!Number.isInteger(req.keep) || req.keep < 0)) throw new Error(`--keep must be a whole number ≥ 0, got ${req.keep}`);
  const spec = req.walkForward === undefined ? undefined : parseWalkForward(req.walkForward);
  if (req.queue !== undefined) parseQueueUrl(req.queue);

  const { definition, raw } = await loadStrategyDefinition(req.strategyName);
  // Every combination through the strategy's schema. Values that are fine together but not in this pair (entry_z
  // beyond what a short lookback can reach) skip that combination; a value no combination can take refuses the sweep.
  const combos: Combination[] = [];
  const skipped: string[] = [];
  const warmups: number[] = [];
  const usable = axes.map((axis) => new Set<ParamValue>());
  const firstRefusal = axes.map(() => new Map<ParamValue, { combo: Combination; message: string }>());
  for (const combo of expandGrid(axes)) {
    try {
      warmups.push(definition.create(definition.parseParams({ ...raw, ...combo })).warmupBars);
      combos.push(combo);
      axes.forEach((axis, i) => usable[i]!.add(combo[axis.name]!));
    } catch (err) {
      const message = (err as Error).message;
      skipped.push(`${formatCombination(combo)}: ${message}`);
      axes.forEach((axis, i) => {
        if (!firstRefusal[i]!.has(combo[axis.name]!)) firstRefusal[i]!.set(combo[axis.name]!, { combo, message });
      });
    }
  }
  // A value no combination takes; of several, the one whose refusal names its own parameter (`entry_z: too small`
  // blames entry_z=-1, not the lookback it was paired with).
  const refused = axes.flatMap((axis, i) => axis.values.filter((value) => !usable[i]!.has(value)).map((value) => ({ axis, i, value, ...firstRefusal[i]!.get(value)! })));
  const blamed = refused.find((r) => r.message.startsWith(`${r.axis.name}:`) || r.message.includes(`\`${r.axis.name}\``)) ?? refused[0];
  if (blamed !== undefined) {
    const { axis, i, value, combo, message } = blamed;
    const others = Object.entries(combo).filter(([name]) => name !== axis.name);
    const example = formatCombination(Object.fromEntries(others));
    const context = others.length === 0 ? '' : combinationsWith(axes, i) > 1 ? ` (in every combination of the grid, e.g. with ${example})` : ` (with ${example})`;
    throw new Error(`--grid: ${axis.name}=${value} is refused by ${req.strategyName}'s schema: ${message}${context}`);
  }
  if (combos.length === 0) throw new Error(`--grid: no combination is valid for ${req.strategyName}; the first: ${skipped[0]}`);
  if (req.keep !== undefined && req.keep > combos.length) {
    throw new Error(`--keep ${req.keep} is more than the ${combos.length} combination(s) the grid gives${skipped.length > 0 ? ` (${skipped.length} skipped)` : ''}`);
  }
  const keep = req.keep ?? Math.min(DEFAULT_KEEP, combos.length);

  const venue = loadVenueConfig();
  const capital = req.capital ?? venue.startingCapital;
  const marketDb = openExistingDb(req.dbPath);
  let rows;
  let instruments;
  try {
    instruments = req.symbols.map((symbol) => {
      const inst = getInstrument(marketDb, symbol, req.exchange);
      if (inst === undefined) throw new Error(`--symbols: no ${symbol} data${req.exchange ? ` on ${req.exchange}` : ''}: import or collect it first`);
      return { symbol, kind: inst.kind, exchange: inst.exchange };
    });
    rows = loadCandles(marketDb, { symbols: req.symbols, exchange: req.exchange, timeframe: req.timeframe, fromTs: req.fromTs, toTs: req.toTs });
    for (const symbol of req.symbols) {
      if (!rows.some((r) => r.symbol === symbol)) {
        const stored = candleRange(marketDb, symbol, req.timeframe, req.exchange);
        throw new Error(`--symbols: ${noCandlesMessage({ symbol, timeframe: req.timeframe, exchange: req.exchange, fromTs: req.fromTs, toTs: req.toTs }, stored)}`);
      }
    }
  } finally {
    closeDb(marketDb);
  }
  const columns = toSharedColumns(rows, req.timeframe);

  const endTs = req.toTs !== undefined ? req.toTs + 1 : columns.ts[columns.length - 1]! + timeframeMs(req.timeframe);
  const windows = spec === undefined ? [] : walkForwardWindows(spec, columns.ts[0]!, endTs);
  // The longest warm-up must fit in every stretch a combination trades: the range, or each training and test window
  // (a combination that cannot trade in a training window would score 0 there, and could be chosen for it).
  const stretches = windows.length === 0
    ? [{ label: 'the range', fromTs: req.fromTs, toTs: req.toTs }]
    : windows.flatMap((w) => [
      { label: `training window ${w.index + 1}`, fromTs: w.trainFrom, toTs: w.trainTo - 1 },
      { label: `test window ${w.index + 1}`, fromTs: w.testFrom, toTs: w.testTo - 1 },
    ]);
  const longest = Math.max(...warmups);
  for (const stretch of stretches) {
    for (const [symbol, bars] of barsInRange(columns, stretch.fromTs, stretch.toTs)) {
      if (bars <= longest) {
        const combo = combos[warmups.indexOf(longest)]!;
        throw new Error(`--grid: ${formatCombination(combo)} needs ${longest} bars of warm-up, but ${symbol} has only ${bars} in ${stretch.label}`);
      }
    }
  }

  const setup: SweepSetup = {
    strategyName: req.strategyName,
    baseParams: raw,
    symbols: req.symbols,
    exchange: req.exchange,
    timeframe: req.timeframe,
    capital,
    instruments,
    data: { dbPath: req.dbPath, fromTs: req.fromTs, toTs: req.toTs },
  };
  return { setup, columns, combos, axes, metric, skipped, windows, workers, keep };
}

async function runWalkForward(
  spec: string,
  windows: WalkForwardWindow[],
  combos: Combination[],
  metric: SweepMetric,
  setup: SweepSetup,
  runPhase: PhaseRunner,
): Promise<WalkForwardReport> {
  // Job ids: window w's training of combination c is (w + 1) × N + c; its test job (w + 1 + W) × N + chosen.
  const n = combos.length;
  const trainJobs = windows.flatMap((w) => combos.map((params, c) => ({ id: (w.index + 1) * n + c, params, fromTs: w.trainFrom, toTs: w.trainTo - 1 })));
  // Training runs are ranked by their metric only: none keeps its curve.
  const trained = await runPhase(trainJobs, (o) => withoutCurve(scoreOutcome(o, metric)), 'train', (o) => Math.floor(o.id / n) - 1);
  const best = windows.map((w) => rankByMetric(trained.filter((o) => Math.floor(o.id / n) - 1 === w.index))[0]!);
  const testJobs = windows.map((w) => ({ id: (w.index + 1 + windows.length) * n + (best[w.index]!.id % n), params: best[w.index]!.params, fromTs: w.testFrom, toTs: w.testTo - 1, withTrades: true }));
  const tested = await runPhase(testJobs, (o) => scoreOutcome(o, metric), 'test', (o) => Math.floor(o.id / n) - 1 - windows.length);
  const stitched = stitchEquity(tested.map((o) => curveOf(o)), setup.capital);
  const kinds = new Set(setup.instruments.map((i) => i.kind));
  const points = stitched.ts.map((ts, i) => ({ ts, equity: stitched.equity[i]!, grossExposure: 0 }));
  return {
    spec,
    rows: windows.map((w, i) => ({
      window: w,
      chosen: best[i]!.params,
      inSample: best[i]!.summary,
      outOfSample: tested[i]!.summary,
      inSampleMetric: best[i]!.metric,
      outOfSampleMetric: tested[i]!.metric,
    })),
    stitched,
    // The stitched curve's returns, drawdown and Sharpe, and the test windows' trades and fees pooled (each window
    // trades from fresh capital, so a trade's pnl is on the same scale in every window).
    outOfSample: {
      ...metricsFor(points, tested.flatMap((o) => o.trades ?? []), tested.reduce((sum, o) => sum + (o.fees ?? 0), 0), setup.timeframe, kinds),
      // The stitched points carry no exposure: time in market is the windows', weighted by their bars.
      exposure: tested.reduce((sum, o) => sum + o.summary.exposure * o.bars, 0) / Math.max(1, tested.reduce((sum, o) => sum + o.bars, 0)),
    },
  };
}

/** Re-runs a combination as an ordinary backtest (run DB + report) and checks it agrees with the sweep's row. */
async function keepRun(req: SweepRequest, setup: SweepSetup, outcome: ScoredOutcome, outDir: string): Promise<string> {
  const { strategy, params } = await loadStrategy(req.strategyName, undefined, outcome.params);
  const marketDb = openExistingDb(req.dbPath);
  try {
    const runId = `${outDir.split('/').pop()}-c${outcome.id}`;
    const result = runBacktest({
      runId,
      strategy,
      strategyParams: params,
      symbols: req.symbols,
      exchange: req.exchange,
      timeframe: req.timeframe,
      fromTs: req.fromTs,
      toTs: req.toTs,
      capital: setup.capital,
      limits: loadRiskLimits(),
      venue: loadVenueConfig(),
      marketDb,
      outDir,
      startedAt: req.now(),
      now: req.now,
      alertRules: loadAlertsConfig().rules,
    });
    const { run_id: _id, db: _db, report: _report, ...summary } = result.summary;
    if (JSON.stringify(summary) !== JSON.stringify(outcome.summary)) {
      throw new Error(`combination ${formatCombination(outcome.params)}: the kept run ${runId} disagrees with the sweep's summary`);
    }
    return runId;
  } finally {
    closeDb(marketDb);
  }
}

/** `sharpeBasis`: the equity a curve's Sharpe is computed on (a mixed run's daily samples; see sharpeEquity). */
async function overfittingMeasures(
  outcomes: ScoredOutcome[],
  best: ScoredOutcome,
  pool: WorkerPool,
  sharpeBasis: (curve: { ts: Float64Array; equity: Float64Array }) => Float64Array,
): Promise<{ deflated?: DeflatedSharpe; pbo?: Pbo }> {
  if (outcomes.length < 2) return {};
  // Each combination's Sharpe and block totals were computed by the worker that ran it (returnStats).
  const deflated = deflatedSharpe(periodReturns(sharpeBasis(curveOf(best))), outcomes.map((o) => o.returnStats.sharpe));
  const parts = outcomes.map((o) => o.returnStats.blocks);
  const first = parts[0];
  if (first === undefined || parts.some((p) => p === undefined || p.returns !== first.returns)) return { deflated };
  // The splits are scored on the pool's workers (12,870 of them × N combinations); same logits as one pass.
  const totals = joinBlockTotals(parts as CombinationBlockTotals[]);
  return { deflated, pbo: pboOfLogits(totals, await pool.splitLogits(totals)) };
}

/** Runs a phase's jobs, stores each result as it arrives, and returns what `receive` kept of each, in job order. */
type PhaseRunner = (
  jobs: CombinationJob[],
  receive: (outcome: CombinationOutcome) => ScoredOutcome,
  phase: Phase,
  windowOf: (outcome: ScoredOutcome) => number | null,
) => Promise<ScoredOutcome[]>;

/**
 * Runs `jobs` on the pool; `receive` turns each outcome, as it arrives, into what the sweep keeps (returned in job
 * order), and `kept` is told of it with its place in `jobs`.
 */
async function runJobs<T>(pool: WorkerPool, jobs: CombinationJob[], receive: (outcome: CombinationOutcome) => T, tick: () => void, kept?: (at: number, item: T) => void): Promise<T[]> {
  const at = new Map(jobs.map((job, i) => [job.id, i]));
  const out = new Array<T>(jobs.length);
  await pool.run(jobs, (outcome) => {
    const i = at.get(outcome.id)!;
    out[i] = receive(outcome);
    kept?.(i, out[i]);
    tick();
  });
  return out;
}


/**
 * Hands a phase's results to `write` in job order as they arrive (so the rows' order does not depend on which thread
 * was quicker); `flushArrived` writes the ones still waiting for an earlier job, when the phase stops short.
 */
function orderedWriter<T>(count: number, write: (item: T) => void) {
  const waiting = new Array<T | undefined>(count);
  let next = 0;
  return {
    arrive(at: number, item: T): void {
      waiting[at] = item;
      while (next < count && waiting[next] !== undefined) {
        write(waiting[next]!);
        waiting[next++] = undefined;
      }
    },
    flushArrived(): void {
      for (; next < count; next++) {
        if (waiting[next] !== undefined) write(waiting[next]!);
        waiting[next] = undefined;
      }
    },
  };
}

/** Stops a sweep when its signal is aborted: `race` rejects an awaited step with SweepInterrupted, `check` throws it. */
function interruption(signal: AbortSignal | undefined) {
  const interrupted = () => new SweepInterrupted(String(signal?.reason ?? 'SIGINT'));
  let stop: (err: SweepInterrupted) => void = () => {};
  const stopped = new Promise<never>((_, reject) => (stop = reject));
  stopped.catch(() => {});
  if (signal?.aborted) stop(interrupted());
  else signal?.addEventListener('abort', () => stop(interrupted()), { once: true });
  return {
    check(): void {
      if (signal?.aborted) throw interrupted();
    },
    race<T>(work: Promise<T>): Promise<T> {
      // The step left behind may still fail (its pool closed under it): that is not news.
      work.catch(() => {});
      return signal === undefined ? work : Promise.race([work, stopped]);
    },
  };
}

function scoreOutcome(outcome: CombinationOutcome, metric: SweepMetric): ScoredOutcome {
  const { equityTs, equity, ...rest } = outcome;
  return { ...rest, metric: metricOf(outcome.summary, metric), curve: { ts: equityTs, equity } };
}

function withoutCurve(outcome: ScoredOutcome): ScoredOutcome {
  delete outcome.curve;
  return outcome;
}

function curveOf(outcome: ScoredOutcome): { ts: Float64Array; equity: Float64Array } {
  if (outcome.curve === undefined) throw new Error(`combination ${formatCombination(outcome.params)}: its equity curve was not kept`);
  return outcome.curve;
}

/**
 * Keeps the curves of the best `k` outcomes seen so far and drops every other one as it arrives, in rankByMetric's
 * order over outcomes in id order: metric high to low (none last), ties by id.
 */
function curveKeeper(k: number): (outcome: ScoredOutcome) => ScoredOutcome {
  const best: ScoredOutcome[] = [];
  const value = (o: ScoredOutcome) => o.metric ?? -Infinity;
  const ahead = (a: ScoredOutcome, b: ScoredOutcome) => value(a) > value(b) || (value(a) === value(b) && a.id < b.id);
  return (outcome) => {
    let at = best.length;
    while (at > 0 && ahead(outcome, best[at - 1]!)) at--;
    if (at >= k) return withoutCurve(outcome);
    best.splice(at, 0, outcome);
    if (best.length > k) withoutCurve(best.pop()!);
    return outcome;
  };
}

function newSweepId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `sweep-${stamp}-${randomBytes(3).toString('hex')}`;
}
