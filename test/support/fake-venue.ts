// An in-memory venue behind the OrderVenue port, for the live executor's own tests (the CCXT and Alpaca
// adapters are tested against their HTTP stand-ins). Market orders fill at the price the test sets; stops
// fill when a bar the test shows it trades through them. Behaviours can be scripted per order.
import type { Market } from '../../machines/domain.ts';
import {
  VenueError,
  type OrderRequest,
  type OrderVenue,
  type VenueBalances,
  type VenueOrderState,
  type VenueTrade,
} from '../../actors/session/order-venue.ts';

type Behaviour = 'fill' | 'timeout_after_accept' | 'hang_after_accept' | 'reject' | 'rate_limit_once' | 'partial_then_fill';

interface FakeOrder {
  request: OrderRequest;
  state: VenueOrderState;
  trades: VenueTrade[];
}

export class FakeVenue implements OrderVenue {
  readonly name = 'fake';
  readonly received: OrderRequest[] = [];
  readonly orders = new Map<string, FakeOrder>();
  private prices = new Map<string, number>();
  private script: Behaviour[] = [];
  private now = 0;
  private tradeSeq = 0;
  /** Binance's default: a buy's fee is taken from the base asset received, so less of it arrives. */
  feesInBaseOnBuys = false;

  constructor(
    readonly nativeStops: boolean,
    private readonly marketRules: Record<string, Market>,
    private readonly feeRate = 0.001,
    private readonly startingCash = 100_000,
    /** Binance-like: a buy's fee is taken from the coin received, and quantities are cut to this step. */
    private readonly binanceLike?: { qtyStep: number },
  ) {}

  /** The next orders behave like this, in order; then they fill. */
  scriptNext(...behaviours: Behaviour[]): void {
    this.script.push(...behaviours);
  }

  clearScript(): void {
    this.script.length = 0;
  }

  setPrice(symbol: string, price: number, ts: number): void {
    this.prices.set(symbol, price);
    this.now = ts;
  }

  /** A bar trades through working stops: they fill at their stop price. */
  showBar(symbol: string, low: number, high: number, ts: number): void {
    this.now = ts;
    for (const o of this.orders.values()) {
      if (o.request.symbol !== symbol || o.request.type !== 'stop' || o.state.lifecycle !== 'working') continue;
      const hit = o.request.side === 'sell' ? low <= o.request.price! : high >= o.request.price!;
      if (hit) this.fill(o, o.request.qty, o.request.price!);
    }
  }

  async markets(symbols: readonly string[]): Promise<Record<string, Market>> {
    return Object.fromEntries(symbols.map((s) => [s, this.marketRules[s]!]));
  }

  async place(request: OrderRequest): Promise<VenueOrderState> {
    const behaviour = this.script.shift() ?? 'fill';
    if (behaviour === 'rate_limit_once') {
      this.script.unshift('fill');
      throw new VenueError('retryable', 'HTTP 429 Too Many Requests', 10);
    }
    if (this.orders.has(request.clientOrderId)) throw new VenueError('duplicate_id', 'duplicate client order id');
    this.received.push(request);
    if (behaviour === 'reject') throw new VenueError('rejected', 'insufficient balance');
    if (this.feesInBaseOnBuys && request.side === 'sell' && request.qty > ((await this.positions([request.symbol]))[request.symbol] ?? 0) + 1e-12) {
      this.received.pop();
      throw new VenueError('rejected', 'Account has insufficient balance for requested action.');
    }
    const order: FakeOrder = {
      request,
      state: {
        clientOrderId: request.clientOrderId,
        venueOrderId: `v${this.received.length}`,
        symbol: request.symbol,
        lifecycle: 'working',
        venueStatus: 'open',
        filledQty: 0,
      },
      trades: [],
    };
    this.orders.set(request.clientOrderId, order);
    if (request.type === 'market') {
      const price = this.prices.get(request.symbol)!;
      if (this.binanceLike !== undefined) {
        const step = this.binanceLike.qtyStep;
        this.fill(order, Math.floor(request.qty / step + 1e-9) * step, price);
        order.state = { ...order.state, lifecycle: 'filled', venueStatus: 'FILLED' };
        return { ...order.state };
      }
      if (behaviour === 'partial_then_fill') {
        const half = Math.floor((request.qty / 2) * 1e8) / 1e8;
        this.fill(order, half, price);
        this.fill(order, request.qty - half, price * 1.001);
      } else {
        this.fill(order, request.qty, price);
      }
    }
    if (behaviour === 'timeout_after_accept') throw new VenueError('unknown_outcome', 'request timed out after 10000 ms');
    // The process dies while waiting for the answer: the caller never hears back.
    if (behaviour === 'hang_after_accept') return new Promise<VenueOrderState>(() => {});
    return { ...order.state };
  }

  async lookup(_symbol: string, clientOrderId: string): Promise<VenueOrderState | undefined> {
    const o = this.orders.get(clientOrderId);
    return o && { ...o.state };
  }

  async cancel(_symbol: string, clientOrderId: string): Promise<VenueOrderState> {
    const o = this.orders.get(clientOrderId);
    if (o === undefined) throw new VenueError('rejected', `unknown order ${clientOrderId}`);
    if (o.state.lifecycle === 'working' || o.state.lifecycle === 'partially_filled') {
      o.state = { ...o.state, lifecycle: 'cancelled', venueStatus: 'canceled', reason: 'cancelled on request' };
    }
    return { ...o.state };
  }

  async openOrders(): Promise<VenueOrderState[]> {
    return [...this.orders.values()].filter((o) => o.state.lifecycle === 'working' || o.state.lifecycle === 'partially_filled').map((o) => ({ ...o.state }));
  }

  async trades(_symbol: string, clientOrderId: string): Promise<VenueTrade[]> {
    return [...(this.orders.get(clientOrderId)?.trades ?? [])];
  }

  /** USD: the starting cash moved by every trade and its fee (the session's markets all quote in USD). */
  async balances(): Promise<VenueBalances> {
    let cash = this.startingCash;
    for (const o of this.orders.values()) {
      for (const t of o.trades) cash += (t.side === 'buy' ? -1 : 1) * t.qty * t.price - (t.feeCurrency === 'USD' ? t.fee : 0);
    }
    return { total: { USD: cash }, free: { USD: cash } };
  }

  async positions(symbols: readonly string[]): Promise<Record<string, number>> {
    const held: Record<string, number> = Object.fromEntries(symbols.map((s) => [s, 0]));
    for (const o of this.orders.values()) {
      for (const t of o.trades) {
        const baseFee = t.feeCurrency === 'USD' ? 0 : t.feeAmount;
        held[t.symbol] = (held[t.symbol] ?? 0) + (t.side === 'buy' ? t.qty : -t.qty) - baseFee;
      }
    }
    return held;
  }

  async close(): Promise<void> {}

  private fill(order: FakeOrder, qty: number, price: number): void {
    this.tradeSeq++;
    const feeInCoin = (this.feesInBaseOnBuys || this.binanceLike !== undefined) && order.request.side === 'buy';
    order.trades.push({
      tradeId: `t${this.tradeSeq}`,
      clientOrderId: order.request.clientOrderId,
      venueOrderId: order.state.venueOrderId,
      symbol: order.request.symbol,
      side: order.request.side,
      ts: this.now,
      qty,
      price,
      fee: qty * price * this.feeRate,
      ...(feeInCoin
        ? { feeCurrency: order.request.symbol.split('/')[0]!, feeAmount: qty * this.feeRate }
        : { feeCurrency: 'USD', feeAmount: qty * price * this.feeRate }),
    });
    const filledQty = order.state.filledQty + qty;
    const done = filledQty >= order.request.qty - 1e-12;
    order.state = { ...order.state, filledQty, lifecycle: done ? 'filled' : 'partially_filled', venueStatus: done ? 'closed' : 'open' };
  }
}
