// One Bun Worker per core, each holding the sweep's setup and the shared candles; combinations are handed out one
// at a time to whichever worker is free, so a slow combination never holds up a whole batch. A combination that
// throws fails the sweep with its parameters named.
import { formatCombination } from '../../machines/research/grid.ts';
import type { CombinationJob, CombinationOutcome, SweepSetup } from './combination.ts';
import type { CandleColumns } from './shared-candles.ts';
import type { FromWorker, ToWorker } from './sweep-worker.ts';

export interface WorkerPool {
  run(jobs: CombinationJob[], onOutcome: (outcome: CombinationOutcome) => void): Promise<CombinationOutcome[]>;
  close(): void;
}

export async function startWorkerPool(size: number, setup: SweepSetup, candles: CandleColumns): Promise<WorkerPool> {
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
  return {
    run(jobs, onOutcome) {
      return new Promise((resolve, reject) => {
        const outcomes: CombinationOutcome[] = [];
        const byId = new Map(jobs.map((job) => [job.id, job]));
        let next = 0;
        let failed = false;
        const feed = (worker: Worker) => {
          if (failed) return;
          if (next < jobs.length) worker.postMessage({ type: 'job', job: jobs[next++]! } satisfies ToWorker);
          else if (outcomes.length === jobs.length) resolve(outcomes);
        };
        for (const worker of workers) {
          worker.onmessage = (event: MessageEvent<FromWorker>) => {
            const message = event.data;
            if (message.type === 'failed') {
              failed = true;
              const job = byId.get(message.id)!;
              reject(new Error(`combination ${formatCombination(job.params)}: ${message.message}`));
              return;
            }
            if (message.type !== 'outcome') return;
            outcomes.push(message.outcome);
            onOutcome(message.outcome);
            feed(worker);
          };
          worker.onerror = (event) => {
            failed = true;
            reject(new Error(`sweep worker crashed: ${event.message}`));
          };
        }
        if (jobs.length === 0) resolve([]);
        for (const worker of workers) feed(worker);
      });
    },
    close() {
      for (const worker of workers) worker.terminate();
    },
  };
}
