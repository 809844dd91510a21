// One Bun Worker per core. A sweep is opened on every thread (its setup and the shared candles, by reference);
// its combinations are then handed out one at a time to whichever thread is free, so a slow combination never
// holds up a whole batch. When every thread is busy and more are waiting, each is sent a second task to start as
// soon as it finishes (no round trip through a main thread that may be busy). A combination that throws fails the
// sweep with its parameters named. The PBO's splits are scored on the same threads, a range each.
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

type Task = Extract<ToWorker, { type: 'job' | 'logits' }>;
type Answer = Exclude<FromWorker, { type: 'failed' }>;
type Unsent<T> = T extends unknown ? Omit<T, 'task'> : never;

interface Pending {
  /** What failed, for the error message. */
  name: string;
  /** The sweep a combination belongs to (dropped when its run fails). */
  sweep?: string;
  thread?: Worker;
  resolve: (answer: Answer) => void;
  reject: (err: Error) => void;
}

export function startThreadPool(size: number): ThreadPool {
  const threads = Array.from({ length: size }, () => new Worker(new URL('./sweep-worker.ts', import.meta.url).href));
  const load = new Map<Worker, number>(threads.map((t) => [t, 0]));
  const pending = new Map<number, Pending>();
  const waiting: { message: Task; pending: Pending }[] = [];
  let nextTask = 0;
  let nextSweep = 0;
  let crashed: Error | undefined;

  const dispatch = () => {
    for (let depth = 1; depth <= DEPTH; depth++) {
      for (const thread of threads) {
        if (waiting.length === 0) return;
        if (load.get(thread)! >= depth) continue;
        const next = waiting.shift()!;
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
      if (answer.type === 'failed') task.reject(new Error(`${task.name}: ${answer.message}`));
      else task.resolve(answer);
      dispatch();
    };
    thread.onerror = (event) => {
      crashed = new Error(`sweep worker crashed: ${event.message}`);
      for (const task of [...pending.values(), ...waiting.splice(0).map((w) => w.pending)]) task.reject(crashed);
      pending.clear();
    };
  }

  /** Queues a task for the next free thread, or (with `thread`) sends it to that one now. */
  const send = (message: Unsent<Task> | Unsent<Extract<ToWorker, { type: 'open' }>>, name: string, sweep?: string, thread?: Worker) =>
    new Promise<Answer>((resolve, reject) => {
      if (crashed !== undefined) return reject(crashed);
      const task = nextTask++;
      const entry: Pending = { name, sweep, resolve, reject };
      pending.set(task, entry);
      if (thread !== undefined) thread.postMessage({ ...message, task } as ToWorker);
      else {
        waiting.push({ message: { ...message, task } as Task, pending: entry });
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

  return {
    size,
    async open(setup, candles) {
      const sweep = `s${nextSweep++}`;
      await Promise.all(threads.map((thread) => send({ type: 'open', sweep, setup, candles }, `opening the sweep on a thread`, undefined, thread)));
      const submit = async (job: CombinationJob): Promise<CombinationOutcome> => {
        const answer = await send({ type: 'job', sweep, job }, `combination ${formatCombination(job.params)}`, sweep);
        if (answer.type !== 'outcome') throw new Error(`sweep worker answered a combination with ${answer.type}`);
        return answer.outcome;
      };
      const dropWaiting = () => {
        for (let i = waiting.length - 1; i >= 0; i--) if (waiting[i]!.pending.sweep === sweep) waiting.splice(i, 1);
      };
      return {
        submit,
        async run(jobs, onOutcome) {
          let failed = false;
          await Promise.all(
            jobs.map((job) =>
              submit(job).then(
                (outcome) => {
                  if (!failed) onOutcome(outcome);
                },
                (err) => {
                  // The first failure fails the sweep; its combinations not yet started are not run.
                  if (!failed) dropWaiting();
                  failed = true;
                  throw err;
                },
              ),
            ),
          );
        },
        splitLogits: splitLogitsOnThreads,
        close() {
          dropWaiting();
          for (const thread of threads) thread.postMessage({ type: 'forget', sweep } satisfies ToWorker);
        },
      };
    },
    close() {
      for (const thread of threads) thread.terminate();
    },
  };
}

/** Threads for one sweep (`bun run sweep`): closing the sweep closes its threads. */
export async function startWorkerPool(size: number, setup: SweepSetup, candles: CandleColumns): Promise<LocalWorkerPool> {
  const threads = startThreadPool(size);
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
