// Carries the live executor's requests to the venue and its answers back into the journal, one call at a
// time. An order is journaled as `sent` before its request leaves; a request whose outcome is unknown (timeout,
// 5xx, a crash) is resolved by looking its client order id up before anything is sent again, and a resend
// reuses the id, so the venue's own duplicate check stops a second copy: an order is never placed twice.
import { decideRetry, type RetryPolicy } from '../../machines/data/retry-policy.ts';
import { describeDifference, reconcile, type ReconcileTolerance } from '../../machines/execution/reconcile.ts';
import type { PortfolioState } from '../portfolio.actor.ts';
import type { VenueRequest } from '../messages.ts';
import type { VenueExecutorState } from '../venue-executor.actor.ts';
import { VenueError, type OrderVenue, type VenueOrderState, type VenueTrade } from './order-venue.ts';
import type { Session } from './session-runtime.ts';

export interface LiveOrdersOptions {
  retry: RetryPolicy;
  sleep(ms: number): Promise<void>;
  log(line: string): void;
}

/** How often an order whose outcome is unknown is looked up, then sent again with the same id. */
const MAX_RESENDS = 3;

export class LiveOrders {
  private chain: Promise<void> = Promise.resolve();
  private failure: Error | undefined;

  constructor(
    private readonly session: Session,
    private readonly venue: OrderVenue,
    private readonly opts: LiveOrdersOptions,
  ) {}

  /** The first error no retry could fix (the session stops with it). */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Takes over the requests derived during recovery, then every new one as the executor makes it. */
  start(): void {
    const open = this.openOrders();
    const pending = this.session.recoveredRequests.splice(0);
    // Orders still open after the replay: sent ones are looked up (a crash may have cut the answer off),
    // unsent ones are sent now; cancels of still-open orders are asked again (idempotent at the venue).
    for (const request of pending) {
      if (!open.has(request.clientOrderId)) continue;
      if (request.action === 'place' && this.session.sent.has(request.clientOrderId)) {
        this.enqueue(() => this.resolveUnknown(request));
      } else {
        this.enqueue(() => this.execute(request));
      }
    }
    this.session.onVenueRequest = (request) => this.enqueue(() => this.execute(request));
  }

  /** Asks the venue about every open order and journals what changed (state or new trades). */
  poll(): Promise<void> {
    for (const id of this.openOrders().keys()) {
      this.enqueue(async () => {
        const live = this.openOrders().get(id);
        if (live === undefined) return;
        const state = await this.withRetry(`look up ${id}`, () => this.venue.lookup(live.order.symbol, id));
        if (state === undefined) return;
        await this.report(state, live.ref.getSnapshot().value as string);
      });
    }
    return this.idle();
  }

  /** Resolves when every queued venue call has finished. */
  idle(): Promise<void> {
    return this.chain;
  }

  /**
   * Venue against journal: positions, our open orders, cash in the quote currency. A difference is journaled
   * (a risk event; entries stop while one is past tolerance); with `adopt` the venue's state is journaled as the
   * truth instead. Returns the differences found.
   */
  async reconcile(quoteCurrency: string, tolerance: ReconcileTolerance, adopt: boolean): Promise<string[]> {
    // On the chain like every venue call: no order goes out between the venue's answers and the comparison (it
    // would look like a difference), and a session stopping waits for it before it closes (idle()).
    let differences: string[] = [];
    this.enqueue(async () => {
      differences = await this.compare(quoteCurrency, tolerance, adopt);
    });
    await this.idle();
    return differences;
  }

  private async compare(quoteCurrency: string, tolerance: ReconcileTolerance, adopt: boolean): Promise<string[]> {
    const symbols = this.session.snapshot.symbols;
    const [positions, open, balances] = await Promise.all([
      this.withRetry('positions', () => this.venue.positions(symbols)),
      this.withRetry('open orders', () => this.venue.openOrders(symbols)),
      this.withRetry('balances', () => this.venue.balances()),
    ]);
    const executor = this.session.pipeline.get('executor').getSnapshot().context as VenueExecutorState;
    const portfolio = this.session.pipeline.get('portfolio').getSnapshot().context as PortfolioState;
    const ours = `${this.session.runId}-`;
    const sessionSide = {
      positions: Object.fromEntries(symbols.map((s) => [s, executor.held.get(s) ?? 0])),
      openOrders: [...executor.open.keys()],
      cash: portfolio.book.cash,
    };
    const venueSide = {
      positions,
      openOrders: open.map((o) => o.clientOrderId).filter((id) => id.startsWith(ours)),
      cash: balances.total[quoteCurrency] ?? 0,
    };
    const differences = reconcile(sessionSide, venueSide, tolerance);
    const risk = this.session.pipeline.get('risk').getSnapshot().context as { venueMismatch: string | undefined };
    const blocking = differences.some((d) => d.blocking);
    if (blocking && adopt) {
      const prices = executor.lastClose;
      this.session.record({
        kind: 'adopt',
        ts: this.session.clockTs,
        payload: {
          positions: Object.fromEntries(
            Object.entries(positions)
              .filter(([, qty]) => qty !== 0)
              .map(([symbol, qty]) => [symbol, { qty, price: prices.get(symbol) ?? 0 }]),
          ),
          cash: venueSide.cash,
        },
      });
      return differences.map(describeDifference);
    }
    if (differences.length > 0 || risk.venueMismatch !== undefined) {
      this.session.record({ kind: 'reconcile', ts: this.session.clockTs, payload: { differences } });
    }
    return differences.map(describeDifference);
  }

  private openOrders(): VenueExecutorState['open'] {
    return (this.session.pipeline.get('executor').getSnapshot().context as VenueExecutorState).open;
  }

  private enqueue(task: () => Promise<void>): void {
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return;
      try {
        await task();
      } catch (err) {
        this.failure = err instanceof Error ? err : new Error(String(err));
        this.opts.log(`venue   ${this.failure.message}`);
      }
    });
  }

  private async execute(request: VenueRequest): Promise<void> {
    if (request.action === 'cancel') {
      const state = await this.withRetry(`cancel ${request.clientOrderId}`, () =>
        this.venue.cancel(request.symbol, request.clientOrderId),
      );
      await this.report(state);
      return;
    }
    this.session.recordSent(request.clientOrderId, request.symbol, request.ts);
    await this.place(request, 0);
  }

  private async place(request: VenueRequest, resends: number): Promise<void> {
    try {
      const state = await this.withRetry(`place ${request.clientOrderId}`, () => this.venue.place(request.request!));
      await this.report(state);
    } catch (err) {
      if (!(err instanceof VenueError)) throw err;
      if (err.kind === 'rejected') {
        this.session.record({
          kind: 'venue',
          ts: this.session.clockTs,
          payload: {
            order: {
              clientOrderId: request.clientOrderId,
              venueOrderId: '',
              symbol: request.symbol,
              lifecycle: 'rejected',
              venueStatus: 'rejected',
              filledQty: 0,
              reason: err.message,
            },
            trades: [],
          },
        });
        return;
      }
      if (err.kind === 'unknown_outcome' || err.kind === 'duplicate_id') {
        this.opts.log(`venue   ${request.clientOrderId}: ${err.message}; looking it up before anything else`);
        await this.resolveUnknown(request, resends);
        return;
      }
      throw err;
    }
  }

  /** The order may or may not be at the venue: look it up by its client id; send it again only if absent. */
  private async resolveUnknown(request: VenueRequest, resends = 0): Promise<void> {
    const found = await this.withRetry(`look up ${request.clientOrderId}`, () =>
      this.venue.lookup(request.symbol, request.clientOrderId),
    );
    if (found !== undefined) {
      await this.report(found);
      return;
    }
    if (resends >= MAX_RESENDS) {
      throw new Error(`${this.venue.name}: order ${request.clientOrderId} (${request.symbol}) is still unknown after ${resends} resends`);
    }
    await this.place(request, resends + 1);
  }

  /** Journals the venue's state of an order with the trades the session has not booked yet. */
  private async report(state: VenueOrderState, lastKnown?: string): Promise<void> {
    const live = this.openOrders().get(state.clientOrderId);
    if (live === undefined) return;
    let trades: VenueTrade[] = [];
    if (state.filledQty > live.filled + 1e-12) {
      const all = await this.withRetry(`trades of ${state.clientOrderId}`, () => this.venue.trades(state.symbol, state.clientOrderId));
      trades = all.filter((t) => !live.tradeIds.has(t.tradeId));
    }
    const changed =
      trades.length > 0 ||
      lastKnown === undefined ||
      (state.lifecycle === 'cancelled' || state.lifecycle === 'rejected') ||
      ((state.lifecycle === 'working' || state.lifecycle === 'partially_filled') && lastKnown === 'submitted');
    if (!changed) return;
    this.session.record({ kind: 'venue', ts: this.session.clockTs, payload: { order: state, trades } });
  }

  private withRetry<T>(what: string, call: () => Promise<T>): Promise<T> {
    return withVenueRetry(this.venue.name, what, call, this.opts);
  }
}

/** A venue call, retried while the adapter calls its failure retryable, as long as the policy allows. */
export async function withVenueRetry<T>(venueName: string, what: string, call: () => Promise<T>, opts: LiveOrdersOptions): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof VenueError) || err.kind !== 'retryable') throw err;
      const decision = decideRetry(
        // The adapter already judged it transient; the policy decides how long to wait and when to give up.
        { classNames: ['NetworkError'], message: err.message, retryAfterMs: err.retryAfterMs },
        attempt + 1,
        opts.retry,
      );
      if (decision.action === 'stop') throw new Error(`${venueName}: ${what}: ${err.message} (${decision.reason})`);
      opts.log(`venue   ${what}: ${err.message}; retrying in ${(decision.delayMs / 1000).toFixed(1)} s`);
      await opts.sleep(decision.delayMs);
    }
  }
}
