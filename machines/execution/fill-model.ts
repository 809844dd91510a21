// The conservative fill model of the simulated executor: whatever a daily or hourly bar cannot tell us
// (the path of prices inside it) is resolved against the trader, so a backtest never looks better than
// the market could have delivered.
import type { Bar, CostModel, Side } from '../domain.ts';
import { roundQtyDown } from './precision.ts';

export interface SimFill {
  price: number;
  /** Adverse distance per unit between the un-slipped price (open or stop) and `price`; always >= 0. */
  slippagePerUnit: number;
  /** True when the bar opened beyond the order's price, i.e. the fill price came from a gap. */
  gap: boolean;
}

export type BracketExit = { kind: 'stop_loss' | 'take_profit'; fill: SimFill };

const BPS = 1e4;

/** Market order decided on an earlier bar: fills at THIS bar's open, moved against the trader by slippageBps. */
export function fillMarketAtOpen(side: Side, bar: Bar, costs: CostModel): SimFill {
  return slip(side, bar.open, false, costs);
}

/**
 * Resting stop order (`side` is the ORDER's side: a long's stop-loss is a 'sell' stop, triggered when
 * low <= stop; a short's is a 'buy' stop, triggered when high >= stop). A bar that opens beyond the stop
 * fills at the open, which is worse than the stop; otherwise it fills at the stop. Slippage applies on top.
 */
export function fillStop(side: Side, stop: number, bar: Bar, costs: CostModel): SimFill | undefined {
  requirePrice('stop', stop);
  if (side === 'sell') {
    if (bar.open < stop) return slip(side, bar.open, true, costs);
    return bar.low <= stop ? slip(side, stop, false, costs) : undefined;
  }
  if (bar.open > stop) return slip(side, bar.open, true, costs);
  return bar.high >= stop ? slip(side, stop, false, costs) : undefined;
}

/**
 * Resting limit order (take-profit). Fills only when the bar trades strictly THROUGH the limit, because a
 * mere touch may have left the order unfilled in the queue, and always at the limit, never better, even
 * after a favourable gap. No slippage: a limit order cannot fill worse than its price.
 */
export function fillLimit(side: Side, limit: number, bar: Bar): SimFill | undefined {
  requirePrice('limit', limit);
  const through = side === 'buy' ? bar.low < limit : bar.high > limit;
  if (!through) return undefined;
  const gap = side === 'buy' ? bar.open < limit : bar.open > limit;
  return { price: limit, slippagePerUnit: 0, gap };
}

/**
 * Protective stop-loss and take-profit of an open position. When one bar reaches both, the bar alone cannot
 * say which came first, so the stop-loss is assumed (worst case).
 */
export function fillBracket(
  positionSide: 'long' | 'short',
  stop: number | undefined,
  takeProfit: number | undefined,
  bar: Bar,
  costs: CostModel,
): BracketExit | undefined {
  const exitSide: Side = positionSide === 'long' ? 'sell' : 'buy';
  if (stop !== undefined && takeProfit !== undefined) {
    const ordered = positionSide === 'long' ? stop < takeProfit : stop > takeProfit;
    if (!ordered) {
      const relation = positionSide === 'long' ? 'below' : 'above';
      throw new Error(
        `${positionSide} bracket needs the stop ${relation} the take-profit, got stop ${stop}, takeProfit ${takeProfit}`,
      );
    }
  }
  const stopFill = stop === undefined ? undefined : fillStop(exitSide, stop, bar, costs);
  if (stopFill) return { kind: 'stop_loss', fill: stopFill };
  const takeProfitFill = takeProfit === undefined ? undefined : fillLimit(exitSide, takeProfit, bar);
  return takeProfitFill ? { kind: 'take_profit', fill: takeProfitFill } : undefined;
}

/**
 * Commission in quote currency: a per-share fee (at least minCommission) when commissionPerShare > 0,
 * plus commissionBps of the notional when set. Crypto venues use only the bps part, US brokers the per-share part.
 */
export function commission(qty: number, price: number, costs: CostModel): number {
  if (!Number.isFinite(qty)) throw new Error(`commission: qty must be a finite number, got ${qty}`);
  requirePrice('price', price);
  if (qty === 0) return 0;
  // Sells are sometimes passed as negative quantities; the fee is the same either way.
  const units = Math.abs(qty);
  let fee = 0;
  if (costs.commissionPerShare > 0) fee += Math.max(costs.minCommission, units * costs.commissionPerShare);
  if (costs.commissionBps > 0) fee += (units * price * costs.commissionBps) / BPS;
  return fee;
}

function slip(side: Side, base: number, gap: boolean, costs: CostModel): SimFill {
  // Negative slippage would flatter every fill; >= 100% would push a sell to a price <= 0.
  if (!(costs.slippageBps >= 0 && costs.slippageBps < BPS)) {
    throw new Error(`slippageBps must be in [0, ${BPS}), got ${costs.slippageBps}`);
  }
  const slippagePerUnit = (base * costs.slippageBps) / BPS;
  return { price: side === 'buy' ? base + slippagePerUnit : base - slippagePerUnit, slippagePerUnit, gap };
}

function requirePrice(name: string, price: number): void {
  // A NaN stop compares false against every bar and would silently never trigger.
  if (!Number.isFinite(price) || price <= 0) throw new Error(`${name} must be a finite price > 0, got ${price}`);
}

/**
 * How much of `wanted` a market order can take at this bar's open: at most `maxVolumeParticipation` of the
 * bar's volume, rounded down to the amount step. A thin bar (early BTC days traded a few coins) cannot absorb
 * a position many times its volume.
 */
export function fillableQty(wanted: number, bar: Bar, costs: CostModel, amountStep: number): number {
  const participation = costs.maxVolumeParticipation ?? 0;
  if (!(participation > 0)) return wanted;
  if (!Number.isFinite(bar.volume) || bar.volume <= 0) return 0;
  return Math.min(wanted, roundQtyDown(participation * bar.volume, amountStep));
}
