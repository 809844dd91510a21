// Mean reversion on the z-score of the close: enter long when z < −entry_z, exit when z ≥ −exit_z (back towards
// the mean); every entry carries a stop-loss.
//
// The z-score of bar t is z = (close_t − mean) / std over `lookback` closes, where
// - window `including_current` (the default) takes the `lookback` closes ending at bar t, as pandas'
//   `rolling(N)`, TA-Lib and backtrader do; `previous` takes the `lookback` closes before bar t, so the bar
//   cannot dilute its own signal (|z| is then unbounded, while including the bar caps it at (N − 1) / sqrt(N)
//   with the sample std);
// - std `sample` (the default, pandas' `.std()`) divides the squared deviations by N − 1, `population`
//   (TA-Lib's STDDEV, backtrader's StdDev) by N.
// No z exists while the window is filling or when all its closes are equal (std 0): no signal then.
import { z } from 'zod';
import type { Bar } from '../domain.ts';
import { RollingStats } from '../indicators/rolling-stats.ts';
import {
  barsUntilReady,
  describeStd,
  describeWindow,
  MAX_WINDOW_BARS,
  MAX_WINDOW_MESSAGE,
  STD_KINDS,
  WINDOW_KINDS,
  type StdKind,
  type WindowKind,
} from '../indicators/window.ts';
import { parseConfig } from '../parse-config.ts';
import { formatComparison } from './reason-format.ts';
import type { PositionPhase, SignalProposal, Strategy, StrategyDefinition } from './strategy.ts';

export interface MeanReversionParams {
  lookback: number;
  entryZ: number;
  exitZ: number;
  stopLossPct: number;
  takeProfitPct: number | null;
  window: WindowKind;
  std: StdKind;
}

export interface MeanReversionState {
  stats: RollingStats;
  /** The z-score of the latest close (undefined while warming up or for a window with no spread). */
  z: number | undefined;
}

/** Scores `close` under the chosen window definition and moves the window past it. */
export function scoreClose(stats: RollingStats, close: number, window: WindowKind): number | undefined {
  if (window === 'previous') {
    const z = stats.zScore(close);
    stats.update(close);
    return z;
  }
  stats.update(close);
  return stats.zScore(close);
}

/**
 * The largest |z| a close can score against a window that includes it: (N − 1) / sqrt(N) with the sample std,
 * sqrt(N − 1) with the population std (one outlier among N − 1 equal closes). Unbounded for `previous`.
 */
export function maxAbsZ(lookback: number, window: WindowKind, std: StdKind): number {
  if (window === 'previous') return Infinity;
  return std === 'sample' ? (lookback - 1) / Math.sqrt(lookback) : Math.sqrt(lookback - 1);
}

export function describeMeanReversion(params: Pick<MeanReversionParams, 'lookback' | 'window' | 'std'>): string {
  return (
    `z = (close − mean) / std over ${describeWindow(params.lookback, params.window)} ` +
    `(window: ${params.window}), ${describeStd(params.std)} (std: ${params.std})`
  );
}

export function meanReversion(params: MeanReversionParams): Strategy<MeanReversionState> {
  const { lookback, entryZ, exitZ, stopLossPct, takeProfitPct, window, std } = params;
  return {
    name: 'mean_reversion',
    warmupBars: barsUntilReady(lookback, window),
    description: describeMeanReversion(params),
    init: () => ({ stats: new RollingStats(lookback, std), z: undefined }),
    onBar(state: MeanReversionState, bar: Bar, phase: PositionPhase): SignalProposal | undefined {
      const z = scoreClose(state.stats, bar.close, window);
      state.z = z;
      if (z === undefined) return undefined;
      if (phase === 'flat' && z < -entryZ) {
        const shown = formatComparison(z, -entryZ);
        return {
          action: 'BUY',
          // Deeper dislocations get a larger share of the position limit, saturating at 2× the entry threshold.
          confidence: Math.min(1, 0.5 + (-z - entryZ) / (2 * entryZ)),
          stopLoss: bar.close * (1 - stopLossPct),
          takeProfit: takeProfitPct === null ? undefined : bar.close * (1 + takeProfitPct),
          reason: `z ${shown.value} < entry ${shown.threshold} (stretched below the ${lookback}-bar mean)`,
        };
      }
      if (phase === 'long' && z >= -exitZ) {
        const shown = formatComparison(z, -exitZ);
        return { action: 'CLOSE', confidence: 1, reason: `z ${shown.value} ≥ exit ${shown.threshold} (reverted to mean)` };
      }
      return undefined;
    },
  };
}

const paramsSchema = z
  .object({
    lookback: z.int().min(2).max(MAX_WINDOW_BARS, MAX_WINDOW_MESSAGE),
    entry_z: z.number().positive(),
    exit_z: z.number(),
    stop_loss_pct: z.number().gt(0).lt(1),
    take_profit_pct: z.number().gt(0).nullable().default(null),
    window: z.enum(WINDOW_KINDS).default('including_current'),
    std: z.enum(STD_KINDS).default('sample'),
  })
  .strict()
  .refine((p) => p.exit_z < p.entry_z, { message: 'exit_z must be below entry_z', path: ['exit_z'] })
  // A window that includes the bar bounds |z|: an entry beyond the bound would silently never trade.
  .superRefine((p, ctx) => {
    const bound = maxAbsZ(p.lookback, p.window, p.std);
    if (p.entry_z < bound) return;
    ctx.addIssue({
      code: 'custom',
      path: ['entry_z'],
      message:
        `can never be reached: with lookback ${p.lookback}, window ${p.window} and the ${p.std} std |z| ≤ ${bound.toFixed(2)}; ` +
        'lower it, lengthen the lookback or use window: previous',
    });
  });

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
      window: p.window,
      std: p.std,
    };
  },
  create: meanReversion,
};
