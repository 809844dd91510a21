// RSI reversion: buy when Wilder's RSI falls below `oversold`, sell when it recovers above `exit`, and only
// while the close is above its long moving average (no catching knives in a downtrend). Every entry carries a
// stop-loss. A second strategy to show the interface: this file and its YAML are all it took.
import { z } from 'zod';
import type { Bar } from '../domain.ts';
import { Rsi } from '../indicators/rsi.ts';
import { Sma } from '../indicators/sma.ts';
import { parseConfig } from '../parse-config.ts';
import type { PositionPhase, SignalProposal, Strategy, StrategyDefinition } from './strategy.ts';

export interface RsiReversionParams {
  rsiPeriod: number;
  oversold: number;
  exit: number;
  trendPeriod: number;
  stopLossPct: number;
}

export interface RsiReversionState {
  rsi: Rsi;
  trend: Sma;
}

export function rsiReversion(params: RsiReversionParams): Strategy<RsiReversionState> {
  const { rsiPeriod, oversold, exit, trendPeriod, stopLossPct } = params;
  return {
    name: 'rsi_reversion',
    warmupBars: Math.max(rsiPeriod + 1, trendPeriod),
    init: () => ({ rsi: new Rsi(rsiPeriod), trend: new Sma(trendPeriod) }),
    onBar(state: RsiReversionState, bar: Bar, phase: PositionPhase): SignalProposal | undefined {
      const rsi = state.rsi.update(bar.close);
      const trend = state.trend.update(bar.close);
      if (rsi === undefined || trend === undefined) return undefined;
      if (phase === 'flat' && rsi < oversold && bar.close > trend) {
        return {
          action: 'BUY',
          // The deeper the oversold reading, the larger the share of the position limit.
          confidence: Math.min(1, 0.5 + (oversold - rsi) / (2 * oversold)),
          stopLoss: bar.close * (1 - stopLossPct),
          reason: `RSI ${rsi.toFixed(1)} < ${oversold}, close above its ${trendPeriod}-bar mean`,
        };
      }
      if (phase === 'long' && rsi > exit) return { action: 'CLOSE', confidence: 1, reason: `RSI ${rsi.toFixed(1)} > ${exit}` };
      return undefined;
    },
  };
}

const paramsSchema = z
  .object({
    rsi_period: z.int().min(2),
    oversold: z.number().gt(0).lt(100),
    exit: z.number().gt(0).lt(100),
    trend_period: z.int().min(1),
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
      stopLossPct: p.stop_loss_pct,
    };
  },
  create: rsiReversion,
};
