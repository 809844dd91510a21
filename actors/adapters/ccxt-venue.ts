// Binance spot orders through CCXT behind the OrderVenue port. Every order carries our client order id
// (Binance `newClientOrderId`) and is looked up by it (`origClientOrderId`), so a request that timed out is resolved
// by a lookup, never by a resend. CCXT's order statuses are mapped onto the lifecycle explicitly; a status not in the
// table is an error naming it. Errors leave as VenueError with the handling the port defines, and their text never
// carries the key or the secret (CCXT's messages are scrubbed of both and of request signatures).
//
// Order types used: MARKET and LIMIT (GTC). Protective stops are not placed at Binance (nativeStops = false): spot
// offers only STOP_LOSS_LIMIT, whose limit leg can be skipped by a gap and leave the position unprotected, so the
// session watches stops locally on every bar and exits with a market order. The adapter does not retry: it classifies
// each failure and the caller's retry policy decides (retryable → back off, honouring Retry-After).
import ccxt, { type Exchange, type Order, type Trade } from 'ccxt';
import type { Market } from '../../machines/domain.ts';
import { errorClassNames, parseRetryAfter } from '../../machines/data/retry-policy.ts';
import { VenueError, type OrderRequest, type OrderVenue, type VenueBalances, type VenueLifecycle, type VenueOrderState, type VenueTrade } from '../session/order-venue.ts';
import { loadMarketsOnce, rewriteApiUrls } from './ccxt-source.ts';

export interface CcxtVenueOptions {
  exchange: 'binance';
  apiKey: string;
  secret: string;
  /** Send every request to this origin instead (the 127.0.0.1 stand-in): see rewriteApiUrls. */
  baseUrl?: string;
  /** The exchange's testnet through CCXT's setSandboxMode. */
  sandbox?: boolean;
  timeoutMs: number;
  /**
   * Price of a fee asset in the quote currency (e.g. BNB in USDT) when the venue charges in neither side of the
   * pair. Without it such a fee is refused (fatal), never guessed.
   */
  feeAssetPrice?: (asset: string, quote: string) => number | undefined;
  /** Wall clock for Retry-After dates (default Date.now). */
  now?: () => number;
}

type Operation = 'place' | 'lookup' | 'cancel' | 'openOrders' | 'trades' | 'balances' | 'markets';

// The default export spreads ccxt's constants onto itself.
const { TICK_SIZE } = ccxt as unknown as { TICK_SIZE: number };
const MESSAGE_CHARS = 240;
/** Binance: `^[\.A-Z\:/a-z0-9_-]{1,36}$`. */
const BINANCE_CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

/** CCXT's unified status → lifecycle; anything else is not guessed. */
const LIFECYCLE: Record<string, (filled: number) => { lifecycle: VenueLifecycle; reason?: string }> = {
  open: (filled) => ({ lifecycle: filled > 0 ? 'partially_filled' : 'working' }),
  closed: () => ({ lifecycle: 'filled' }),
  canceled: () => ({ lifecycle: 'cancelled' }),
  expired: () => ({ lifecycle: 'cancelled', reason: 'expired' }),
  rejected: () => ({ lifecycle: 'rejected', reason: 'rejected by the venue' }),
};

/** A CCXT order in the lifecycle's terms; `venueStatus` keeps the exchange's own word (Binance's NEW, FILLED, ...). */
export function toVenueOrderState(venue: string, order: Order, clientOrderId: string): VenueOrderState {
  const raw = (order.info as Record<string, unknown> | undefined)?.['status'];
  const venueStatus = typeof raw === 'string' ? raw : String(order.status);
  const map = order.status === undefined ? undefined : LIFECYCLE[order.status];
  if (map === undefined) {
    throw new VenueError('fatal', `${venue}: order ${clientOrderId} has status ${venueStatus} (ccxt "${String(order.status)}"), which the adapter does not map`);
  }
  const filledQty = order.filled ?? 0;
  const { lifecycle, reason } = map(filledQty);
  const state: VenueOrderState = { clientOrderId, venueOrderId: String(order.id), symbol: order.symbol ?? '', lifecycle, venueStatus, filledQty };
  if (reason !== undefined) state.reason = reason;
  return state;
}

/** The fee of one trade in the quote currency: base → × price, quote → as is, another asset → its supplied price. */
export function feeInQuote(
  venue: string,
  trade: { price: number; fee?: { cost?: number; currency?: string } },
  base: string,
  quote: string,
  feeAssetPrice?: (asset: string, quote: string) => number | undefined,
): { fee: number; feeCurrency: string; feeAmount: number } {
  const amount = trade.fee?.cost ?? 0;
  const currency = trade.fee?.currency ?? quote;
  if (amount === 0 || currency === quote) return { fee: amount, feeCurrency: currency, feeAmount: amount };
  if (currency === base) return { fee: amount * trade.price, feeCurrency: currency, feeAmount: amount };
  const price = feeAssetPrice?.(currency, quote);
  if (price === undefined || !(price > 0)) {
    throw new VenueError('fatal', `${venue}: a fee of ${amount} ${currency} has no price in ${quote} (pay fees in ${base} or ${quote}, or supply a ${currency} price)`);
  }
  return { fee: amount * price, feeCurrency: currency, feeAmount: amount };
}

function isJsonContainer(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null;
  } catch {
    return false;
  }
}

function has(names: string[], ...wanted: string[]): boolean {
  return wanted.some((name) => names.includes(name));
}

/**
 * What a CCXT failure means for the caller. `place` is special: once the request may have left, a timeout or an
 * answer the venue failed to give (5xx, garbled body, "execution status unknown") says nothing about the order.
 */
export function venueErrorKind(names: string[], message: string, operation: Operation): VenueError['kind'] {
  if (/Duplicate order sent/i.test(message) || has(names, 'DuplicateOrderId')) return 'duplicate_id';
  if (has(names, 'AuthenticationError', 'PermissionDenied', 'AccountSuspended', 'AccountNotEnabled')) return 'fatal';
  if (has(names, 'RateLimitExceeded', 'DDoSProtection')) return 'retryable';
  if (operation === 'place') {
    if (has(names, 'OperationFailed') || /"code":-100[67]\b/.test(message)) return 'unknown_outcome';
    // The venue answered and refused this order (funds, filters, symbol): final for the order, not for the session.
    // NotSupported / ArgumentsRequired are our mistakes, not the venue's answer.
    if (has(names, 'NotSupported', 'ArgumentsRequired')) return 'fatal';
    if (has(names, 'ExchangeError')) return 'rejected';
    return 'fatal';
  }
  if (has(names, 'OperationFailed')) return 'retryable';
  return 'fatal';
}

export function createCcxtVenue(opts: CcxtVenueOptions): OrderVenue {
  const venue = opts.exchange;
  const now = opts.now ?? Date.now;
  const exchange: Exchange = new ccxt.binance({
    apiKey: opts.apiKey,
    secret: opts.secret,
    enableRateLimit: true,
    timeout: opts.timeoutMs,
    // Spot only (one exchangeInfo request); no currency list or margin pairs from the private sapi (not on the testnet).
    options: { fetchMarkets: { types: ['spot'] }, fetchCurrencies: false, fetchMargins: false },
  });
  exchange.enableLastResponseHeaders = true;
  // CCXT hands a 2xx body that is not JSON on as a string: parsed, it becomes an empty balance (cash 0, no
  // positions: a false reconcile difference, or a false truth under --adopt) or a TypeError. Binance answers every
  // REST call with a JSON object or array, so anything else is a garbled answer: BadResponse, which is retried on a
  // read and, on an order POST, is an unknown outcome resolved by looking the client order id up.
  exchange.onRestResponse = (status: number, _statusText: string, url: string, method: string, _headers: unknown, body: string): string => {
    const text = body.trim();
    if (status >= 200 && status < 300 && !isJsonContainer(text)) {
      throw new ccxt.BadResponse(`${method} ${new URL(url).pathname} answered ${status} with a body that is not a JSON object or array: ${JSON.stringify(text.slice(0, 60))}`);
    }
    return text;
  };
  if (opts.sandbox) exchange.setSandboxMode(true);
  if (opts.baseUrl !== undefined) {
    exchange.urls.api = rewriteApiUrls(exchange.urls.api, opts.baseUrl, String(exchange.hostname ?? '')) as Exchange['urls']['api'];
  }

  const secrets = [opts.apiKey, opts.secret].filter((s) => s.length >= 4);
  function scrub(text: string): string {
    let out = text.replace(/signature=[^&\s"]+/g, 'signature=…');
    for (const secret of secrets) out = out.split(secret).join('***');
    return out.length > MESSAGE_CHARS ? `${out.slice(0, MESSAGE_CHARS)}…` : out;
  }

  function failure(error: unknown, operation: Operation, subject: string): VenueError {
    if (error instanceof VenueError) return error;
    const names = errorClassNames(error);
    const message = error instanceof Error ? error.message : String(error);
    const kind = venueErrorKind(names, message, operation);
    const headers = exchange.last_response_headers as Record<string, string> | undefined;
    const retryAfterMs = kind === 'retryable' ? parseRetryAfter(headers?.['Retry-After'] ?? headers?.['retry-after'], now()) : undefined;
    return new VenueError(kind, `${venue} ${operation} ${subject}: ${names[0] ?? 'Error'}: ${scrub(message)}`, retryAfterMs);
  }

  async function call<T>(operation: Operation, subject: string, request: () => Promise<T>): Promise<T> {
    exchange.last_response_headers = undefined;
    try {
      return await request();
    } catch (error) {
      throw failure(error, operation, subject);
    }
  }

  async function loaded(operation: Operation, symbol: string): Promise<{ base: string; quote: string }> {
    const markets = await call(operation, symbol, () => loadMarketsOnce(exchange));
    const market = markets[symbol];
    if (market === undefined) throw new VenueError('fatal', `${venue}: unknown symbol ${symbol} (spot, spelled like BTC/USDT)`);
    return { base: market.base, quote: market.quote };
  }

  // Venue order ids of the orders seen in this process: trades() needs one, and asking for it would poll the order.
  const venueOrderIds = new Map<string, string>();
  const known = (state: VenueOrderState): VenueOrderState => {
    venueOrderIds.set(`${state.symbol} ${state.clientOrderId}`, state.venueOrderId);
    return state;
  };

  const isNotFound = (error: unknown): boolean => {
    const names = errorClassNames(error);
    const message = error instanceof Error ? error.message : '';
    return has(names, 'OrderNotFound') || /Order does not exist|"code":-2013\b/.test(message);
  };

  async function lookup(symbol: string, clientOrderId: string): Promise<VenueOrderState | undefined> {
    await loaded('lookup', symbol);
    exchange.last_response_headers = undefined;
    let order: Order;
    try {
      order = await exchange.fetchOrder('', symbol, { origClientOrderId: clientOrderId });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw failure(error, 'lookup', clientOrderId);
    }
    return known(toVenueOrderState(venue, order, clientOrderId));
  }

  async function balances(): Promise<VenueBalances> {
    const balance = await call('balances', 'account', () => exchange.fetchBalance());
    // An account answer without its balance list would read as an empty account: zero cash, no positions.
    if (!Array.isArray((balance.info as Record<string, unknown> | undefined)?.['balances'])) {
      throw new VenueError('retryable', `${venue} balances account: BadResponse: the account answer has no balances list`);
    }
    const numbers = (record: unknown): Record<string, number> =>
      Object.fromEntries(Object.entries((record ?? {}) as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number'));
    return { total: numbers(balance.total), free: numbers(balance.free) };
  }

  return {
    name: venue,
    nativeStops: false,

    async markets(symbols) {
      const markets = await call('markets', symbols.join(','), () => loadMarketsOnce(exchange));
      const out: Record<string, Market> = {};
      for (const symbol of symbols) {
        const market = markets[symbol];
        if (market === undefined) throw new VenueError('fatal', `${venue}: unknown symbol ${symbol} (spot, spelled like BTC/USDT)`);
        const amountStep = market.precision?.amount;
        const priceStep = market.precision?.price;
        if (exchange.precisionMode !== TICK_SIZE || !(amountStep! > 0) || !(priceStep! > 0)) {
          throw new VenueError('fatal', `${venue} ${symbol}: no amount step or price tick in the market's precision`);
        }
        out[symbol] = {
          symbol, kind: 'crypto', exchange: venue, amountStep: amountStep!, priceStep: priceStep!,
          minQty: market.limits?.amount?.min ?? 0, minNotional: market.limits?.cost?.min ?? 0,
        };
      }
      return out;
    },

    async place(order: OrderRequest) {
      if (!BINANCE_CLIENT_ID.test(order.clientOrderId)) {
        throw new VenueError('fatal', `${venue}: client order id "${order.clientOrderId}" is not 1-36 of [.A-Za-z0-9:/_-]`);
      }
      if (order.type === 'stop') {
        throw new VenueError('fatal', `${venue} place ${order.clientOrderId}: stops are watched locally on Binance spot (nativeStops false), not placed`);
      }
      if (order.type === 'limit' && order.price === undefined) {
        throw new VenueError('fatal', `${venue} place ${order.clientOrderId}: a limit order needs a price`);
      }
      await loaded('place', order.symbol);
      // A market order goes without a price: with one, CCXT turns a Binance market buy into a quoteOrderQty order.
      const price = order.type === 'limit' ? order.price : undefined;
      const placed = await call('place', order.clientOrderId, () =>
        exchange.createOrder(order.symbol, order.type, order.side, order.qty, price, { newClientOrderId: order.clientOrderId }),
      );
      return known(toVenueOrderState(venue, placed, order.clientOrderId));
    },

    lookup,

    async cancel(symbol, clientOrderId) {
      await loaded('cancel', symbol);
      exchange.last_response_headers = undefined;
      try {
        const order = await exchange.cancelOrder('', symbol, { origClientOrderId: clientOrderId });
        return known(toVenueOrderState(venue, order, clientOrderId));
      } catch (error) {
        const kind = failure(error, 'cancel', clientOrderId);
        // "Unknown order sent." (-2011): the order is no longer open. A fill may have won the race: ask for it.
        const gone = isNotFound(error) || has(errorClassNames(error), 'OperationRejected', 'InvalidOrder') || /Unknown order sent/.test(String(error));
        if (!gone) throw kind;
        const state = await lookup(symbol, clientOrderId);
        if (state === undefined) throw new VenueError('rejected', `${venue} cancel ${clientOrderId}: the venue has no such order`);
        if (state.lifecycle === 'working' || state.lifecycle === 'partially_filled') throw kind;
        return state;
      }
    },

    async openOrders(symbols) {
      const out: VenueOrderState[] = [];
      for (const symbol of symbols) {
        await loaded('openOrders', symbol);
        const orders = await call('openOrders', symbol, () => exchange.fetchOpenOrders(symbol));
        for (const order of orders) out.push(toVenueOrderState(venue, order, order.clientOrderId ?? String(order.id)));
      }
      return out;
    },

    async trades(symbol, clientOrderId) {
      const { base, quote } = await loaded('trades', symbol);
      const venueOrderId = venueOrderIds.get(`${symbol} ${clientOrderId}`) ?? (await lookup(symbol, clientOrderId))?.venueOrderId;
      if (venueOrderId === undefined) return [];
      const trades: Trade[] = await call('trades', clientOrderId, () =>
        exchange.fetchMyTrades(symbol, undefined, undefined, { orderId: venueOrderId }),
      );
      return trades
        .filter((trade) => String(trade.order) === venueOrderId)
        .sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0))
        .map((trade): VenueTrade => ({
          tradeId: String(trade.id),
          clientOrderId,
          venueOrderId,
          symbol,
          side: trade.side === 'sell' ? 'sell' : 'buy',
          ts: trade.timestamp ?? 0,
          qty: trade.amount ?? 0,
          price: trade.price ?? 0,
          ...feeInQuote(venue, { price: trade.price ?? 0, fee: { cost: trade.fee?.cost ?? 0, currency: trade.fee?.currency ?? quote } }, base, quote, opts.feeAssetPrice),
        }));
    },

    balances,

    async positions(symbols) {
      const bases = await Promise.all(symbols.map(async (symbol) => [symbol, (await loaded('balances', symbol)).base] as const));
      const { total } = await balances();
      return Object.fromEntries(bases.map(([symbol, base]) => [symbol, total[base] ?? 0]));
    },

    async close() {
      await exchange.close();
    },
  };
}
