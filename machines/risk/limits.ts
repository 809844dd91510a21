// The four risk layers, applied in order to every signal: system (circuit breaker), position (size cap and
// mandatory stop-loss), symbol (aggregate cap), portfolio (invested cap and cash). Exits always pass.
import type { Market, RiskLayer, Side, SignalAction } from '../domain.ts';
import { roundPrice, roundQtyDown } from '../execution/precision.ts';
import { positionSizeQty } from './sizing.ts';

export interface RiskLimits {
  positionMaxPct: number;
  requireStopLoss: boolean;
  symbolMaxPct: number;
  portfolioMaxInvestedPct: number;
  maxDailyLossPct: number;
  maxDrawdownPct: number;
}

export interface SignalToCheck {
  symbol: string;
  action: SignalAction;
  confidence: number;
  price: number;
  stopLoss?: number;
  takeProfit?: number;
}

/** What the risk manager knows when the signal arrives. */
export interface RiskContext {
  equity: number;
  cash: number;
  grossExposure: number;
  /** Signed quantity held in the signal's symbol. */
  symbolQty: number;
  /** Notional of approved orders not yet filled: they count against the caps too. */
  pendingSymbolNotional: number;
  pendingGrossNotional: number;
  /** Circuit-breaker state when halted (e.g. `halted.drawdown`), undefined while trading. */
  haltedState?: string;
  haltReason?: string;
}

export type RiskVerdict =
  | {
      approved: true;
      side: Side;
      qty: number;
      reduceOnly: boolean;
      stopLoss?: number;
      takeProfit?: number;
      limitedBy?: string;
    }
  | { approved: false; layer: RiskLayer; rule: string; reason: string };

const reject = (layer: RiskLayer, rule: string, reason: string): RiskVerdict => ({
  approved: false,
  layer,
  rule,
  reason,
});

export function evaluateSignal(
  signal: SignalToCheck,
  ctx: RiskContext,
  limits: RiskLimits,
  market: Market,
): RiskVerdict {
  if (!(signal.price > 0) || !Number.isFinite(signal.price)) {
    return reject('position', 'price_invalid', `signal price ${signal.price} is not a positive number`);
  }
  if (signal.action === 'CLOSE') return evaluateExit(signal, ctx, market);

  if (ctx.haltedState !== undefined) {
    return reject('system', 'circuit_breaker', `${ctx.haltedState}: ${ctx.haltReason ?? 'trading halted'}`);
  }
  const side: Side = signal.action === 'BUY' ? 'buy' : 'sell';
  if ((side === 'buy' && ctx.symbolQty < 0) || (side === 'sell' && ctx.symbolQty > 0)) {
    return reject('position', 'opposite_position', `holding ${ctx.symbolQty} ${signal.symbol}; CLOSE it first`);
  }
  const protective = checkProtectiveLevels(signal, side, limits, market);
  if (!protective.ok) return protective.verdict;
  if (!(ctx.equity > 0)) return reject('portfolio', 'no_equity', `equity ${ctx.equity} leaves nothing to trade`);
  for (const field in ctx) {
    const value = ctx[field as keyof RiskContext];
    // A NaN would make every cap comparison false and let the order through.
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return reject('portfolio', 'state_invalid', `risk state ${field} is ${value}; refusing to size an entry`);
    }
  }

  // Position layer: a new position is worth at most positionMaxPct of equity, scaled by confidence.
  let qty = positionSizeQty(ctx.equity, signal.price, signal.confidence, limits.positionMaxPct);
  let limitedBy: string | undefined;
  let limitedLayer: RiskLayer = 'position';

  const symbolHeadroom =
    limits.symbolMaxPct * ctx.equity - (Math.abs(ctx.symbolQty) * signal.price + ctx.pendingSymbolNotional);
  if (qty * signal.price > symbolHeadroom) {
    qty = Math.max(0, symbolHeadroom) / signal.price;
    limitedBy = 'symbol.max_pct';
    limitedLayer = 'symbol';
  }
  const investedHeadroom =
    limits.portfolioMaxInvestedPct * ctx.equity - (ctx.grossExposure + ctx.pendingGrossNotional);
  if (qty * signal.price > investedHeadroom) {
    qty = Math.max(0, investedHeadroom) / signal.price;
    limitedBy = 'portfolio.max_invested_pct';
    limitedLayer = 'portfolio';
  }
  if (side === 'buy' && qty * signal.price > ctx.cash - ctx.pendingGrossNotional) {
    qty = Math.max(0, ctx.cash - ctx.pendingGrossNotional) / signal.price;
    limitedBy = 'portfolio.cash';
    limitedLayer = 'portfolio';
  }

  qty = roundQtyDown(qty, market.amountStep);
  if (qty < market.minQty || qty * signal.price < market.minNotional) {
    const rule = limitedBy ?? 'position.min_size';
    return reject(
      limitedLayer,
      rule,
      `size ${qty} ${signal.symbol} (${(qty * signal.price).toFixed(2)}) is below the market minimum` +
        (limitedBy ? ` after the ${limitedBy} limit` : ''),
    );
  }
  return {
    approved: true,
    side,
    qty,
    reduceOnly: false,
    stopLoss: protective.stopLoss,
    takeProfit: protective.takeProfit,
    limitedBy,
  };
}

function evaluateExit(signal: SignalToCheck, ctx: RiskContext, market: Market): RiskVerdict {
  if (ctx.symbolQty === 0) return reject('position', 'no_position', `no ${signal.symbol} position to close`);
  const held = Math.abs(ctx.symbolQty);
  const qty = exitQty(held, market, signal.price);
  if (qty === 0) {
    return reject(
      'position',
      'dust',
      `${held} ${signal.symbol} held (${(held * signal.price).toFixed(2)} at ${signal.price}) is below the market minimum ${market.minQty} or notional ${market.minNotional}: nothing the venue would take`,
    );
  }
  return { approved: true, side: ctx.symbolQty > 0 ? 'sell' : 'buy', qty, reduceOnly: true };
}

/**
 * Whether a holding is dust the venue will not trade: below the market's minimum quantity, or worth less than its
 * minimum notional at `price` (a price of 0 or less, not known yet, judges by quantity alone).
 */
export function isDust(held: number, market: Market, price: number): boolean {
  const qty = Math.abs(held);
  return qty < market.minQty || (price > 0 && qty * price < market.minNotional);
}

/**
 * What closing a holding may send: all of it when it is on the market's step (always so in backtests), else what
 * the venue can take — a live position net of a fee paid in the coin keeps its dust. 0 when not even the minimum
 * quantity, or the minimum notional at `price`: the venue would refuse the order, and the holding stays dust.
 */
export function exitQty(held: number, market: Market, price: number): number {
  const steps = held / market.amountStep;
  // Relative: 2.48649217 / 1e-8 is 248649216.99999997 in floats, and that holding is on the step.
  const onStep = Math.abs(steps - Math.round(steps)) <= 1e-9 * Math.max(1, Math.abs(steps));
  const qty = onStep ? held : roundQtyDown(held, market.amountStep);
  return isDust(qty, market, price) ? 0 : qty;
}

type ProtectiveCheck =
  | { ok: true; stopLoss?: number; takeProfit?: number }
  | { ok: false; verdict: RiskVerdict };

function checkProtectiveLevels(
  signal: SignalToCheck,
  side: Side,
  limits: RiskLimits,
  market: Market,
): ProtectiveCheck {
  const { price } = signal;
  // Round to the tick first (in the direction that keeps the risk no larger than asked), then check the
  // rounded levels: the order carries them, not the raw ones.
  const stopLoss =
    signal.stopLoss === undefined || !Number.isFinite(signal.stopLoss)
      ? undefined
      : roundPrice(signal.stopLoss, market.priceStep, side === 'buy' ? 'up' : 'down');
  const takeProfit =
    signal.takeProfit === undefined
      ? undefined
      : roundPrice(signal.takeProfit, market.priceStep, side === 'buy' ? 'down' : 'up');
  if (stopLoss === undefined) {
    if (limits.requireStopLoss) {
      return { ok: false, verdict: reject('position', 'stop_loss_required', 'entry has no stop-loss') };
    }
  } else if ((side === 'buy' && !(stopLoss < price)) || (side === 'sell' && !(stopLoss > price)) || !(stopLoss > 0)) {
    return {
      ok: false,
      verdict: reject(
        'position',
        'stop_loss_invalid',
        `stop-loss ${onTick(signal.stopLoss, stopLoss)} is on the wrong side of ${price}`,
      ),
    };
  }
  if (
    takeProfit !== undefined &&
    (!Number.isFinite(takeProfit) || (side === 'buy' && !(takeProfit > price)) || (side === 'sell' && !(takeProfit < price)))
  ) {
    return {
      ok: false,
      verdict: reject(
        'position',
        'take_profit_invalid',
        `take-profit ${onTick(signal.takeProfit, takeProfit)} is on the wrong side of ${price}`,
      ),
    };
  }
  return { ok: true, stopLoss, takeProfit };
}

function onTick(asked: number | undefined, rounded: number): string {
  return asked === rounded ? `${rounded}` : `${asked} (${rounded} on the tick)`;
}
