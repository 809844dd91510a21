// A Bun Worker of the sweep pool: receives the sweep's setup and the shared candle columns once, then runs the
// combinations it is sent, one at a time, and posts each outcome back; also scores ranges of the PBO's splits.
import { loadRiskLimits, loadStrategyDefinition, loadVenueConfig } from '../adapters/config.ts';
import { runCombination, type CombinationEnv, type CombinationJob, type CombinationOutcome, type SweepSetup } from './combination.ts';
import { splitLogits, type BlockTotals } from '../../machines/research/overfitting.ts';
import type { CandleColumns } from './shared-candles.ts';

declare const self: Worker;

export type ToWorker =
  | { type: 'init'; setup: SweepSetup; candles: CandleColumns }
  | { type: 'job'; job: CombinationJob }
  | { type: 'logits'; totals: BlockTotals; first: number; end: number };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'outcome'; outcome: CombinationOutcome }
  | { type: 'logits'; logits: Float64Array }
  | { type: 'failed'; message: string };

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
  if (message.type === 'logits') {
    try {
      const logits = splitLogits(message.totals, message.first, message.end);
      self.postMessage({ type: 'logits', logits } satisfies FromWorker, [logits.buffer]);
    } catch (err) {
      self.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
    }
    return;
  }
  try {
    const outcome = runCombination(setup!, env!, candles!, message.job);
    // The curve's buffers are transferred: no copy, nothing to parse on the other side.
    self.postMessage({ type: 'outcome', outcome } satisfies FromWorker, [outcome.equityTs.buffer, outcome.equity.buffer]);
  } catch (err) {
    self.postMessage({ type: 'failed', message: err instanceof Error ? err.message : String(err) } satisfies FromWorker);
  }
};
