// A Bun Worker of the sweep thread pool. It keeps the setup and shared candle columns of each sweep it is opened
// for — a sweep:worker's threads outlive its sweeps, so their compiled code stays warm — runs the combinations it is
// sent, a few at a time, and scores ranges of the PBO's splits. Every answer names the task it answers.
import { pairLogits, type BlockTotals } from '../../machines/research/overfitting.ts';
import { loadRiskLimits, loadStrategyDefinition, loadVenueConfig } from '../adapters/config.ts';
import { runCombination, type CombinationEnv, type CombinationJob, type CombinationOutcome, type SweepSetup } from './combination.ts';
import type { CandleColumns } from './shared-candles.ts';

declare const self: Worker;

export type ToWorker =
  | { type: 'open'; task: number; sweep: string; setup: SweepSetup; candles: CandleColumns }
  /** Combinations run one after another and answered together (one message, one wake-up, for the lot). */
  | { type: 'jobs'; task: number; sweep: string; jobs: CombinationJob[] }
  /** Split pairs [first, end) of the PBO (pairLogits). */
  | { type: 'logits'; task: number; totals: BlockTotals; first: number; end: number }
  | { type: 'forget'; sweep: string };
export type FromWorker =
  | { type: 'opened'; task: number }
  | { type: 'outcomes'; task: number; outcomes: CombinationOutcome[] }
  | { type: 'logits'; task: number; logits: Float64Array }
  /** `job`: which of a task's jobs threw. */
  | { type: 'failed'; task: number; message: string; job?: number };

interface OpenSweep {
  setup: SweepSetup;
  candles: CandleColumns;
  env: CombinationEnv;
}

const sweeps = new Map<string, OpenSweep>();

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'forget') {
    sweeps.delete(message.sweep);
    return;
  }
  try {
    if (message.type === 'open') {
      // Read at every open: a long-running sweep:worker answers each sweep with the config it has now.
      const { definition } = await loadStrategyDefinition(message.setup.strategyName);
      const env = { definition, limits: loadRiskLimits(), venue: loadVenueConfig() };
      sweeps.set(message.sweep, { setup: message.setup, candles: message.candles, env });
      self.postMessage({ type: 'opened', task: message.task } satisfies FromWorker);
    } else if (message.type === 'jobs') {
      const sweep = sweeps.get(message.sweep);
      if (sweep === undefined) throw new Error(`sweep ${message.sweep} is not open on this thread`);
      const outcomes: CombinationOutcome[] = [];
      for (const [at, job] of message.jobs.entries()) {
        try {
          outcomes.push(runCombination(sweep.setup, sweep.env, sweep.candles, job));
        } catch (err) {
          self.postMessage({ type: 'failed', task: message.task, job: at, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
          return;
        }
      }
      // The curves' buffers are transferred: no copy, nothing to parse on the other side.
      const buffers = outcomes.flatMap((o) => [o.equityTs.buffer, o.equity.buffer]);
      self.postMessage({ type: 'outcomes', task: message.task, outcomes } satisfies FromWorker, buffers);
    } else {
      const logits = pairLogits(message.totals, message.first, message.end);
      self.postMessage({ type: 'logits', task: message.task, logits } satisfies FromWorker, [logits.buffer]);
    }
  } catch (err) {
    self.postMessage({ type: 'failed', task: message.task, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  }
};
