// A Bun Worker of the sweep pool: receives the sweep's setup and the shared candle columns once, then runs the
// combinations it is sent, one at a time, and posts each outcome back.
import { loadRiskLimits, loadStrategyDefinition, loadVenueConfig } from '../adapters/config.ts';
import { runCombination, type CombinationEnv, type CombinationJob, type SweepSetup } from './combination.ts';
import type { CandleColumns } from './shared-candles.ts';

declare const self: Worker;

export type ToWorker = { type: 'init'; setup: SweepSetup; candles: CandleColumns } | { type: 'job'; job: CombinationJob };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'outcome'; outcome: import('./combination.ts').CombinationOutcome }
  | { type: 'failed'; id: number; message: string };

let setup: SweepSetup | undefined;
let candles: CandleColumns | undefined;
let env: CombinationEnv | undefined;

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'init') {
    setup = message.setup;
    candles = message.candles;
    const { definition } = await loadStrategyDefinition(setup.strategyName);
    env = { definition, limits: loadRiskLimits(), venue: loadVenueConfig() };
    self.postMessage({ type: 'ready' } satisfies FromWorker);
    return;
  }
  try {
    const outcome = runCombination(setup!, env!, candles!, message.job);
    self.postMessage({ type: 'outcome', outcome } satisfies FromWorker);
  } catch (err) {
    self.postMessage({ type: 'failed', id: message.job.id, message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  }
};
