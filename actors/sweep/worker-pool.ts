// One Bun Worker per core, each holding the sweep's setup and the shared candles; combinations are handed out one
// at a time to whichever worker is free, so a slow combination never holds up a whole batch. When every worker is
// busy and more are waiting, each is sent a second one to start as soon as it finishes (no round trip through a
// main thread that may be busy). A combination that throws fails the sweep with its parameters named. `submit`
// takes one combination at a time, for a caller that receives them one by one (a queue worker,
// actors/sweep/queue-worker.ts). The PBO's splits are scored on the same workers, a range each.
import { splitCount, splitLogits, type BlockTotals } from '../../machines/research/overfitting.ts';
import { formatCombination } from '../../machines/research/grid.ts';
import type { CombinationJob, CombinationOutcome, SweepSetup } from './combination.ts';
import type { CandleColumns } from './shared-candles.ts';
import type { FromWorker, ToWorker } from './sweep-worker.ts';

/** Tasks in hand per worker: the one running and the next. */
const DEPTH = 2;

export interface WorkerPool {
  run(jobs: CombinationJob[], onOutcome: (outcome: CombinationOutcome) => void): Promise<CombinationOutcome[]>;
  /** Every split's λ of the probability of backtest overfitting (Sharpe), in split order. */
  splitLogits(totals: BlockTotals): Promise<ArrayLike<number>>;
  close(): void | Promise<void>;
}

export interface LocalWorkerPool extends WorkerPool {
  /** Runs one combination on the next free worker; rejects with the combination's parameters named. */
  submit(job: CombinationJob): Promise<CombinationOutcome>;
}

interface Pending {
  task: Extract<ToWorker, { type: 'job' | 'logits' }>;
  /** What failed, for the error message. */
  name: string;
  resolve: (message: Exclude<FromWorker, { type: 'ready' | 'failed' }>) => void;
  reject: (err: Error) => void;
}

export async function startWorkerPool(size: number, setup: SweepSetup, candles: CandleColumns): Promise<LocalWorkerPool> {
  const workers = Array.from({ length: size }, () => new Worker(new URL('./sweep-worker.ts', import.meta.url).href));
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.onmessage = (event: MessageEvent<FromWorker>) => (event.data.type === 'ready' ? resolve() : reject(new Error('sweep worker did not start')));
          worker.onerror = (event) => reject(new Error(`sweep worker failed to start: ${event.message}`));
          worker.postMessage({ type: 'init', setup, candles } satisfies ToWorker);
        }),
    ),
  );

  const waiting: Pending[] = [];
  // The tasks sent to each worker, in the order it runs them.
  const sent = new Map<Worker, Pending[]>(workers.map((w) => [w, []]));
  let crashed: Error | undefined;
  const dispatch = () => {
    for (let depth = 1; depth <= DEPTH; depth++) {
      for (const worker of workers) {
        const queue = sent.get(worker)!;
        if (waiting.length === 0) return;
        if (queue.length >= depth) continue;
        const pending = waiting.shift()!;
        queue.push(pending);
        worker.postMessage(pending.task);
      }
    }
  };
  for (const worker of workers) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type === 'ready') return;
      const pending = sent.get(worker)!.shift();
      if (pending === undefined) return;
      if (message.type === 'failed') pending.reject(new Error(`${pending.name}: ${message.message}`));
      else pending.resolve(message);
      dispatch();
    };
    worker.onerror = (event) => {
      crashed = new Error(`sweep worker crashed: ${event.message}`);
      for (const pending of [...[...sent.values()].flatMap((queue) => queue.splice(0)), ...waiting.splice(0)]) pending.reject(crashed);
    };
  }

  const enqueue = (task: Pending['task'], name: string) =>
    new Promise<Parameters<Pending['resolve']>[0]>((resolve, reject) => {
      if (crashed !== undefined) return reject(crashed);
      waiting.push({ task, name, resolve, reject });
      dispatch();
    });

  const submit = async (job: CombinationJob): Promise<CombinationOutcome> => {
    const message = await enqueue({ type: 'job', job }, `combination ${formatCombination(job.params)}`);
    if (message.type !== 'outcome') throw new Error(`sweep worker answered a combination with ${message.type}`);
    return message.outcome;
  };

  return {
    submit,
    async run(jobs, onOutcome) {
      let failed = false;
      const outcomes = await Promise.all(
        jobs.map((job) =>
          submit(job).then(
            (outcome) => {
              if (!failed) onOutcome(outcome);
              return outcome;
            },
            (err) => {
              // The first failure fails the sweep; the combinations not yet started are not run.
              if (!failed) waiting.splice(0);
              failed = true;
              throw err;
            },
          ),
        ),
      );
      return outcomes;
    },
    async splitLogits(totals) {
      const splits = splitCount(totals.blocks);
      // A few ranges per worker, so one slowed down by the machine does not hold up the rest.
      const ranges = Math.min(splits, size * 4);
      const parts = await Promise.all(
        Array.from({ length: ranges }, async (_, r) => {
          const first = Math.floor((splits * r) / ranges);
          const end = Math.floor((splits * (r + 1)) / ranges);
          const message = await enqueue({ type: 'logits', totals, first, end }, `PBO splits ${first}–${end - 1}`);
          if (message.type !== 'logits') throw new Error(`sweep worker answered PBO splits with ${message.type}`);
          return message.logits;
        }),
      );
      const logits = new Float64Array(splits);
      let at = 0;
      for (const part of parts) {
        logits.set(part, at);
        at += part.length;
      }
      return logits;
    },
    close() {
      for (const worker of workers) worker.terminate();
    },
  };
}

/** The same logits on this thread: for a pool whose workers are elsewhere (a sweep through Redis). */
export function localSplitLogits(totals: BlockTotals): Float64Array {
  return splitLogits(totals, 0, splitCount(totals.blocks));
}
