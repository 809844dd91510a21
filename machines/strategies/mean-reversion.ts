// Mean reversion on the z-score of the close against its N-bar mean:
// enter long when z < −entryZ, exit when z ≥ −exitZ (back towards the mean); every entry carries a stop-loss.
import { z } from 'zod';
import type { Bar } from '../domain.ts';
import { RollingStats } from '../indicators/rolling-stats.ts';
import { parseConfig } from '../parse-config.ts';
import type { PositionPhase, SignalProposal, Strategy, StrategyDefinition } from './strategy.ts';

export interface MeanReversionParams {
  lookback: number;
  entryZ: number;
  exitZ: number;
  stopLossPct: number;
  takeProfitPct: number | null;
}

export interface MeanReversionState {
  stats: RollingStats;
}

export function meanReversion(params: MeanReversionParams): Strategy<MeanReversionState> {
  const { lookback, entryZ, exitZ, stopLossPct, takeProfitPct } = params;
  return {
    name: 'mean_reversion',
    warmupBars: lookback,
    init: () => ({ stats: new RollingStats(lookback) }),
    onBar(state: MeanReversionState, bar: Bar, phase: PositionPhase): SignalProposal | undefined {
      // z is measured against the window BEFORE this bar, so the bar cannot dilute its own signal.
      const z = state.stats.zScore(bar.close);
      state.stats.update(bar.close);
      if (z === undefined) return undefined;
      if (phase === 'flat' && z < -entryZ) {
        return {
          action: 'BUY',
          // Deeper dislocations get a larger share of the position limit, saturating at 2× the entry threshold.
          confidence: Math.min(1, 0.5 + (-z - entryZ) / (2 * entryZ)),
          stopLoss: bar.close * (1 - stopLossPct),
          takeProfit: takeProfitPct === null ? undefined : bar.close * (1 + takeProfitPct),
          reason: `z ${z.toFixed(2)} < -${entryZ}`,
        };
      }
      if (phase === 'long' && z >= -exitZ) {
        return { action: 'CLOSE', confidence: 1, reason: `z ${z.toFixed(2)} >= -${exitZ} (reverted)` };
      }
      return undefined;
    },
  };
}

const paramsSchema = z
  .object({
    lookback: z.int().min(2),
    entry_z: z.number().positive(),
    exit_z: z.number(),
    stop_loss_pct: z.number().gt(0).lt(1),
    take_profit_pct: z.number().gt(0).nullable().default(null),
  })
  .strict()
  .refine((p) => p.exit_z < p.entry_z, { message: 'exit_z must be below entry_z', path: ['exit_z'] });

export const definition: StrategyDefinition<MeanReversionParams> = {
  name: 'mean_reversion',
  parseParams(raw: unknown): MeanReversionParams {
    const p = parseConfig(paramsSchema, raw);
    return {
      lookback: p.lookback,
      entryZ: p.entry_z,
      exitZ: p.exit_z,
      stopLossPct: p.stop_loss_pct,
      takeProfitPct: p.take_profit_pct,
    };
  },
  create: meanReversion,
};
