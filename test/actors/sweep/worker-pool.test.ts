// The sweep's worker pool against the same combinations run on this thread: every outcome identical (the equity
// curve travels as transferred buffers), in the order asked, with each worker holding a second combination while
// it runs one; the PBO's splits scored across the workers equal one pass here; a combination that throws fails
// the run with its parameters named.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { loadRiskLimits, loadStrategyDefinition, loadVenueConfig } from '../../../actors/adapters/config.ts';
import { importCsvFile } from '../../../actors/adapters/csv-import.ts';
import { runCombination, type CombinationEnv, type CombinationJob, type CombinationOutcome } from '../../../actors/sweep/combination.ts';
import { planSweep, runSweep, type SweepRequest } from '../../../actors/sweep/run-sweep.ts';
import { chunkSize, startThreadPool, startWorkerPool, type LocalWorkerPool, type WorkerPool } from '../../../actors/sweep/worker-pool.ts';
import { closeDb, openDb } from '../../../db/client.ts';
import { periodReturns } from '../../../machines/metrics/performance.ts';
import { formatCombination } from '../../../machines/research/grid.ts';
import { blockTotals, pboOfLogits, probabilityOfOverfitting } from '../../../machines/research/overfitting.ts';
import { DATA_DIR, tempDir } from '../../support/real-data.ts';

const FROM = Date.parse('2018-01-01T00:00:00Z');
const TO = Date.parse('2020-12-31T23:59:59.999Z');

let dbPath: string;
let plan: Awaited<ReturnType<typeof planSweep>>;

/** 4 × 3 combinations of BTC/USD 2018–2020 on two workers. */
function sweepRequest(outDir: string): SweepRequest {
  return {
    strategyName: 'mean_reversion',
    grid: 'lookback=10:40:10,entry_z=1.5:2.5:0.5',
    metric: 'sharpe',
    symbols: ['BTC/USD'],
    timeframe: '1d',
    fromTs: FROM,
    toTs: TO,
    workers: 2,
    keep: 0,
    dbPath,
    outDir,
    quiet: true,
    now: () => 0,
  };
}
let env: CombinationEnv;
let pool: LocalWorkerPool;

beforeAll(async () => {
  dbPath = join(tempDir('qs-pool-'), 'market.db');
  const db = openDb(dbPath);
  importCsvFile(db, { file: join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
  closeDb(db);
  plan = await planSweep(sweepRequest(tempDir('qs-pool-out-')));
  env = { definition: (await loadStrategyDefinition('mean_reversion')).definition, limits: loadRiskLimits(), venue: loadVenueConfig() };
  pool = await startWorkerPool(2, plan.setup, plan.columns);
}, 60_000);

afterAll(() => pool?.close());

const jobsOf = () => plan.combos.map((params, id): CombinationJob => ({ id, params, fromTs: FROM, toTs: TO }));
/** Enough jobs that the pool hands them out several at a time: the grid over four starting dates. */
const manyJobs = () =>
  ['2018-01-01', '2018-07-01', '2019-01-01', '2019-07-01'].flatMap((day, d) =>
    plan.combos.map((params, c): CombinationJob => ({ id: d * plan.combos.length + c, params, fromTs: Date.parse(`${day}T00:00:00Z`), toTs: TO })),
  );

/** Every outcome the pool hands over, by job id. */
async function runAll(on: WorkerPool, jobs: CombinationJob[], seen: number[] = []): Promise<CombinationOutcome[]> {
  const outcomes: CombinationOutcome[] = [];
  await on.run(jobs, (o) => {
    seen.push(o.id);
    outcomes[o.id] = o;
  });
  return outcomes;
}

describe('the sweep worker pool', () => {
  test('gives every combination exactly the outcome it has on this thread, in the order asked', async () => {
    const jobs = jobsOf();
    expect(jobs.length).toBeGreaterThan(2 * 2); // more than the workers hold at once
    const seen: number[] = [];
    const outcomes = await runAll(pool, jobs, seen);
    expect(outcomes.map((o) => o.id)).toEqual(jobs.map((j) => j.id));
    expect([...seen].sort((a, b) => a - b)).toEqual(jobs.map((j) => j.id));
    for (const job of jobs) {
      const here = runCombination(plan.setup, env, plan.columns, job);
      const there = outcomes[job.id]!;
      expect(there.equity).toBeInstanceOf(Float64Array);
      expect(there).toEqual(here);
    }
    expect(outcomes.some((o) => o.summary.trades > 0)).toBe(true);
  }, 60_000);

  test('hands a long run out in chunks that shrink to one, and each chunk still gives every outcome exactly', async () => {
    const jobs = manyJobs();
    expect(chunkSize(jobs.length, 2)).toBeGreaterThan(1);
    const sizes: number[] = [];
    for (let left = 7_685; left > 0; left -= sizes.at(-1)!) sizes.push(chunkSize(left, 2));
    expect(Math.max(...sizes)).toBe(16);
    expect(sizes.at(-1)).toBe(1);
    expect(sizes.every((size, i) => i === 0 || size <= sizes[i - 1]!)).toBe(true);
    const outcomes = await runAll(pool, jobs);
    expect(outcomes.map((o) => o.id)).toEqual(jobs.map((j) => j.id));
    for (const job of jobs) expect(outcomes[job.id]).toEqual(runCombination(plan.setup, env, plan.columns, job));
  }, 60_000);

  test('a combination that throws inside a chunk is the one named', async () => {
    const jobs = manyJobs();
    const late = Date.parse('2030-01-01T00:00:00Z');
    // The first chunk is jobs 0–5 (48 jobs, 2 threads): job 3 is in its middle.
    jobs[3] = { ...jobs[3]!, fromTs: late, toTs: late + 86_400_000 };
    await expect(pool.run(jobs, () => {})).rejects.toThrow(`combination ${formatCombination(jobs[3]!.params)}: combination 3: no candles between ${late}`);
  }, 60_000);

  test("scores the PBO's splits across the workers with exactly the logits of one pass on this thread", async () => {
    const outcomes = await runAll(pool, jobsOf());
    const returns = outcomes.map((o) => periodReturns(o.equity));
    const here = probabilityOfOverfitting(returns, 16);
    const totals = blockTotals(returns, 16);
    const there = pboOfLogits(totals, await pool.splitLogits(totals));
    expect(there.splits).toBe(12_870);
    expect(there).toEqual(here);
    expect(new Set(here.logits).size).toBeGreaterThan(1);
  }, 60_000);

  test('threads that outlive a sweep: two sweeps open at once each get their own outcomes, and a closed one is gone', async () => {
    const threads = startThreadPool(2);
    try {
      const early = await threads.open(plan.setup, plan.columns);
      const late = await threads.open(plan.setup, plan.columns);
      const jobs = jobsOf();
      const shifted = jobs.map((j) => ({ ...j, fromTs: Date.parse('2019-01-01T00:00:00Z') }));
      const [a, b] = await Promise.all([runAll(early, jobs), runAll(late, shifted)]);
      for (const job of jobs) expect(a[job.id]).toEqual(runCombination(plan.setup, env, plan.columns, job));
      for (const job of shifted) expect(b[job.id]).toEqual(runCombination(plan.setup, env, plan.columns, job));
      early.close();
      // (.catch, not expect().rejects: bun test 1.4.5 sometimes never settles the latter on a worker's late answer)
      const refused = await early.submit(jobs[0]!).then(() => undefined, (err: Error) => err);
      expect(refused?.message).toContain('is not open on this thread');
      expect((await late.submit(shifted[1]!)).id).toBe(1);
    } finally {
      threads.close();
    }
  }, 60_000);

  test('a sweep run on threads it was handed leaves them running: the next sweep on them gives the same rows', async () => {
    const threads = startThreadPool(2);
    try {
      const first = await runSweep({ ...sweepRequest(tempDir('qs-pool-first-')), threads });
      const second = await runSweep({ ...sweepRequest(tempDir('qs-pool-second-')), threads });
      const rows = (r: typeof first) => r.report.outcomes.map((o) => ({ params: o.params, metric: o.metric, summary: o.summary }));
      expect(rows(second)).toEqual(rows(first));
      expect(second.report.pbo).toEqual(first.report.pbo!);
      // Still open after both sweeps: a third sweep's combination runs on them.
      const third = await threads.open(plan.setup, plan.columns);
      expect(await third.submit(jobsOf()[2]!)).toEqual(runCombination(plan.setup, env, plan.columns, jobsOf()[2]!));
      third.close();
    } finally {
      threads.close();
    }
  }, 60_000);

  test('a combination that throws fails the run, naming its parameters', async () => {
    const jobs = jobsOf();
    const late = Date.parse('2030-01-01T00:00:00Z');
    jobs[3] = { ...jobs[3]!, fromTs: late, toTs: late + 86_400_000 };
    const name = formatCombination(jobs[3]!.params);
    await expect(pool.run(jobs, () => {})).rejects.toThrow(`combination ${name}: combination 3: no candles between ${late}`);
    // The pool is still usable for the next run.
    const again = await pool.submit(jobsOf()[0]!);
    expect(again.id).toBe(0);
  }, 60_000);
});
