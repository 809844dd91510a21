// Live executor: the simulator's slot, filled by a real venue (CCXT, Alpaca). It never calls the venue itself:
// it asks for orders to be placed or cancelled (VenueRequest, carried out by the live session) and books
// only what the venue reports (VenueReport, journaled first) — fill by fill from the venue's trades. So the
// same journal rebuilds the same state after a crash, and replay needs no network.
import { type AnyActorRef } from 'xstate';
import { fromMutableTransition } from './mutable-transition.ts';
import { roundPrice } from '../machines/execution/precision.ts';
import { exitQty } from '../machines/risk/limits.ts';
import type { AdoptVenueState, MarketData, OperatorHalt, Order, VenueReport } from './messages.ts';
import { advanceOrder, isDone, startOrder, type ExecutorInput, type WorkingOrder } from './order-actors.ts';
import type { Publish } from './router.ts';

export type VenueExecutorInput = ExecutorInput;

interface LiveOrder extends WorkingOrder {
  tradeIds: Set<string>;
  cancelRequested: boolean;
}

/** A protective stop on a held position: a native stop order at the venue, or a price watched locally. */
interface ProtectiveStop {
  price: number;
  direction: 'long' | 'short';
  parentId: string;
  native?: LiveOrder;
}

export interface VenueExecutorState {
  input: VenueExecutorInput;
  self: AnyActorRef;
  /** Orders not yet done at the venue; a done order leaves the map. */
  open: Map<string, LiveOrder>;
  /** Net quantity per symbol from the venue's reported trades. */
  held: Map<string, number>;
  stops: Map<string, ProtectiveStop>;
  ownEchoes: Set<string>;
  lastClose: Map<string, number>;
  created: number;
  fills: number;
}

type ExecutorEvent = MarketData | Order | OperatorHalt | VenueReport | AdoptVenueState | { type: `xstate.${string}` };

export const venueExecutorLogic = fromMutableTransition(
  (s: VenueExecutorState, event: ExecutorEvent): VenueExecutorState => {
    switch (event.type) {
      case 'MarketData':
        s.lastClose.set(event.symbol, event.close);
        watchLocalStop(s, event);
        break;
      case 'Order':
        if (!s.ownEchoes.delete(event.clientOrderId)) submit(s, event);
        break;
      case 'VenueReport':
        onReport(s, event);
        break;
      case 'OperatorHalt':
        haltTrading(s, event);
        break;
      case 'AdoptVenueState':
        for (const [symbol, p] of Object.entries(event.positions)) s.held.set(symbol, p.qty);
        for (const symbol of s.held.keys()) if (!(symbol in event.positions)) s.held.set(symbol, 0);
        break;
    }
    return s;
  },
  ({ input, self }: { input: VenueExecutorInput; self: AnyActorRef }): VenueExecutorState => ({
    input,
    self,
    open: new Map(),
    held: new Map(),
    stops: new Map(),
    ownEchoes: new Set(),
    lastClose: new Map(),
    created: 0,
    fills: 0,
  }),
);

/** Registers an order and asks the session to send it. Exits first free the quantity a native stop locks. */
function submit(s: VenueExecutorState, order: Order): void {
  const { publish } = s.input;
  if (order.reduceOnly) {
    const stop = s.stops.get(order.symbol);
    if (stop?.native !== undefined && order.purpose !== 'stop_loss') requestCancel(s, stop.native, order.ts);
  }
  const live: LiveOrder = { ...startOrder(publish, order), tradeIds: new Set(), cancelRequested: false };
  s.open.set(order.clientOrderId, live);
  publish({
    type: 'VenueRequest',
    ts: order.ts,
    action: 'place',
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    request: {
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      type: order.orderType,
      qty: order.qty,
      price: order.price,
    },
  });
}

/**
 * An order this executor creates itself (protective stop `sl`, local-stop exit `st`, flatten `fl`): published,
 * then submitted. Suffixes stay short: Binance takes client order ids of at most 36 characters.
 */
function createOwnOrder(s: VenueExecutorState, order: Omit<Order, 'type' | 'clientOrderId'>, suffix: string): void {
  s.created++;
  const full: Order = { type: 'Order', clientOrderId: `${s.input.orderIdPrefix}${suffix}-${s.created}`, ...order };
  s.ownEchoes.add(full.clientOrderId);
  s.input.publish(full);
  submit(s, full);
}

function requestCancel(s: VenueExecutorState, live: LiveOrder, ts: number): void {
  if (live.cancelRequested) return;
  live.cancelRequested = true;
  s.input.publish({ type: 'VenueRequest', ts, action: 'cancel', clientOrderId: live.order.clientOrderId, symbol: live.order.symbol });
}

/** `BTC` of `BTC/USDT`; stock symbols have no base asset of their own (fees are in the quote currency). */
function baseAsset(symbol: string): string | undefined {
  return symbol.includes('/') ? symbol.split('/')[0] : undefined;
}

function onReport(s: VenueExecutorState, report: VenueReport): void {
  const live = s.open.get(report.order.clientOrderId);
  // A report about an order already done (a late poll) changes nothing: its trades were booked.
  if (live === undefined) return;
  const { publish } = s.input;
  const { order } = live;
  for (const trade of report.trades) {
    if (live.tradeIds.has(trade.tradeId)) continue;
    live.tradeIds.add(trade.tradeId);
    s.fills++;
    // A fee taken from the base asset (Binance's default on a buy: the fee comes out of the coin received) moves the
    // position, not the cash: the session books the net quantity, so what it holds and sells is what the venue holds.
    const baseFee = trade.feeCurrency === baseAsset(order.symbol) ? trade.feeAmount : 0;
    const qty = order.side === 'buy' ? trade.qty - baseFee : trade.qty + baseFee;
    const signed = order.side === 'buy' ? qty : -qty;
    const held = (s.held.get(order.symbol) ?? 0) + signed;
    s.held.set(order.symbol, Math.abs(held) < 1e-12 ? 0 : held);
    const adverse = order.side === 'buy' ? trade.price - order.referencePrice : order.referencePrice - trade.price;
    publish({
      type: 'Fill',
      fillId: `${order.clientOrderId}-${trade.tradeId}`,
      clientOrderId: order.clientOrderId,
      ts: trade.ts,
      symbol: order.symbol,
      side: order.side,
      qty,
      // The trade's quote flow is qty × price; with the net quantity the fee carries the rest of it.
      price: trade.price,
      fee: trade.fee,
      slippage: adverse * trade.qty,
      purpose: order.purpose,
    });
    live.filled += trade.qty;
    advanceOrder(publish, live, { type: 'FILL', ts: report.ts, qty: trade.qty, price: trade.price });
  }
  const state = report.order;
  const submitted = live.ref.getSnapshot().value === 'submitted';
  if ((state.lifecycle === 'working' || state.lifecycle === 'partially_filled') && submitted) {
    advanceOrder(publish, live, { type: 'ACCEPT', ts: report.ts });
  } else if (state.lifecycle === 'cancelled') {
    advanceOrder(publish, live, { type: 'CANCEL', ts: report.ts, reason: state.reason ?? `cancelled at the venue (${state.venueStatus})` });
  } else if (state.lifecycle === 'rejected') {
    advanceOrder(publish, live, { type: 'REJECT', ts: report.ts, reason: state.reason ?? `rejected by the venue (${state.venueStatus})` });
  }
  // `filled` completes through the trades above; until they are all reported the order stays open. A venue that
  // rounded the quantity to its own step reports `filled` with every trade in and less than asked: the rest will
  // never come, so it is cancelled rather than left open forever.
  if (state.lifecycle === 'filled' && !isDone(live) && live.filled >= state.filledQty - 1e-12) {
    advanceOrder(publish, live, {
      type: 'CANCEL',
      ts: report.ts,
      reason: `${s.input.markets.get(order.symbol)?.exchange ?? 'the venue'} filled ${live.filled} of ${order.qty} (its quantity step)`,
    });
  }
  if (isDone(live)) {
    s.open.delete(order.clientOrderId);
    afterDone(s, live, report.ts);
  }
}

/** An entry done with some quantity gets its protective stop; a position closed loses its stop. */
function afterDone(s: VenueExecutorState, live: LiveOrder, ts: number): void {
  const { order } = live;
  const held = s.held.get(order.symbol) ?? 0;
  const stop = s.stops.get(order.symbol);
  if (stop?.native === live) {
    // The native stop itself is done (filled or cancelled): a cancelled one on a still-held position is
    // replaced only when an exit failed — otherwise the exit that asked for its cancel is closing the position.
    s.stops.delete(order.symbol);
  }
  if (!order.reduceOnly && live.filled > 0 && order.stopLoss !== undefined) {
    placeStop(s, order, closableQty(s, order.symbol, held), order.stopLoss, ts);
    return;
  }
  if (closableQty(s, order.symbol, held) === 0) {
    const remaining = s.stops.get(order.symbol);
    if (remaining?.native !== undefined) requestCancel(s, remaining.native, ts);
    else s.stops.delete(order.symbol);
  }
}

function placeStop(s: VenueExecutorState, entry: Order, qty: number, stopLoss: number, ts: number): void {
  if (qty <= 0) return;
  const direction = entry.side === 'buy' ? 'long' : 'short';
  const previous = s.stops.get(entry.symbol);
  if (previous?.native !== undefined) requestCancel(s, previous.native, ts);
  const stop: ProtectiveStop = { price: stopLoss, direction, parentId: entry.clientOrderId };
  s.stops.set(entry.symbol, stop);
  if (!s.input.nativeStops) return;
  createOwnOrder(
    s,
    {
      signalId: entry.signalId,
      ts,
      symbol: entry.symbol,
      side: direction === 'long' ? 'sell' : 'buy',
      orderType: 'stop',
      qty,
      price: stopLoss,
      referencePrice: stopLoss,
      purpose: 'stop_loss',
      reduceOnly: true,
      parentId: entry.clientOrderId,
    },
    'sl',
  );
  stop.native = s.open.get(`${s.input.orderIdPrefix}sl-${s.created}`);
}

/** What of a holding the venue can take in one order (its step, its minimums at `price`); 0 for dust. */
function closableQty(s: VenueExecutorState, symbol: string, held: number, price = s.lastClose.get(symbol) ?? 0): number {
  const market = s.input.markets.get(symbol);
  if (held === 0) return 0;
  return market === undefined ? Math.abs(held) : exitQty(Math.abs(held), market, price);
}

/** Local stops: a closed bar through the stop sends a market exit (it fills at the venue's next price). */
function watchLocalStop(s: VenueExecutorState, bar: MarketData): void {
  const stop = s.stops.get(bar.symbol);
  if (stop === undefined || stop.native !== undefined) return;
  const triggered = stop.direction === 'long' ? bar.low <= stop.price : bar.high >= stop.price;
  const held = s.held.get(bar.symbol) ?? 0;
  const qty = closableQty(s, bar.symbol, held, bar.close);
  if (!triggered || qty === 0) return;
  s.stops.delete(bar.symbol);
  createOwnOrder(
    s,
    {
      signalId: `stop-${stop.parentId}`,
      ts: bar.closeTs,
      symbol: bar.symbol,
      side: held > 0 ? 'sell' : 'buy',
      orderType: 'market',
      qty,
      referencePrice: roundPrice(stop.price, s.input.markets.get(bar.symbol)?.priceStep ?? 1e-8),
      purpose: 'stop_loss',
      reduceOnly: true,
      parentId: stop.parentId,
    },
    'st',
  );
}

/** Kill switch: working entries are cancelled at the venue; flatten also cancels stops and closes positions. */
function haltTrading(s: VenueExecutorState, halt: OperatorHalt): void {
  for (const live of s.open.values()) {
    if (!live.order.reduceOnly || (halt.flatten && live.order.purpose === 'stop_loss')) requestCancel(s, live, halt.ts);
  }
  if (!halt.flatten) return;
  for (const [symbol, held] of s.held) {
    const qty = closableQty(s, symbol, held);
    if (qty === 0) continue;
    s.stops.delete(symbol);
    createOwnOrder(
      s,
      {
        signalId: 'operator-halt',
        ts: halt.ts,
        symbol,
        side: held > 0 ? 'sell' : 'buy',
        orderType: 'market',
        qty,
        referencePrice: s.lastClose.get(symbol) ?? 0,
        purpose: 'exit',
        reduceOnly: true,
      },
      'fl',
    );
  }
}
