// One Bun Worker per core, each holding the sweep's setup and the shared candles; combinations are handed out one
// at a time to whichever worker is free, so a slow combination never holds up a whole batch. When every worker is
// busy and more are waiting, each is sent a second one to start as soon as it finishes (no round trip through a
// main thread that may be busy). A combination that throws fails the sweep with its parameters named. `submit` takes one combination at a time, for a caller that
// receives them one by one (a queue worker, actors/sweep/queue-worker.ts).
import { formatCombination } from '../../machines/research/grid.ts';
import type { CombinationJob, CombinationOutcome, SweepSetup } from './combination.ts';
import type { CandleColumns } from './shared-candles.ts';
import type { FromWorker, ToWorker } from './sweep-worker.ts';

/** Combinations in hand per worker: the one running and the next. */
const DEPTH = 2;

export interface WorkerPool {
  run(jobs: CombinationJob[], onOutcome: (outcome: CombinationOutcome) => void): Promise<CombinationOutcome[]>;
  close(): void | Promise<void>;
}

export interface LocalWorkerPool extends WorkerPool {
  /** Runs one combination on the next free worker; rejects with the combination's parameters named. */
  submit(job: CombinationJob): Promise<CombinationOutcome>;
}

interface Pending {
  job: CombinationJob;
  resolve: (outcome: CombinationOutcome) => void;
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
  // The combinations sent to each worker, in the order it runs them.
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
        worker.postMessage({ type: 'job', job: pending.job } satisfies ToWorker);
      }
    }
  };
  for (const worker of workers) {
    worker.onmessage = (event: MessageEvent<FromWorker>) => {
      const message = event.data;
      if (message.type === 'ready') return;
      const pending = sent.get(worker)!.shift();
      if (pending === undefined) return;
      if (message.type === 'failed') pending.reject(new Error(`combination ${formatCombination(pending.job.params)}: ${message.message}`));
      else pending.resolve({ ...message.outcome, equityTs: Array.from(message.outcome.equityTs), equity: Array.from(message.outcome.equity) });
      dispatch();
    };
    worker.onerror = (event) => {
      crashed = new Error(`sweep worker crashed: ${event.message}`);
      for (const pending of [...[...sent.values()].flatMap((queue) => queue.splice(0)), ...waiting.splice(0)]) pending.reject(crashed);
    };
  }

  const submit = (job: CombinationJob) =>
    new Promise<CombinationOutcome>((resolve, reject) => {
      if (crashed !== undefined) return reject(crashed);
      waiting.push({ job, resolve, reject });
      dispatch();
    });

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
    close() {
      for (const worker of workers) worker.terminate();
    },
  };
}
