// RSI reversion: buy when Wilder's RSI falls below `oversold`, sell when it recovers above `exit`, and only
// while the close is above its long moving average (no catching knives in a downtrend). Every entry carries a
// stop-loss. A second strategy to show the interface: this file and its YAML are all it took.
//
// The trend average is the simple mean of `trend_period` closes: with trend_window `including_current` (the
// default, as pandas' `rolling(N).mean()`, TA-Lib's SMA and backtrader) the closes ending at this bar, with
// `previous` the closes before it. The RSI is Wilder's, over the close-to-close changes up to this bar.
import { z } from 'zod';
import type { Bar } from '../domain.ts';
import { Rsi } from '../indicators/rsi.ts';
import { Sma } from '../indicators/sma.ts';
import { barsUntilReady, describeWindow, MAX_WINDOW_BARS, MAX_WINDOW_MESSAGE, WINDOW_KINDS, type WindowKind } from '../indicators/window.ts';
import { parseConfig } from '../parse-config.ts';
import { formatComparison } from './reason-format.ts';
import type { PositionPhase, SignalProposal, Strategy, StrategyDefinition } from './strategy.ts';

export interface RsiReversionParams {
  rsiPeriod: number;
  oversold: number;
  exit: number;
  trendPeriod: number;
  trendWindow: WindowKind;
  stopLossPct: number;
}

export interface RsiReversionState {
  rsi: Rsi;
  trend: Sma;
}

/** The trend average bar `close` is compared with, under the chosen window; moves the window past it. */
export function trendAverage(sma: Sma, close: number, window: WindowKind): number | undefined {
  if (window === 'previous') {
    const before = sma.value;
    sma.update(close);
    return before;
  }
  return sma.update(close);
}

export function rsiReversion(params: RsiReversionParams): Strategy<RsiReversionState> {
  const { rsiPeriod, oversold, exit, trendPeriod, trendWindow, stopLossPct } = params;
  return {
    name: 'rsi_reversion',
    warmupBars: Math.max(rsiPeriod + 1, barsUntilReady(trendPeriod, trendWindow)),
    description:
      `Wilder's ${rsiPeriod}-bar RSI; trend = simple mean of ${describeWindow(trendPeriod, trendWindow)} ` +
      `(trend_window: ${trendWindow})`,
    init: () => ({ rsi: new Rsi(rsiPeriod), trend: new Sma(trendPeriod) }),
    onBar(state: RsiReversionState, bar: Bar, phase: PositionPhase): SignalProposal | undefined {
      const rsi = state.rsi.update(bar.close);
      const trend = trendAverage(state.trend, bar.close, trendWindow);
      if (rsi === undefined || trend === undefined) return undefined;
      if (phase === 'flat' && rsi < oversold && bar.close > trend) {
        const shown = formatComparison(rsi, oversold, 1);
        return {
          action: 'BUY',
          // The deeper the oversold reading, the larger the share of the position limit.
          confidence: Math.min(1, 0.5 + (oversold - rsi) / (2 * oversold)),
          stopLoss: bar.close * (1 - stopLossPct),
          reason: `RSI ${shown.value} < oversold ${shown.threshold}, close above its ${trendPeriod}-bar mean`,
        };
      }
      if (phase === 'long' && rsi > exit) {
        const shown = formatComparison(rsi, exit, 1);
        return { action: 'CLOSE', confidence: 1, reason: `RSI ${shown.value} > exit ${shown.threshold} (recovered)` };
      }
      return undefined;
    },
  };
}

const paramsSchema = z
  .object({
    rsi_period: z.int().min(2),
    oversold: z.number().gt(0).lt(100),
    exit: z.number().gt(0).lt(100),
    trend_period: z.int().min(1).max(MAX_WINDOW_BARS, MAX_WINDOW_MESSAGE),
    trend_window: z.enum(WINDOW_KINDS).default('including_current'),
    stop_loss_pct: z.number().gt(0).lt(1),
  })
  .strict()
  .refine((p) => p.exit > p.oversold, { message: 'exit must be above oversold', path: ['exit'] });

export const definition: StrategyDefinition<RsiReversionParams> = {
  name: 'rsi_reversion',
  parseParams(raw: unknown): RsiReversionParams {
    const p = parseConfig(paramsSchema, raw);
    return {
      rsiPeriod: p.rsi_period,
      oversold: p.oversold,
      exit: p.exit,
      trendPeriod: p.trend_period,
      trendWindow: p.trend_window,
      stopLossPct: p.stop_loss_pct,
    };
  },
  create: rsiReversion,
};
