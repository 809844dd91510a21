// A sweep through Redis (bun run sweep --queue) on real BTC/USD candles, with `bun run sweep:worker` processes:
// the same rows as the local sweep, every combination once, and a worker killed mid-job has its job run elsewhere.
// Starts its own redis-server on 127.0.0.1 and a free port; without the binary it skips here, and fails in CI.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Database } from 'bun:sqlite';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import { importCsvFile } from '../../../actors/adapters/csv-import.ts';
import { runSweep, type SweepRequest, type SweepResult } from '../../../actors/sweep/run-sweep.ts';
import { SWEEP_QUEUE, sweepDataKey } from '../../../actors/sweep/sweep-queue.ts';
import { closeDb, openDb } from '../../../db/client.ts';
import { DATA_DIR, tempDir } from '../../support/real-data.ts';

const ROOT = join(import.meta.dir, '..', '..', '..');
const REDIS = Bun.which('redis-server');
const LONG = 600_000;
const dir = tempDir('qs-distributed-');
const dbPath = join(dir, 'market.db');
// 6 × 3 = 18 combinations.
const GRID = 'lookback=10:60:10,entry_z=1.5:2.5:0.5';
const COMBINATIONS = 18;

if (REDIS === null && !process.env.CI) console.warn('distributed-sweep.test.ts: skipped, no redis-server on PATH (apt-get install redis-server)');

test.if(REDIS === null && !!process.env.CI)('redis-server is installed in CI (.ci/run installs it)', () => {
  expect(REDIS).not.toBeNull();
});

/** A child process whose stdout is read line by line as it comes. */
class Proc {
  readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>) {
    void (async () => {
      let rest = '';
      for await (const chunk of proc.stdout) {
        rest += new TextDecoder().decode(chunk);
        const parts = rest.split('\n');
        rest = parts.pop()!;
        this.lines.push(...parts);
        for (const wake of this.waiters.splice(0)) wake();
      }
      for (const wake of this.waiters.splice(0)) wake();
    })();
  }
  /** Resolves with the first line that matches, however long it takes (the test's own timeout bounds it). */
  async until(match: (line: string) => boolean): Promise<string> {
    for (;;) {
      const line = this.lines.find(match);
      if (line !== undefined) return line;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`process exited before the line: ${this.lines.join('\n')}\n${await new Response(this.proc.stderr).text()}`);
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }
}

let redis: Bun.Subprocess | undefined;
let port = 0;
let url = '';

function startRedis(): void {
  redis = Bun.spawn([REDIS!, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdout: 'ignore', stderr: 'inherit' });
}
const workers: Proc[] = [];

function startWorker(concurrency: number, ...extra: string[]): Proc {
  const proc = Bun.spawn(['bun', join(ROOT, 'scripts', 'sweep-worker.ts'), '--queue', url, '--concurrency', String(concurrency), ...extra], {
    cwd: ROOT,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const worker = new Proc(proc);
  workers.push(worker);
  return worker;
}

async function stopWorker(worker: Proc): Promise<void> {
  if (worker.proc.exitCode === null && worker.proc.signalCode === null) worker.proc.kill('SIGTERM');
  await worker.proc.exited;
}

function request(extra: Partial<SweepRequest>): SweepRequest {
  return {
    strategyName: 'mean_reversion',
    grid: GRID,
    metric: 'sharpe',
    symbols: ['BTC/USD'],
    timeframe: '1d',
    fromTs: Date.parse('2016-01-01T00:00:00Z'),
    toTs: Date.parse('2024-12-31T23:59:59.999Z'),
    workers: 2,
    keep: 0,
    dbPath,
    outDir: join(dir, 'sweeps'),
    quiet: true,
    now: () => 0,
    ...extra,
  };
}

interface Row {
  combination: number;
  params: string;
  metric: number | null;
  summary: string;
}

function rowsOf(result: SweepResult): { rows: Row[]; summary: unknown } {
  const db = new Database(result.dbPath, { readonly: true });
  const rows = db.query(`SELECT combination, params, metric, summary FROM sweep_results WHERE phase = 'full' ORDER BY combination`).all() as Row[];
  const sweep = db.query('SELECT summary FROM sweeps').get() as { summary: string };
  db.close();
  return { rows, summary: JSON.parse(sweep.summary) };
}

let local: SweepResult;

describe.skipIf(REDIS === null)('a sweep through Redis with sweep:worker processes', () => {
  beforeAll(async () => {
    const db = openDb(dbPath);
    importCsvFile(db, { file: join(DATA_DIR, 'BTCUSD-1d-bitstamp-coinbase-2011-2025.csv'), symbol: 'BTC/USD', timeframe: '1d', market: 'crypto' });
    closeDb(db);
    const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } });
    port = probe.port;
    probe.stop(true);
    startRedis();
    url = `redis://127.0.0.1:${port}`;
    const client = new IORedis(url, { maxRetriesPerRequest: null });
    client.on('error', () => {}); // refused until redis-server listens; ioredis retries
    await client.ping();
    client.disconnect();
    local = await runSweep(request({}));
  }, LONG);

  afterAll(async () => {
    for (const worker of workers) await stopWorker(worker);
    redis?.kill();
    await redis?.exited;
  });

  test('gives the local sweep\'s rows, every combination once, with two workers, and again on the same threads', async () => {
    const pair = [startWorker(1), startWorker(1)];
    for (const worker of pair) await worker.until((line) => line.startsWith('sweep:worker on'));
    const queued = await runSweep(request({ queue: url }));
    const expected = rowsOf(local);
    const got = rowsOf(queued);
    expect(expected.rows).toHaveLength(COMBINATIONS);
    expect(got.rows).toEqual(expected.rows);
    expect(got.summary).toEqual(expected.summary);
    // Each combination was run by one of the two workers, and once.
    const done = pair.flatMap((w) => w.lines.filter((l) => l.startsWith(`done ${queued.sweepId}-`)));
    expect(done).toHaveLength(COMBINATIONS);
    expect(new Set(done).size).toBe(COMBINATIONS);
    // A second sweep runs on the same threads (compiled once per process), with the same rows.
    const again = await runSweep(request({ queue: url }));
    expect(rowsOf(again).rows).toEqual(expected.rows);
    // Each worker opens a sweep when it takes the sweep's first job; one that ran both says so.
    for (const worker of pair) {
      const opens = worker.lines.filter((l) => l.startsWith('open '));
      expect(opens).toEqual(opens.map((l, k) => `${l.split(' on ')[0]} on 1 thread(s), ${k} sweep(s) run on them before`));
    }
    expect(pair.some((w) => w.lines.includes(`open ${again.sweepId} on 1 thread(s), 1 sweep(s) run on them before`))).toBe(true);
    for (const worker of pair) await stopWorker(worker);
    // Nothing of the sweep is left in Redis: its data and its collected jobs are removed.
    const queue = new Queue(SWEEP_QUEUE, { connection: { url } });
    const counts = await queue.getJobCounts('completed', 'failed', 'active', 'wait');
    const client = new IORedis(url);
    expect(await client.exists(sweepDataKey(queued.sweepId))).toBe(0);
    client.disconnect();
    await queue.close();
    expect(counts).toEqual({ completed: 0, failed: 0, active: 0, wait: 0 });
  }, LONG);

  test('a worker killed mid-job: its job is taken back and run by another, and the sweep completes with every combination once', async () => {
    const doomed = startWorker(1, '--lock-duration', '1000');
    await doomed.until((line) => line.startsWith('sweep:worker on'));
    const sweeping = runSweep(request({ queue: url }));
    sweeping.catch(() => {}); // awaited below; a failure shows there
    await doomed.until((line) => line.startsWith('took '));
    // Frozen, the worker holds its job's lock without renewing it; what is active now is its.
    doomed.proc.kill('SIGSTOP');
    const queue = new Queue(SWEEP_QUEUE, { connection: { url } });
    const held = (await queue.getActive()).map((job) => job.id!);
    await queue.close();
    expect(held.length).toBeGreaterThan(0);
    doomed.proc.kill('SIGKILL');
    await doomed.proc.exited;

    const survivor = startWorker(2, '--lock-duration', '1000');
    const queued = await sweeping;
    const got = rowsOf(queued);
    expect(got.rows).toEqual(rowsOf(local).rows);
    expect(new Set(got.rows.map((r) => r.combination)).size).toBe(COMBINATIONS);
    // The job the dead worker held was run again by the survivor.
    for (const id of held) expect(survivor.lines).toContain(`done ${id}`);
  }, LONG);

  test('Redis lost and back: a worker says so once each way, then runs jobs again', async () => {
    for (const other of workers.splice(0)) await stopWorker(other);
    const worker = startWorker(1);
    await worker.until((line) => line.startsWith('sweep:worker on'));
    redis!.kill('SIGKILL');
    await redis!.exited;
    await worker.until((line) => line.startsWith('error '));
    // ioredis retries every few hundred ms meanwhile; each failure used to print a line.
    await Bun.sleep(3_000);
    startRedis();
    await worker.until((line) => line === 'Redis answers again');
    expect(worker.lines.filter((line) => line.startsWith('error ')).length).toBeLessThanOrEqual(2);
    expect(worker.lines.find((line) => line.startsWith('error '))).toEndWith('(retrying until Redis answers)');
    const again = await runSweep(request({ queue: url }));
    expect(rowsOf(again).rows).toEqual(rowsOf(local).rows);
    expect(worker.lines.filter((line) => line.startsWith('done ')).length).toBe(COMBINATIONS);
  }, LONG);

  test('a coordinator stopped by Ctrl-C withdraws its waiting jobs and its data from Redis, marks its DB interrupted and exits 130', async () => {
    // No worker: every job stays waiting until the coordinator goes.
    for (const other of workers.splice(0)) await stopWorker(other);
    const out = join(dir, 'sigint-queue');
    const coordinator = spawnCoordinator(out, GRID, ['bun', 'run', 'sweep']);
    const client = new IORedis(url);
    const queue = new Queue(SWEEP_QUEUE, { connection: { url } });
    try {
      while ((await queue.getJobCounts('wait')).wait < COMBINATIONS) await Bun.sleep(50);
      const [dataKey] = await client.keys(sweepDataKey('*'));
      expect(dataKey).toBeDefined();
      coordinator.kill('SIGINT');
      expect(await coordinator.exited).toBe(130);
      expect(await client.exists(dataKey!)).toBe(0);
      expect(await queue.getJobCounts('wait', 'active', 'completed', 'failed')).toEqual({ wait: 0, active: 0, completed: 0, failed: 0 });
      const [file] = readdirSync(out).filter((f) => f.endsWith('.db'));
      const db = new Database(join(out, file!), { readonly: true });
      expect(db.query('SELECT status, summary FROM sweeps').get()).toEqual({ status: 'interrupted', summary: JSON.stringify({ error: 'interrupted by SIGINT', results: 0 }) });
      db.close();
    } finally {
      client.disconnect();
      await queue.close();
    }
  }, LONG);

  test('a worker skips the jobs of a sweep whose data is gone from Redis instead of running the rest of it', async () => {
    const worker = startWorker(1);
    await worker.until((line) => line.startsWith('sweep:worker on'));
    // 51 × 31 combinations: the coordinator dies (no clean-up) long before a worker gets through them.
    const coordinator = spawnCoordinator(join(dir, 'killed-queue'), 'lookback=10:60:1,entry_z=1.5:3:0.05', ['bun', join(ROOT, 'scripts', 'sweep.ts')]);
    const first = await worker.until((line) => line.startsWith('done '));
    coordinator.kill('SIGKILL');
    await coordinator.exited;
    const sweepId = first.slice('done '.length).replace(/-j\d+$/, '');
    const client = new IORedis(url);
    const queue = new Queue(SWEEP_QUEUE, { connection: { url } });
    try {
      expect(await client.del(sweepDataKey(sweepId))).toBe(1);
      await worker.until((line) => line.startsWith(`skip ${sweepId}-j`));
      const count = (prefix: string) => worker.lines.filter((line) => line.startsWith(`${prefix} ${sweepId}-`)).length;
      for (;;) {
        const { wait, active } = await queue.getJobCounts('wait', 'active');
        if (wait === 0 && active === 0 && count('took') === count('done') + count('skip')) break;
        await Bun.sleep(50);
      }
      // Only the jobs in hand when the data went were finished; the rest (of 1,577: the schema refuses 4) were
      // skipped, not run.
      expect(count('took')).toBe(1_577);
      expect(count('skip')).toBeGreaterThan(1_500);
      expect(worker.lines.find((line) => line.startsWith(`skip ${sweepId}-`))).toMatch(/^skip \S+-j\d+: sweep \S+ is over$/);
      await queue.clean(0, 10_000, 'failed');
      await queue.clean(0, 10_000, 'completed');
    } finally {
      client.disconnect();
      await queue.close();
    }
  }, LONG);

  test('Redis restarted without its data mid-sweep: the coordinator says so in one line, sends the lost jobs again, and the sweep completes with the local rows', async () => {
    for (const other of workers.splice(0)) await stopWorker(other);
    const out = join(dir, 'redis-restarted');
    // No worker yet: every job waits in Redis when it goes.
    const coordinator = Bun.spawn(
      ['bun', join(ROOT, 'scripts', 'sweep.ts'), '--strategy', 'mean_reversion', '--symbols', 'BTC/USD', '--timeframe', '1d', '--from', '2016-01-01', '--to', '2024-12-31', '--grid', GRID, '--queue', url, '--db', dbPath, '--out', out, '--keep', '0', '--quiet'],
      { cwd: ROOT, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' },
    );
    const stderr = new Response(coordinator.stderr).text();
    const queue = new Queue(SWEEP_QUEUE, { connection: { url } });
    while ((await queue.getJobCounts('wait')).wait < COMBINATIONS) await Bun.sleep(50);
    await queue.close();
    // `--save '' --appendonly no`, as the README starts it: a restarted Redis is empty.
    redis!.kill('SIGKILL');
    await redis!.exited;
    await Bun.sleep(2_000);
    startRedis();
    startWorker(1);
    // It used to wait for the lost jobs for ever.
    const exited = await Promise.race([coordinator.exited, Bun.sleep(60_000).then(() => 'still waiting')]);
    if (exited === 'still waiting') coordinator.kill('SIGKILL');
    const lines = (await stderr).split('\n').filter((line) => line !== '');
    expect(exited).toBe(0);
    const [file] = readdirSync(out).filter((f) => f.endsWith('.db'));
    const db = new Database(join(out, file!), { readonly: true });
    const rows = db.query(`SELECT combination, params, metric, summary FROM sweep_results WHERE phase = 'full' ORDER BY seq`).all();
    const status = db.query('SELECT status FROM sweeps').get();
    db.close();
    expect(status).toEqual({ status: 'finished' });
    expect(rows).toEqual(rowsOf(local).rows);
    // One line each: lost, back, the jobs sent again; no stack trace per failed reconnection.
    expect(lines.filter((line) => line.startsWith('sweep: lost Redis: ')).length).toBeGreaterThanOrEqual(1);
    expect(lines.filter((line) => line.startsWith('sweep: lost Redis: ')).length).toBeLessThanOrEqual(2);
    expect(lines).toContain('sweep: Redis answers again');
    expect(lines).toContain(`sweep: Redis lost this sweep's data and jobs (restarted without persistence?): sending it again with the ${COMBINATIONS} job(s) not yet collected`);
    expect(lines.filter((line) => !line.startsWith('sweep: '))).toEqual([]);
  }, LONG);
});

/**
 * A `sweep --queue` coordinator as its own process, so it can be signalled or killed: `bun run sweep` hands a signal
 * on to the script, but SIGKILL must reach the script itself.
 */
function spawnCoordinator(out: string, grid: string, command: string[]) {
  return Bun.spawn(
    [...command, '--strategy', 'mean_reversion', '--symbols', 'BTC/USD', '--timeframe', '1d', '--from', '2016-01-01', '--to', '2024-12-31', '--grid', grid, '--queue', url, '--db', dbPath, '--out', out, '--keep', '0', '--quiet'],
    { cwd: ROOT, stdin: 'ignore', stdout: 'ignore', stderr: 'ignore' },
  );
}
