// Risk manager actor: turns signals into orders through the four risk layers. The numbers are watched
// here on every equity snapshot (hot path); the circuit-breaker MACHINE only hears about crossings and new
// days, and its state decides whether new entries may pass.
import { type ActorRefFrom } from 'xstate';
import { fromMutableTransition } from './mutable-transition.ts';
import type { Market } from '../machines/domain.ts';
import { roundPrice } from '../machines/execution/precision.ts';
import {
  observeEquity,
  rebasePeak,
  startTracker,
  type BreakerTracker,
} from '../machines/risk/breaker-rules.ts';
import { breakerStateName, type circuitBreakerMachine } from '../machines/risk/circuit-breaker.machine.ts';
import { evaluateSignal, type RiskLimits } from '../machines/risk/limits.ts';
import { describeDifference } from '../machines/execution/reconcile.ts';
import type {
  AdoptVenueState,
  EquitySnapshot,
  FeedStatus,
  Fill,
  OperatorHalt,
  OperatorResume,
  OrderUpdate,
  PositionUpdate,
  Reconciliation,
  ResetCircuitBreaker,
  RiskEvent,
  RiskEventKind,
  Signal,
} from './messages.ts';
import type { Publish } from './router.ts';

export type BreakerRef = ActorRefFrom<typeof circuitBreakerMachine>;

export interface RiskInput {
  publish: Publish;
  limits: RiskLimits;
  markets: ReadonlyMap<string, Market>;
  startingEquity: number;
  breaker: BreakerRef;
  /** Prefix making client order ids unique across runs on one account. */
  orderIdPrefix: string;
}

interface PendingOrder {
  symbol: string;
  /** Unfilled quantity and the price it was sized at: its notional still counts against the caps. */
  qty: number;
  price: number;
}

export interface RiskState {
  input: RiskInput;
  equity: number;
  cash: number;
  grossExposure: number;
  tracker: BreakerTracker | undefined;
  symbolQty: Map<string, number>;
  pending: Map<string, PendingOrder>;
  orders: number;
  /** Why the feed is stale, while it is: no new entries until fresh data arrives. */
  feedStale: string | undefined;
  /** The venue disagrees with the journal past tolerance: no new entries until resolved or adopted. */
  venueMismatch: string | undefined;
  /** Whether the breaker snapshot last asked takes NEW_DAY (see handlesNewDay). */
  newDayAsked?: { snapshot: unknown; handles: boolean };
}

type RiskMessage =
  | Signal
  | EquitySnapshot
  | PositionUpdate
  | Fill
  | OrderUpdate
  | ResetCircuitBreaker
  | OperatorHalt
  | OperatorResume
  | FeedStatus
  | Reconciliation
  | AdoptVenueState;

export const riskLogic = fromMutableTransition(
  (s: RiskState, event: RiskMessage): RiskState => {
    switch (event.type) {
      case 'EquitySnapshot':
        onEquity(s, event);
        break;
      case 'PositionUpdate':
        s.symbolQty.set(event.symbol, event.qty);
        break;
      case 'Fill': {
        const pending = s.pending.get(event.clientOrderId);
        if (pending !== undefined) {
          pending.qty -= event.qty;
          if (pending.qty <= 1e-12) s.pending.delete(event.clientOrderId);
        }
        break;
      }
      case 'OrderUpdate':
        if (event.status !== 'accepted') s.pending.delete(event.clientOrderId);
        break;
      case 'Signal':
        onSignal(s, event);
        break;
      case 'ResetCircuitBreaker':
        if (s.tracker !== undefined) rebasePeak(s.tracker);
        s.input.breaker.send({ type: 'RESET', ts: event.ts, reason: event.reason });
        break;
      case 'OperatorHalt':
        s.input.breaker.send({ type: 'MANUAL_HALT', ts: event.ts, reason: event.reason });
        break;
      case 'OperatorResume':
        s.input.breaker.send({ type: 'RESUME', ts: event.ts, reason: event.reason });
        break;
      case 'FeedStatus':
        onFeedStatus(s, event);
        break;
      case 'Reconciliation':
        onReconciliation(s, event);
        break;
      case 'AdoptVenueState':
        onAdopt(s, event);
        break;
    }
    return s;
  },
  ({ input }: { input: RiskInput }): RiskState => ({
    input,
    equity: input.startingEquity,
    cash: input.startingEquity,
    grossExposure: 0,
    tracker: undefined,
    symbolQty: new Map(),
    pending: new Map(),
    orders: 0,
    feedStale: undefined,
    venueMismatch: undefined,
  }),
);

function riskEvent(s: RiskState, ts: number, kind: RiskEventKind, level: RiskEvent['level'], reason: string): void {
  s.input.publish({ type: 'RiskEvent', ts, kind, level, state: breakerStateName(s.input.breaker.getSnapshot().value), reason });
}

function onReconciliation(s: RiskState, r: Reconciliation): void {
  const blocking = r.differences.filter((d) => d.blocking);
  if (blocking.length > 0) {
    s.venueMismatch = blocking.map(describeDifference).join('; ');
    riskEvent(s, r.ts, 'reconcile_mismatch', 'critical', s.venueMismatch);
  } else if (s.venueMismatch !== undefined) {
    s.venueMismatch = undefined;
    riskEvent(s, r.ts, 'reconcile_ok', 'info', 'the venue agrees with the journal again');
  }
}

function onAdopt(s: RiskState, a: AdoptVenueState): void {
  s.venueMismatch = undefined;
  const held = Object.entries(a.positions).map(([symbol, p]) => `${symbol} ${p.qty}`).join(', ') || 'no positions';
  riskEvent(s, a.ts, 'venue_adopted', 'warning', `the venue's state taken as the truth: ${held}, cash ${a.cash}`);
}

function onFeedStatus(s: RiskState, status: FeedStatus): void {
  if (status.stale === (s.feedStale !== undefined)) return;
  s.feedStale = status.stale ? status.reason : undefined;
  riskEvent(s, status.ts, status.stale ? 'feed_stale' : 'feed_fresh', status.stale ? 'warning' : 'info', status.reason);
}

/**
 * Whether the breaker's current state takes NEW_DAY (only a daily-loss halt does). Asked of the machine, once per
 * snapshot: sending the event to every other state would cost a full machine step on every bar of a daily run.
 */
function handlesNewDay(s: RiskState): boolean {
  const snapshot = s.input.breaker.getSnapshot();
  if (s.newDayAsked?.snapshot !== snapshot) s.newDayAsked = { snapshot, handles: snapshot.can({ type: 'NEW_DAY', ts: 0 }) };
  return s.newDayAsked.handles;
}

function onEquity(s: RiskState, snap: EquitySnapshot): void {
  s.equity = snap.equity;
  s.cash = snap.cash;
  s.grossExposure = snap.grossExposure;
  if (s.tracker === undefined) {
    s.tracker = startTracker(snap.equity, snap.ts);
    return;
  }
  const { limits, breaker } = s.input;
  const seen = observeEquity(s.tracker, snap.equity, snap.ts, limits.maxDailyLossPct, limits.maxDrawdownPct);
  if (seen.newDay && handlesNewDay(s)) breaker.send({ type: 'NEW_DAY', ts: snap.ts });
  if (seen.trip === undefined) return;
  const state = breakerStateName(breaker.getSnapshot().value);
  if (seen.trip.kind === 'drawdown' && state !== 'halted.drawdown') {
    breaker.send({ type: 'TRIP_DRAWDOWN', ts: snap.ts, reason: seen.trip.reason });
  } else if (seen.trip.kind === 'dailyLoss' && state === 'trading') {
    breaker.send({ type: 'TRIP_DAILY_LOSS', ts: snap.ts, reason: seen.trip.reason });
  }
}

function onSignal(s: RiskState, signal: Signal): void {
  const { limits, markets, publish, orderIdPrefix } = s.input;
  const market = markets.get(signal.symbol);
  if (market === undefined) throw new Error(`risk: no market rules for ${signal.symbol}`);
  const breaker = s.input.breaker.getSnapshot();
  const breakerState = breakerStateName(breaker.value);
  let pendingSymbolNotional = 0;
  let pendingGrossNotional = 0;
  for (const p of s.pending.values()) {
    pendingGrossNotional += p.qty * p.price;
    if (p.symbol === signal.symbol) pendingSymbolNotional += p.qty * p.price;
  }
  const verdict = evaluateSignal(
    signal,
    {
      equity: s.equity,
      cash: s.cash,
      grossExposure: s.grossExposure,
      symbolQty: s.symbolQty.get(signal.symbol) ?? 0,
      pendingSymbolNotional,
      pendingGrossNotional,
      haltedState:
        breakerState !== 'trading'
          ? breakerState
          : s.venueMismatch !== undefined
            ? 'reconciliation'
            : s.feedStale !== undefined
              ? 'feed.stale'
              : undefined,
      haltReason:
        breakerState !== 'trading' ? (breaker.context.reason ?? undefined) : (s.venueMismatch ?? s.feedStale),
    },
    limits,
    market,
  );
  if (!verdict.approved) {
    publish({
      type: 'RiskDecision',
      signalId: signal.id,
      ts: signal.ts,
      symbol: signal.symbol,
      approved: false,
      layer: verdict.layer,
      rule: verdict.rule,
      reason: verdict.reason,
    });
    return;
  }
  publish({
    type: 'RiskDecision',
    signalId: signal.id,
    ts: signal.ts,
    symbol: signal.symbol,
    approved: true,
    qty: verdict.qty,
    limitedBy: verdict.limitedBy,
  });
  s.orders++;
  const clientOrderId = `${orderIdPrefix}${s.orders}`;
  if (!verdict.reduceOnly) {
    s.pending.set(clientOrderId, { symbol: signal.symbol, qty: verdict.qty, price: signal.price });
  }
  publish({
    type: 'Order',
    clientOrderId,
    signalId: signal.id,
    ts: signal.ts,
    symbol: signal.symbol,
    side: verdict.side,
    orderType: 'market',
    qty: verdict.qty,
    referencePrice: roundPrice(signal.price, market.priceStep),
    purpose: verdict.reduceOnly ? 'exit' : 'entry',
    reduceOnly: verdict.reduceOnly,
    stopLoss: verdict.stopLoss,
    takeProfit: verdict.takeProfit,
  });
}
