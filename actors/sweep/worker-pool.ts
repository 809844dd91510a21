// One Bun Worker per core. A sweep is opened on every thread (its setup and the shared candles, by reference);
// its combinations are then handed out in shrinking chunks to whichever thread is free (many at once while many
// are left, one at a time at the end), so the threads finish together. When every thread is busy and more are
// waiting, each is sent a second task to start as soon as it finishes (no round trip through a main thread that may
// be busy). A combination that throws fails the sweep with its parameters named. The PBO's splits are scored on
// the same threads, a range each.
//
// The threads outlive a sweep: `bun run sweep` opens one sweep and closes the threads with it, while a sweep:worker
// keeps them for every sweep it serves, so each JavaScriptCore VM compiles the pipeline once (about a CPU-second).
import { placePairLogits, splitPairs, type BlockTotals } from '../../machines/research/overfitting.ts';
import { formatCombination } from '../../machines/research/grid.ts';
import type { CombinationJob, CombinationOutcome, SweepSetup } from './combination.ts';
import type { CandleColumns } from './shared-candles.ts';
import type { FromWorker, ToWorker } from './sweep-worker.ts';

/** Tasks in hand per thread: the one running and the next. */
const DEPTH = 2;
/**
 * A run's combinations go out in tasks of a share of what is left (guided self-scheduling): up to MAX_CHUNK while
 * many remain, so a thread and the coordinator wake once per task rather than once per combination, and down to
 * one at the end, so no thread is left with a long tail while the others idle.
 */
const SHARE_PER_THREAD = 4;
const MAX_CHUNK = 16;

/** How many of the `left` combinations of a run the next task takes, on a pool of `threads`. */
export function chunkSize(left: number, threads: number): number {
  return Math.max(1, Math.min(MAX_CHUNK, Math.floor(left / (threads * SHARE_PER_THREAD))));
}

export interface WorkerPool {
  /**
   * Runs the jobs, handing each outcome to `onOutcome` as it arrives; the pool keeps none of them (what a sweep keeps
   * of each, it decides there: holding every equity curve of a large sweep would grow without bound).
   */
  run(jobs: CombinationJob[], onOutcome: (outcome: CombinationOutcome) => void): Promise<void>;
  /** Every split's λ of the probability of backtest overfitting (Sharpe), in split order. */
  splitLogits(totals: BlockTotals): Promise<ArrayLike<number>>;
  close(): void | Promise<void>;
}

export interface LocalWorkerPool extends WorkerPool {
  /** Runs one combination on the next free thread; rejects with the combination's parameters named. */
  submit(job: CombinationJob): Promise<CombinationOutcome>;
}

export interface ThreadPool {
  readonly size: number;
  /** Hands a sweep to every thread; its combinations then run on them. Closing the sweep keeps the threads. */
  open(setup: SweepSetup, candles: CandleColumns): Promise<LocalWorkerPool>;
  close(): void;
}

type Task = Extract<ToWorker, { type: 'jobs' | 'logits' }>;
type Answer = Exclude<FromWorker, { type: 'failed' }>;
type Unsent<T> = T extends unknown ? Omit<T, 'task'> : never;

interface Pending {
  /** What failed, for the error message; `job` is which of the task's jobs threw, when one did. */
  name: (job?: number) => string;
  /** The sweep a task belongs to (a task still waiting is dropped when its sweep closes). */
  sweep?: string;
  thread?: Worker;
  resolve: (answer: Answer) => void;
  reject: (err: Error) => void;
}

interface Queued {
  message: Task;
  pending: Pending;
}

/** A run's combinations not yet sent, cut into tasks as threads free up. */
interface Feed {
  sweep: string;
  jobs: CombinationJob[];
  next: number;
  task(jobs: CombinationJob[]): Queued;
  fail(err: Error): void;
}

export function startThreadPool(size: number): ThreadPool {
  const threads = Array.from({ length: size }, () => new Worker(new URL('./sweep-worker.ts', import.meta.url).href));
  const load = new Map<Worker, number>(threads.map((t) => [t, 0]));
  const pending = new Map<number, Pending>();
  /** Single tasks (a PBO range, one submitted combination): sent before any run's next chunk. */
  const waiting: Queued[] = [];
  /** Runs with combinations left, served in turn. */
  const feeds: Feed[] = [];
  let nextTask = 0;
  let nextSweep = 0;
  let crashed: Error | undefined;

  const register = (message: Unsent<Task>, entry: Pending): Queued => {
    const task = nextTask++;
    pending.set(task, entry);
    return { message: { ...message, task } as Task, pending: entry };
  };

  const nextQueued = (): Queued | undefined => {
    const single = waiting.shift();
    if (single !== undefined) return single;
    const feed = feeds.shift();
    if (feed === undefined) return undefined;
    const jobs = feed.jobs.slice(feed.next, feed.next + chunkSize(feed.jobs.length - feed.next, threads.length));
    feed.next += jobs.length;
    if (feed.next < feed.jobs.length) feeds.push(feed);
    return feed.task(jobs);
  };

  const dispatch = () => {
    for (let depth = 1; depth <= DEPTH; depth++) {
      for (const thread of threads) {
        if (load.get(thread)! >= depth) continue;
        const next = nextQueued();
        if (next === undefined) return;
        next.pending.thread = thread;
        load.set(thread, load.get(thread)! + 1);
        thread.postMessage(next.message);
      }
    }
  };
  for (const thread of threads) {
    thread.onmessage = (event: MessageEvent<FromWorker>) => {
      const answer = event.data;
      const task = pending.get(answer.task);
      if (task === undefined) return;
      pending.delete(answer.task);
      if (task.thread !== undefined) load.set(task.thread, load.get(task.thread)! - 1);
      if (answer.type === 'failed') task.reject(new Error(`${task.name(answer.job)}: ${answer.message}`));
      else task.resolve(answer);
      dispatch();
    };
    thread.onerror = (event) => {
      crashed = new Error(`sweep worker crashed: ${event.message}`);
      for (const task of [...pending.values(), ...waiting.splice(0).map((w) => w.pending)]) task.reject(crashed);
      for (const feed of feeds.splice(0)) feed.fail(crashed);
      pending.clear();
    };
  }

  /** Queues a task for the next free thread, or (with `thread`) sends it to that one now. */
  const send = (message: Unsent<Task> | Unsent<Extract<ToWorker, { type: 'open' }>>, name: string, sweep?: string, thread?: Worker) =>
    new Promise<Answer>((resolve, reject) => {
      if (crashed !== undefined) return reject(crashed);
      const queued = register(message as Unsent<Task>, { name: () => name, sweep, resolve, reject });
      if (thread !== undefined) thread.postMessage(queued.message);
      else {
        waiting.push(queued);
        dispatch();
      }
    });

  const splitLogitsOnThreads = async (totals: BlockTotals): Promise<Float64Array> => {
    const pairs = splitPairs(totals.blocks);
    // A few ranges per thread, so one slowed down by the machine does not hold up the rest.
    const ranges = Math.min(pairs, size * 4);
    const logits = new Float64Array(2 * pairs);
    await Promise.all(
      Array.from({ length: ranges }, async (_, r) => {
        const first = Math.floor((pairs * r) / ranges);
        const end = Math.floor((pairs * (r + 1)) / ranges);
        const answer = await send({ type: 'logits', totals, first, end }, `PBO split pairs ${first}–${end - 1}`);
        if (answer.type !== 'logits') throw new Error(`sweep worker answered PBO splits with ${answer.type}`);
        placePairLogits(logits, first, answer.logits);
      }),
    );
    return logits;
  };

  /** Runs `jobs` in chunks; the first failure fails the run, and its combinations not yet sent are not run. */
  const runFeed = (sweep: string, jobs: CombinationJob[], onOutcome: (outcome: CombinationOutcome) => void) =>
    new Promise<void>((resolve, reject) => {
      if (crashed !== undefined) return reject(crashed);
      if (jobs.length === 0) return resolve();
      let left = jobs.length;
      let failed = false;
      const feed: Feed = {
        sweep,
        jobs,
        next: 0,
        fail(err) {
          if (failed) return;
          failed = true;
          const at = feeds.indexOf(feed);
          if (at >= 0) feeds.splice(at, 1);
          reject(err);
        },
        task: (chunk) =>
          register(
            { type: 'jobs', sweep, jobs: chunk },
            {
              name: (job) =>
                job !== undefined || chunk.length === 1 ? `combination ${formatCombination(chunk[job ?? 0]!.params)}` : `${chunk.length} combinations from ${formatCombination(chunk[0]!.params)}`,
              sweep,
              resolve(answer) {
                if (failed) return;
                if (answer.type !== 'outcomes') return feed.fail(new Error(`sweep worker answered combinations with ${answer.type}`));
                try {
                  for (const outcome of answer.outcomes) onOutcome(outcome);
                } catch (err) {
                  return feed.fail(err as Error);
                }
                left -= answer.outcomes.length;
                if (left === 0) resolve();
              },
              reject: (err) => feed.fail(err),
            },
          ),
      };
      feeds.push(feed);
      dispatch();
    });

  return {
    size,
    async open(setup, candles) {
      const sweep = `s${nextSweep++}`;
      await Promise.all(threads.map((thread) => send({ type: 'open', sweep, setup, candles }, `opening the sweep on a thread`, undefined, thread)));
      const submit = async (job: CombinationJob): Promise<CombinationOutcome> => {
        const answer = await send({ type: 'jobs', sweep, jobs: [job] }, `combination ${formatCombination(job.params)}`, sweep);
        if (answer.type !== 'outcomes') throw new Error(`sweep worker answered a combination with ${answer.type}`);
        return answer.outcomes[0]!;
      };
      return {
        submit,
        run: (jobs, onOutcome) => runFeed(sweep, jobs, onOutcome),
        splitLogits: splitLogitsOnThreads,
        close() {
          for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i]!.pending.sweep === sweep) waiting.splice(i, 1);
          for (const feed of feeds.filter((f) => f.sweep === sweep)) feed.fail(new Error('the sweep was closed before its combinations finished'));
          for (const thread of threads) thread.postMessage({ type: 'forget', sweep } satisfies ToWorker);
        },
      };
    },
    close() {
      for (const thread of threads) thread.terminate();
    },
  };
}

/** Threads for one sweep (`bun run sweep`), new or just started for it: closing the sweep closes its threads. */
export async function startWorkerPool(sizeOrThreads: number | ThreadPool, setup: SweepSetup, candles: CandleColumns): Promise<LocalWorkerPool> {
  const threads = typeof sizeOrThreads === 'number' ? startThreadPool(sizeOrThreads) : sizeOrThreads;
  const sweep = await threads.open(setup, candles).catch((err: Error) => {
    threads.close();
    throw new Error(`sweep worker failed to start: ${err.message}`);
  });
  return {
    ...sweep,
    close() {
      threads.close();
    },
  };
}
