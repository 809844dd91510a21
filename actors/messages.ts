// The one message union of the event pipeline:
// MarketData → Signal → RiskDecision → Order → OrderUpdate / Fill → PositionUpdate → EquitySnapshot, plus RiskEvent.
// All timestamps are exchange time in ms UTC. Messages are never mutated after they are sent.
import type {
  Bar,
  OrderPurpose,
  OrderStatus,
  OrderType,
  RiskLayer,
  Side,
  SignalAction,
} from '../machines/domain.ts';
import type { Alert } from '../machines/alerts/alert.ts';
import type { Difference } from '../machines/execution/reconcile.ts';
import type { OrderRequest, VenueOrderState, VenueTrade } from './session/order-venue.ts';

export interface MarketData extends Bar {
  type: 'MarketData';
}

export interface Signal {
  type: 'Signal';
  id: string;
  /** Close time of the bar the signal was computed on. */
  ts: number;
  strategy: string;
  symbol: string;
  action: SignalAction;
  /** 0..1, scales the position size. */
  confidence: number;
  /** The close the strategy saw; risk sizes against it. */
  price: number;
  stopLoss?: number;
  takeProfit?: number;
  reason: string;
}

export type RiskDecision =
  | {
      type: 'RiskDecision';
      signalId: string;
      ts: number;
      symbol: string;
      approved: true;
      qty: number;
      /** Which limit shrank the size, if any (e.g. `symbol.max_pct`). */
      limitedBy?: string;
    }
  | {
      type: 'RiskDecision';
      signalId: string;
      ts: number;
      symbol: string;
      approved: false;
      layer: RiskLayer;
      rule: string;
      reason: string;
    };

export interface Order {
  type: 'Order';
  clientOrderId: string;
  signalId: string;
  /** Decision time: the close of the bar the signal came from. An order never fills on or before it. */
  ts: number;
  symbol: string;
  side: Side;
  orderType: OrderType;
  qty: number;
  /** Limit or stop price; absent for market orders. */
  price?: number;
  /** The price the decision was made at (signal close), for slippage accounting. */
  referencePrice: number;
  purpose: OrderPurpose;
  reduceOnly: boolean;
  /** Protective orders the executor places once this entry fills. */
  stopLoss?: number;
  takeProfit?: number;
  parentId?: string;
}

export interface OrderUpdate {
  type: 'OrderUpdate';
  clientOrderId: string;
  ts: number;
  symbol: string;
  status: OrderStatus;
  reason?: string;
}

export interface Fill {
  type: 'Fill';
  fillId: string;
  clientOrderId: string;
  ts: number;
  symbol: string;
  side: Side;
  qty: number;
  price: number;
  /** Commission in quote currency. */
  fee: number;
  /** Cost of slippage in quote currency: the adverse move from the un-slipped price (bar open or stop). */
  slippage: number;
  purpose: OrderPurpose;
}

export interface PositionUpdate {
  type: 'PositionUpdate';
  ts: number;
  symbol: string;
  /** Signed: positive long, negative short, 0 flat. */
  qty: number;
  avgPrice: number;
  lastPrice: number;
  realizedPnl: number;
  unrealizedPnl: number;
}

/** An open position re-valued at a bar close (quantity unchanged): live unrealised P&L for the dashboard. */
export interface PositionMark extends Omit<PositionUpdate, 'type'> {
  type: 'PositionMark';
}

export interface EquitySnapshot {
  type: 'EquitySnapshot';
  ts: number;
  cash: number;
  positionsValue: number;
  equity: number;
  /** Σ |position value|: what the portfolio layer caps. */
  grossExposure: number;
  realizedPnl: number;
  unrealizedPnl: number;
  fees: number;
}

export type RiskEventKind =
  | 'breaker_tripped'
  | 'breaker_lifted'
  | 'breaker_reset'
  | 'feed_stale'
  | 'feed_fresh'
  | 'reconcile_mismatch'
  | 'reconcile_ok'
  | 'venue_adopted';

export interface RiskEvent {
  type: 'RiskEvent';
  ts: number;
  kind: RiskEventKind;
  level: 'info' | 'warning' | 'critical';
  /** Circuit-breaker state after the event, e.g. `halted.drawdown`. */
  state: string;
  reason: string;
}

/** End of the stream (backtest data exhausted, or live shutdown). */
export interface EndOfData {
  type: 'EndOfData';
  ts: number;
}

/** Operator command: lift a drawdown halt. */
export interface ResetCircuitBreaker {
  type: 'ResetCircuitBreaker';
  ts: number;
  reason: string;
}

/**
 * A stored candle that only primes the strategy's indicators before a live session's first bar: no signal,
 * no order, no mark. Journaled like any other input so a restart primes the indicators identically.
 */
export interface WarmupData extends Bar {
  type: 'WarmupData';
}

/** Operator kill switch: halt new entries, cancel working entry orders; `flatten` also closes every position. */
export interface OperatorHalt {
  type: 'OperatorHalt';
  /** Close time of the last bar processed when the command was taken (the session's clock). */
  ts: number;
  reason: string;
  flatten: boolean;
}

/** Operator command: lift a manual halt (`resetDrawdown` also lifts a drawdown halt). */
export interface OperatorResume {
  type: 'OperatorResume';
  ts: number;
  reason: string;
}

/** The live feed went quiet (no bar for two timeframes) or came back: no new entries while stale. */
export interface FeedStatus {
  type: 'FeedStatus';
  ts: number;
  stale: boolean;
  reason: string;
}

/**
 * What a live venue reported about one of our orders (journaled before the pipeline sees it): its state in the
 * lifecycle's terms and the executions not reported before.
 */
export interface VenueReport {
  type: 'VenueReport';
  /** Session clock when the report was taken. */
  ts: number;
  order: VenueOrderState;
  trades: VenueTrade[];
}

/** The live executor asks the session to place or cancel an order at the venue (derived; never journaled). */
export interface VenueRequest {
  type: 'VenueRequest';
  ts: number;
  action: 'place' | 'cancel';
  clientOrderId: string;
  symbol: string;
  /** For `place`: the order as the venue receives it. */
  request?: OrderRequest;
}

/** Venue state against the journal-derived state (live); a blocking difference stops new entries. */
export interface Reconciliation {
  type: 'Reconciliation';
  ts: number;
  differences: Difference[];
}

/** `--adopt`: the operator takes the venue's positions and cash as the truth (journaled). */
export interface AdoptVenueState {
  type: 'AdoptVenueState';
  ts: number;
  /** Quantity and the price it is valued at (the venue's average entry, else the last price). */
  positions: Record<string, { qty: number; price: number }>;
  cash: number;
}

/** A machine-backed actor changed state (for the visualiser and time-travel debugging). */
export interface StateTransition {
  type: 'StateTransition';
  ts: number;
  actor: string;
  from: string;
  to: string;
  event: string;
}

/**
 * A paper/live session ended on an error it could not retry past (an exchange error after its retries, a venue
 * the adapter does not understand): published by the session so the alerts actor raises it like any other alert.
 */
export interface SessionError {
  type: 'SessionError';
  /** The session clock when it failed. */
  ts: number;
  reason: string;
}

/** An alert the alerts actor raised (after deduplication): recorded in the run's `alerts` table. */
export interface AlertRaised {
  type: 'AlertRaised';
  ts: number;
  alert: Alert;
}

export type PipelineMessage =
  | MarketData
  | Signal
  | RiskDecision
  | Order
  | OrderUpdate
  | Fill
  | PositionUpdate
  | PositionMark
  | EquitySnapshot
  | RiskEvent
  | EndOfData
  | ResetCircuitBreaker
  | WarmupData
  | OperatorHalt
  | OperatorResume
  | FeedStatus
  | VenueReport
  | VenueRequest
  | Reconciliation
  | AdoptVenueState
  | StateTransition
  | SessionError
  | AlertRaised;

export type MessageType = PipelineMessage['type'];
export type MessageOf<T extends MessageType> = Extract<PipelineMessage, { type: T }>;
