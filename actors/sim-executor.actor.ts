// Simulated venue for backtests (and paper trading on recorded bars). Conservative by construction:
// an order decided at a bar's close fills at the open of a LATER bar with slippage and commission; protective
// stops and targets fill at their price or worse, stop first when a bar touches both. Each order runs the
// order-lifecycle machine: as an actor owned by this executor (paper), or from the table compiled from it
// (backtests, `orderLifecycle: 'compiled'`).
import { type AnyActorRef } from 'xstate';
import { fromMutableTransition } from './mutable-transition.ts';
import type { CostModel, Market } from '../machines/domain.ts';
import {
  commission,
  fillableQty,
  fillBracket,
  fillMarketAtOpen,
  type SimFill,
} from '../machines/execution/fill-model.ts';
import type { EndOfData, MarketData, OperatorHalt, Order } from './messages.ts';
import { startSimOrder, type ExecutorInput, type OrderLifecycleMode, type SimOrder } from './order-actors.ts';
import type { Publish } from './router.ts';


export type SimExecutorInput = ExecutorInput;

/** The protective legs placed once an entry fills. */
interface Bracket {
  direction: 'long' | 'short';
  stop?: SimOrder;
  takeProfit?: SimOrder;
}

export interface SimExecutorState {
  publish: Publish;
  costs: ReadonlyMap<string, CostModel>;
  markets: ReadonlyMap<string, Market>;
  self: AnyActorRef;
  /** Market orders waiting for their symbol's next bar. */
  queued: Map<string, SimOrder[]>;
  brackets: Map<string, Bracket[]>;
  /** Net quantity per symbol from this venue's own fills: exits never sell more than is held. */
  held: Map<string, number>;
  /**
   * Orders this executor created and published itself (bracket legs, flatten orders): the router delivers
   * each back here once, and that echo is ignored. An id leaves the set with its echo, so nothing here grows
   * with the number of orders a long session places.
   */
  ownEchoes: Set<string>;
  /** Orders accepted so far (from the risk manager and the executor's own). */
  orders: number;
  fills: number;
  orderIdPrefix: string;
  /** Last close per symbol: the reference price of a flatten order. */
  lastClose: Map<string, number>;
  flattenOrders: number;
  orderLifecycle: OrderLifecycleMode;
}

type ExecutorEvent = MarketData | Order | EndOfData | OperatorHalt | { type: `xstate.${string}` };

export const simExecutorLogic = fromMutableTransition(
  (s: SimExecutorState, event: ExecutorEvent): SimExecutorState => {
    switch (event.type) {
      case 'MarketData':
        if (s.queued.has(event.symbol)) fillQueued(s, event);
        if (s.brackets.has(event.symbol)) checkBrackets(s, event);
        s.lastClose.set(event.symbol, event.close);
        break;
      case 'OperatorHalt':
        haltTrading(s, event);
        break;
      case 'Order':
        if (!s.ownEchoes.delete(event.clientOrderId)) accept(s, event);
        break;
      case 'EndOfData':
        cancelEverything(s, event.ts, 'end of data');
        break;
      // Order actors report completion (xstate.done.actor.*) to their parent: nothing to do.
    }
    return s;
  },
  ({ input, self }: { input: SimExecutorInput; self: AnyActorRef }): SimExecutorState => ({
    publish: input.publish,
    costs: input.costs,
    markets: input.markets,
    self,
    queued: new Map(),
    brackets: new Map(),
    held: new Map(),
    ownEchoes: new Set(),
    orders: 0,
    fills: 0,
    orderIdPrefix: input.orderIdPrefix,
    lastClose: new Map(),
    flattenOrders: 0,
    orderLifecycle: input.orderLifecycle ?? 'actor',
  }),
);

function startOrder(s: SimExecutorState, order: Order): SimOrder {
  s.orders++;
  return startSimOrder(s.publish, order, s.orderLifecycle);
}

function accept(s: SimExecutorState, order: Order): void {
  const working = startOrder(s, order);
  if (order.orderType !== 'market' || !(order.qty > 0) || !s.costs.has(order.symbol)) {
    const reason = !s.costs.has(order.symbol)
      ? `no cost model for ${order.symbol}`
      : `the simulator takes market orders from the risk manager, got ${order.orderType} qty ${order.qty}`;
    working.advance({ type: 'REJECT', ts: order.ts, reason });
    return;
  }
  working.advance({ type: 'ACCEPT', ts: order.ts });
  const queue = s.queued.get(order.symbol);
  if (queue === undefined) s.queued.set(order.symbol, [working]);
  else queue.push(working);
}

/**
 * Market orders meet the first bar that opens at or after their decision. They take at most the bar's
 * volume allowance: an entry's unfilled remainder is cancelled (it would chase the price); an exit keeps
 * working on the following bars until the position is flat.
 */
function fillQueued(s: SimExecutorState, bar: MarketData): void {
  const queue = s.queued.get(bar.symbol)!;
  const costs = s.costs.get(bar.symbol)!;
  const amountStep = s.markets.get(bar.symbol)?.amountStep ?? 1e-8;
  const stillWorking: SimOrder[] = [];
  let allowance = fillableQty(Number.POSITIVE_INFINITY, bar, costs, amountStep);
  for (const working of queue) {
    const { order } = working;
    // No lookahead: the bar must open at or after the moment the order was decided.
    if (bar.ts < order.ts) {
      stillWorking.push(working);
      continue;
    }
    const held = Math.abs(s.held.get(order.symbol) ?? 0);
    if (order.reduceOnly && held === 0) {
      working.advance({ type: 'CANCEL', ts: bar.ts, reason: `${order.symbol} position already flat` });
      continue;
    }
    const wanted = order.qty - working.filled;
    const qty = Math.min(wanted, allowance, order.reduceOnly ? held : wanted);
    if (qty > 0) {
      allowance -= qty;
      executeFill(s, working, qty, fillMarketAtOpen(order.side, bar, costs), bar.ts, costs);
      if (!order.reduceOnly && (order.stopLoss !== undefined || order.takeProfit !== undefined)) {
        placeBracket(s, order, qty, bar.ts);
      }
    }
    const flat = (s.held.get(order.symbol) ?? 0) === 0;
    if (order.reduceOnly && flat) cancelBrackets(s, order.symbol, bar.ts, 'position closed');
    if (working.filled >= order.qty - 1e-12) continue;
    if (order.reduceOnly && !flat) {
      stillWorking.push(working);
    } else {
      const reason = order.reduceOnly
        ? 'position closed before the exit completed'
        : `bar volume ${bar.volume} allowed ${qty} of ${wanted} (max ${(costs.maxVolumeParticipation ?? 0) * 100}% participation); remainder cancelled`;
      working.advance({ type: 'CANCEL', ts: bar.ts, reason });
    }
  }
  if (stillWorking.length === 0) s.queued.delete(bar.symbol);
  else s.queued.set(bar.symbol, stillWorking);
}

function placeBracket(s: SimExecutorState, entry: Order, qty: number, ts: number): void {
  const exitSide = entry.side === 'buy' ? 'sell' : 'buy';
  const leg = (purpose: 'stop_loss' | 'take_profit', price: number): SimOrder => {
    const order: Order = {
      type: 'Order',
      clientOrderId: `${entry.clientOrderId}-${purpose === 'stop_loss' ? 'sl' : 'tp'}`,
      signalId: entry.signalId,
      ts,
      symbol: entry.symbol,
      side: exitSide,
      orderType: purpose === 'stop_loss' ? 'stop' : 'limit',
      qty,
      price,
      referencePrice: price,
      purpose,
      reduceOnly: true,
      parentId: entry.clientOrderId,
    };
    const working = startOrder(s, order);
    s.ownEchoes.add(order.clientOrderId);
    s.publish(order);
    working.advance({ type: 'ACCEPT', ts });
    return working;
  };
  const bracket: Bracket = {
    direction: entry.side === 'buy' ? 'long' : 'short',
    stop: entry.stopLoss === undefined ? undefined : leg('stop_loss', entry.stopLoss),
    takeProfit: entry.takeProfit === undefined ? undefined : leg('take_profit', entry.takeProfit),
  };
  const list = s.brackets.get(entry.symbol);
  if (list === undefined) s.brackets.set(entry.symbol, [bracket]);
  else list.push(bracket);
}

function checkBrackets(s: SimExecutorState, bar: MarketData): void {
  const list = s.brackets.get(bar.symbol)!;
  const costs = s.costs.get(bar.symbol)!;
  // The brackets still open, made only once one closes: on most bars none does and the list stays as it is.
  let open: Bracket[] | undefined;
  for (let i = 0; i < list.length; i++) {
    const bracket = list[i]!;
    const hit = fillBracket(
      bracket.direction,
      bracket.stop?.order.price,
      bracket.takeProfit?.order.price,
      bar,
      costs,
    );
    if (hit === undefined) {
      open?.push(bracket);
      continue;
    }
    open ??= list.slice(0, i);
    const [filled, sibling] =
      hit.kind === 'stop_loss' ? [bracket.stop!, bracket.takeProfit] : [bracket.takeProfit!, bracket.stop];
    const held = Math.abs(s.held.get(bar.symbol) ?? 0);
    const qty = Math.min(filled.order.qty, held);
    if (qty > 0) executeFill(s, filled, qty, hit.fill, bar.ts, costs);
    // A leg larger than what is still held (an exit sold part of it) ends with its remainder cancelled.
    if (filled.filled < filled.order.qty - 1e-12) {
      filled.advance({ type: 'CANCEL', ts: bar.ts, reason: 'position already flat' });
    }
    if (sibling) sibling.advance({ type: 'CANCEL', ts: bar.ts, reason: `${hit.kind.replace('_', '-')} filled (one cancels other)` });
  }
  if (open === undefined) return;
  if (open.length === 0) s.brackets.delete(bar.symbol);
  else s.brackets.set(bar.symbol, open);
}

function executeFill(
  s: SimExecutorState,
  working: SimOrder,
  qty: number,
  fill: SimFill,
  ts: number,
  costs: CostModel,
): void {
  const { order } = working;
  s.fills++;
  const signed = order.side === 'buy' ? qty : -qty;
  const held = (s.held.get(order.symbol) ?? 0) + signed;
  s.held.set(order.symbol, Math.abs(held) < 1e-12 ? 0 : held);
  s.publish({
    type: 'Fill',
    fillId: `${order.clientOrderId}-f${s.fills}`,
    clientOrderId: order.clientOrderId,
    ts,
    symbol: order.symbol,
    side: order.side,
    qty,
    price: fill.price,
    fee: commission(qty, fill.price, costs),
    slippage: fill.slippagePerUnit * qty,
    purpose: order.purpose,
  });
  working.filled += qty;
  working.advance({ type: 'FILL', ts, qty, price: fill.price });
}

function cancelBrackets(s: SimExecutorState, symbol: string, ts: number, reason: string): void {
  for (const bracket of s.brackets.get(symbol) ?? []) {
    if (bracket.stop) bracket.stop.advance({ type: 'CANCEL', ts, reason });
    if (bracket.takeProfit) bracket.takeProfit.advance({ type: 'CANCEL', ts, reason });
  }
  s.brackets.delete(symbol);
}

function cancelEverything(s: SimExecutorState, ts: number, reason: string): void {
  for (const queue of s.queued.values()) {
    for (const working of queue) working.advance({ type: 'CANCEL', ts, reason });
  }
  s.queued.clear();
  for (const symbol of [...s.brackets.keys()]) cancelBrackets(s, symbol, ts, reason);
}

/**
 * The kill switch. Working entry orders are cancelled; protective stops stay on held positions unless the
 * operator flattens, which cancels everything and closes each position with a market order at its next bar.
 */
function haltTrading(s: SimExecutorState, halt: OperatorHalt): void {
  const reason = `operator halt: ${halt.reason}`;
  for (const [symbol, queue] of s.queued) {
    const keep: SimOrder[] = [];
    for (const working of queue) {
      if (working.order.reduceOnly && !halt.flatten) keep.push(working);
      else working.advance({ type: 'CANCEL', ts: halt.ts, reason });
    }
    if (keep.length === 0) s.queued.delete(symbol);
    else s.queued.set(symbol, keep);
  }
  if (!halt.flatten) return;
  for (const symbol of [...s.brackets.keys()]) cancelBrackets(s, symbol, halt.ts, reason);
  for (const [symbol, held] of s.held) {
    if (held === 0) continue;
    s.flattenOrders++;
    const price = s.lastClose.get(symbol) ?? 0;
    const order: Order = {
      type: 'Order',
      clientOrderId: `${s.orderIdPrefix}flatten-${s.flattenOrders}`,
      signalId: `operator-halt`,
      ts: halt.ts,
      symbol,
      side: held > 0 ? 'sell' : 'buy',
      orderType: 'market',
      qty: Math.abs(held),
      referencePrice: price,
      purpose: 'exit',
      reduceOnly: true,
    };
    s.ownEchoes.add(order.clientOrderId);
    s.publish(order);
    accept(s, order);
  }
}
