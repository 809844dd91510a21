// The coordinator's side of a sweep through Redis: the same WorkerPool interface as the local pool, so run-sweep
// stores, ranks and reports exactly as it does locally. Each combination becomes one BullMQ job; the sweep's setup
// and candles are written to Redis once. Finished jobs wait in BullMQ's completed set (their return value is the
// outcome) until the coordinator collects them: it takes each job id once, hands the outcome on, then removes the
// job. A job taken back from a dead worker and finished twice still has one id, so it is counted once.
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { formatCombination } from '../../machines/research/grid.ts';
import { splitLogits } from '../../machines/research/overfitting.ts';
import type { SweepSetup } from './combination.ts';
import type { CandleColumns } from './shared-candles.ts';
import { configDigest, fromQueuedOutcome, queueJobId, SWEEP_QUEUE, sweepDataKey, writeSweepData, type QueuedCombination, type QueuedOutcome } from './sweep-queue.ts';
import type { WorkerPool } from './worker-pool.ts';

/** How often the coordinator looks for finished jobs; only latency depends on it. */
const POLL_MS = 100;
const PAGE = 200;
/** The longest closing waits for Redis to drop the sweep's data and waiting jobs. */
const CLOSE_MS = 5_000;

/** Takes over `redis` (connected with connectOrFail): closing the pool disconnects it. */
/**
 * `log`: one line when the connection to Redis is lost (once per distinct error, as ioredis retries), when it answers
 * again, and when Redis has lost the sweep's jobs.
 */
export async function startQueuePool(redis: Redis, sweepId: string, setup: SweepSetup, candles: CandleColumns, log: (line: string) => void = () => {}): Promise<WorkerPool> {
  const queue = new Queue<QueuedCombination, QueuedOutcome>(SWEEP_QUEUE, {
    connection: redis,
    // The outcome is in each job; the event stream need not keep many copies of it.
    streams: { events: { maxLen: 100 } },
  });
  // Without a listener each failed reconnection (every few hundred ms while Redis is down) printed a stack trace.
  let lastError: string | undefined;
  queue.on('error', (err) => {
    if (err.message === lastError) return;
    lastError = err.message;
    log(`sweep: lost Redis: ${err.message} (waiting until it answers again)`);
  });
  redis.on('ready', () => {
    if (lastError === undefined) return;
    lastError = undefined;
    log('sweep: Redis answers again');
  });
  const digest = configDigest(setup.strategyName);
  await writeSweepData(redis, sweepId, setup, candles, digest);
  let closed = false;
  const outstanding = new Set<string>();

  return {
    async run(jobs, onOutcome) {
      const byQueueId = new Map(jobs.map((job) => [queueJobId(sweepId, job.id), job]));
      const taken = new Set<string>();
      for (const id of byQueueId.keys()) outstanding.add(id);
      const add = (some: typeof jobs) => queue.addBulk(
        some.map((job) => ({
          name: 'combination',
          data: { sweepId, job },
          opts: {
            jobId: queueJobId(sweepId, job.id),
            // A combination that throws is deterministic: another attempt would throw again.
            attempts: 1,
            // Collected jobs are removed by the coordinator; these bound what a coordinator that died leaves.
            removeOnComplete: { age: 7 * 24 * 3600 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        })),
      );
      await add(jobs);
      const take = async (job: Job<QueuedCombination, QueuedOutcome>) => {
        const id = job.id!;
        if (!byQueueId.has(id) || taken.has(id)) return;
        taken.add(id);
        outstanding.delete(id);
        onOutcome(fromQueuedOutcome(job.returnvalue));
        await job.remove().catch(() => undefined);
      };
      const firstFailed = (pages: number) =>
        firstInPages((start, end) => queue.getJobs(['failed'], start, end), (job) => job !== undefined && byQueueId.has(job.id!), pages);
      let polledAt = -1;
      while (taken.size < jobs.length) {
        if (closed) throw new Error('the sweep was closed before its jobs finished');
        // The newest failures every poll; all of them when nothing came in (others' failures may hide an older one of ours).
        const failed = await firstFailed(taken.size === polledAt ? Number.POSITIVE_INFINITY : 1);
        polledAt = taken.size;
        if (failed !== undefined) {
          const job = byQueueId.get(failed.id!)!;
          throw new Error(`combination ${formatCombination(job.params)}: ${failed.failedReason}`);
        }
        const before = taken.size;
        for (let start = 0; ; start += PAGE) {
          const page = await queue.getJobs(['completed'], start, start + PAGE - 1, true);
          for (const job of page) if (job !== undefined) await take(job);
          if (page.length < PAGE) break;
        }
        if (taken.size === before) {
          // The sweep's data is deleted only when the sweep ends: gone now, Redis lost its keys (restarted without
          // persistence, flushed), and with them every job not yet collected; no worker would ever finish them.
          if ((await redis.exists(sweepDataKey(sweepId))) === 0 && !closed) {
            const lost = jobs.filter((job) => !taken.has(queueJobId(sweepId, job.id)));
            log(`sweep: Redis lost this sweep's data and jobs (restarted without persistence?): sending it again with the ${lost.length} job(s) not yet collected`);
            await writeSweepData(redis, sweepId, setup, candles, digest);
            // A job that did survive keeps its id: adding it again is a no-op.
            await add(lost);
          }
          await Bun.sleep(POLL_MS);
        }
      }
    },
    // The coordinator's own thread: the workers are on other machines.
    async splitLogits(totals) {
      return splitLogits(totals);
    },
    async close() {
      closed = true;
      // The sweep's data first (one command, and a worker skips the jobs of a sweep whose data is gone), then the
      // jobs no worker has taken yet (a running one cannot be removed: it is locked). Best effort and bounded: a
      // coordinator stopped by Ctrl-C, or whose Redis is gone, must still exit; what is left expires in 7 days.
      const cleanup = Promise.allSettled([redis.del(sweepDataKey(sweepId)), ...[...outstanding].map((id) => queue.remove(id))]).then(() => queue.close());
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([cleanup.catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_MS)))]);
      clearTimeout(timer);
      redis.disconnect();
    },
  };
}

/**
 * The first item `wanted` picks from a list read in pages of PAGE (`read(start, end)`, end inclusive), newest first,
 * looking at `pages` pages at most: a queue shared by many sweeps may hold any number of others' failed jobs.
 */
export async function firstInPages<T>(read: (start: number, end: number) => Promise<T[]>, wanted: (item: T) => boolean, pages: number): Promise<T | undefined> {
  for (let start = 0, n = 0; n < pages; start += PAGE, n++) {
    const page = await read(start, start + PAGE - 1);
    const found = page.find(wanted);
    if (found !== undefined || page.length < PAGE) return found;
  }
  return undefined;
}
