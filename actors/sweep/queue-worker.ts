// bun run sweep:worker's engine: takes combination jobs from the BullMQ queue, runs them on this machine's cores
// through one thread pool (a Bun Worker per job slot, kept for every sweep, so each thread compiles the pipeline
// once), and returns each outcome as the job's return value. A sweep's setup and candles are read from Redis once
// per sweep and kept on the threads while its jobs keep coming.
//
// A worker that dies mid-job: its lock (lockMs) is no longer renewed — the main thread renews it every lockMs / 2
// and stays free to do so, because the backtests run on the pool's threads — so the stalled-job check of any other
// worker (every lockMs) moves the job back to the queue, up to MAX_STALLED times, and another worker runs it.
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { configDigest, connectOrFail, DEFAULT_LOCK_MS, MAX_STALLED, readSweepData, SWEEP_QUEUE, sweepDataKey, toQueuedOutcome, type QueuedCombination, type QueuedOutcome } from './sweep-queue.ts';
import { startThreadPool, type LocalWorkerPool, type ThreadPool } from './worker-pool.ts';

export interface SweepWorkerOptions {
  url: string;
  /** Jobs run at once, each on its own thread (default: one per core). */
  concurrency: number;
  lockMs?: number;
  /** One line per sweep opened and per job taken and finished (`open <sweep id> …`, `took <job id>`, `done <job id>`). */
  log?: (line: string) => void;
}

export interface SweepQueueWorker {
  /** Finishes the jobs in hand, then disconnects. */
  close(): Promise<void>;
}

interface SweepContext {
  sweepId: string;
  pool: LocalWorkerPool;
  inFlight: number;
}

export async function startSweepQueueWorker(options: SweepWorkerOptions): Promise<SweepQueueWorker> {
  const log = options.log ?? (() => {});
  const lockMs = options.lockMs ?? DEFAULT_LOCK_MS;
  const redis: Redis = await connectOrFail(options.url);
  const contexts = new Map<string, Promise<SweepContext>>();
  let latest: string | undefined;
  let threads: ThreadPool | undefined;
  let opened = 0;

  const contextFor = (sweepId: string): Promise<SweepContext> => {
    let context = contexts.get(sweepId);
    if (context === undefined) {
      context = (async () => {
        const data = await readSweepData(redis, sweepId);
        if (data === undefined) throw new UnrecoverableError(`sweep ${sweepId} is over: its data is no longer in Redis`);
        const digest = configDigest(data.setup.strategyName);
        if (digest !== data.digest) {
          throw new UnrecoverableError(`this worker's config/risk.yaml, config/backtest.yaml or ${data.setup.strategyName} differ from the coordinator's: run the same checkout`);
        }
        threads ??= startThreadPool(options.concurrency);
        const pool = await threads.open(data.setup, data.candles);
        log(`open ${sweepId} on ${threads.size} thread(s), ${opened++} sweep(s) run on them before`);
        return { sweepId, pool, inFlight: 0 };
      })();
      contexts.set(sweepId, context);
      // A failed set-up is not kept, so a later job of the sweep tries again (unless it failed for good).
      context.catch(() => contexts.delete(sweepId));
    }
    latest = sweepId;
    return context;
  };

  /** Frees the threads of a sweep that is over, once none of its jobs is in hand. */
  const forget = async (sweepId: string) => {
    const pending = contexts.get(sweepId);
    const context = await pending?.catch(() => undefined);
    if (context !== undefined && context.inFlight === 0 && contexts.get(sweepId) === pending) {
      contexts.delete(sweepId);
      context.pool.close();
    }
  };

  // A sweep's data leaves the threads once a newer sweep has started here and the older has no job in hand.
  const closeFinished = async () => {
    for (const sweepId of [...contexts.keys()]) if (sweepId !== latest) await forget(sweepId);
  };

  const worker = new Worker<QueuedCombination, QueuedOutcome>(
    SWEEP_QUEUE,
    async (job: Job<QueuedCombination, QueuedOutcome>) => {
      log(`took ${job.id}`);
      // A sweep whose coordinator is gone (it deletes the data when it ends or is stopped) is not worth running:
      // one EXISTS per job, against a backtest's worth of work.
      if ((await redis.exists(sweepDataKey(job.data.sweepId))) === 0) {
        log(`skip ${job.id}: sweep ${job.data.sweepId} is over`);
        void forget(job.data.sweepId);
        throw new UnrecoverableError(`sweep ${job.data.sweepId} is over: its data is no longer in Redis`);
      }
      const context = await contextFor(job.data.sweepId);
      context.inFlight++;
      try {
        const outcome = await context.pool.submit(job.data.job).catch((err: Error) => {
          throw new UnrecoverableError(err.message);
        });
        log(`done ${job.id}`);
        return toQueuedOutcome(outcome);
      } finally {
        context.inFlight--;
        void closeFinished();
      }
    },
    {
      connection: redis,
      concurrency: options.concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: MAX_STALLED,
    },
  );
  // ioredis retries a lost connection every few hundred ms: say so once, and once more when it is back.
  let lastError: string | undefined;
  worker.on('error', (err) => {
    if (err.message === lastError) return;
    // A job whose key is gone was deleted under the worker (Redis restarted without its data, or flushed): Redis
    // answers, the result has nowhere to go, and the coordinator sends the jobs it lost again.
    if (/^Missing key for job/.test(err.message)) {
      log(`error ${err.message}: the job is gone from Redis (restarted without its data, or flushed?); its result is dropped and the coordinator sends lost jobs again`);
      return;
    }
    lastError = err.message;
    log(`error ${err.message} (retrying until Redis answers)`);
  });
  redis.on('ready', () => {
    if (lastError === undefined) return;
    lastError = undefined;
    log('Redis answers again');
  });
  await worker.waitUntilReady();

  return {
    async close() {
      await worker.close();
      for (const pending of contexts.values()) (await pending.catch(() => undefined))?.pool.close();
      threads?.close();
      redis.disconnect();
    },
  };
}
