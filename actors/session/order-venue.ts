// The port a live session's orders go through: CCXT (ccxt-venue.ts) and Alpaca (alpaca-venue.ts) implement it.
// Raw venue payloads are parsed into these shapes at the edge; venue order states are mapped explicitly onto
// the order-lifecycle machine's, and a state an adapter does not know is an error, never a guess.
import type { Market, OrderType, Side } from '../../machines/domain.ts';

/** Where the order lifecycle stands at the venue, in the lifecycle machine's terms. */
export type VenueLifecycle = 'working' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected';

export interface VenueOrderState {
  clientOrderId: string;
  venueOrderId: string;
  symbol: string;
  lifecycle: VenueLifecycle;
  /** The venue's own word for it (`partially_filled`, `open`, `pending_cancel`, ...), kept for the record. */
  venueStatus: string;
  /** Cumulative filled quantity the venue reports. */
  filledQty: number;
  /** Why it was rejected, cancelled or expired, when the venue says. */
  reason?: string;
}

/** One execution reported by the venue: the portfolio books fills from these, never from an order's average. */
export interface VenueTrade {
  tradeId: string;
  clientOrderId: string;
  venueOrderId: string;
  symbol: string;
  side: Side;
  /** Execution time at the venue, ms UTC. */
  ts: number;
  qty: number;
  price: number;
  /** Fee in the quote currency (converted by the adapter at the trade price when charged in another asset). */
  fee: number;
  /** What the venue charged, as it said it. */
  feeCurrency: string;
  feeAmount: number;
}

export interface OrderRequest {
  clientOrderId: string;
  symbol: string;
  side: Side;
  type: OrderType;
  /** Already rounded to the market's amount step. */
  qty: number;
  /** Stop price (type `stop`) or limit price (type `limit`), rounded to the tick. */
  price?: number;
}

/**
 * How a failed call may be handled:
 * - `retryable`: nothing reached the venue's book (429, 5xx before acceptance, connection refused): retry with backoff;
 * - `unknown_outcome`: the request may have been accepted (a timeout after sending, a 5xx on an order POST): look the
 *   client order id up before anything else — never resend blindly;
 * - `duplicate_id`: the venue already has an order with this client id: look it up, it is ours;
 * - `rejected`: the venue refused the order (insufficient funds, below the minimum, unknown symbol): final;
 * - `fatal`: credentials or configuration: the session stops with this one line.
 */
export type VenueErrorKind = 'retryable' | 'unknown_outcome' | 'duplicate_id' | 'rejected' | 'fatal';

export class VenueError extends Error {
  override name = 'VenueError';
  constructor(
    readonly kind: VenueErrorKind,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface VenueBalances {
  /** Total (free + locked) per currency or asset, e.g. { USDT: 1000, BTC: 0.5 }. */
  total: Record<string, number>;
  free: Record<string, number>;
}

export interface OrderVenue {
  /** `binance`, `alpaca`, ... — shown in the session's config and every error line. */
  readonly name: string;
  /** Whether protective stops are placed as native stop orders at the venue (else watched locally on each bar). */
  readonly nativeStops: boolean;
  /** Precision and limits of each symbol from the venue (CCXT markets, Alpaca assets). */
  markets(symbols: readonly string[]): Promise<Record<string, Market>>;
  /** Places an order; resolves with its state once the venue acknowledged it. */
  place(order: OrderRequest): Promise<VenueOrderState>;
  /** The order with this client id, or undefined when the venue has none. */
  lookup(symbol: string, clientOrderId: string): Promise<VenueOrderState | undefined>;
  /** Asks the venue to cancel; resolves with the state after the request (a fill may have won the race). */
  cancel(symbol: string, clientOrderId: string): Promise<VenueOrderState>;
  openOrders(symbols: readonly string[]): Promise<VenueOrderState[]>;
  /** Executions of one order (all of them, oldest first). */
  trades(symbol: string, clientOrderId: string): Promise<VenueTrade[]>;
  balances(): Promise<VenueBalances>;
  /** Signed position per symbol: base-asset balances for spot crypto, positions for stocks. */
  positions(symbols: readonly string[]): Promise<Record<string, number>>;
  close(): Promise<void>;
}
