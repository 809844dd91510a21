// Alpaca's Trading API (US equities) behind the OrderVenue port: orders by client_order_id, fills from the FILL
// account activities (one VenueTrade per execution), account cash, positions and asset rules.
//
// Plain `fetch`, not the SDK's generated trading client: placing an order needs to tell "never reached Alpaca"
// (connection refused → retryable) from "sent, no answer" (timeout → unknown_outcome), which the SDK folds into
// one FetchError; the 403/422 bodies' `message` decides rejected vs duplicate_id; venue strings are parsed once
// here; and no retry layer sits under the session's own. Keys travel only in the two request headers and are
// masked out of every message this file builds.
import type { Market } from '../../machines/domain.ts';
import { parseRetryAfter } from '../../machines/data/retry-policy.ts';
import {
  VenueError,
  type OrderRequest,
  type OrderVenue,
  type VenueBalances,
  type VenueLifecycle,
  type VenueOrderState,
  type VenueTrade,
} from '../session/order-venue.ts';

export interface AlpacaVenueOptions {
  keyId: string | undefined;
  secretKey: string | undefined;
  /** Trading origin: https://paper-api.alpaca.markets, https://api.alpaca.markets or a stand-in (APCA_API_BASE_URL). */
  baseUrl: string;
  /** Per request; an order POST that outlives it is an unknown outcome. */
  timeoutMs?: number;
}

/** What Alpaca's account says beyond the port's balances (reconciliation shows these). */
export interface AlpacaAccount {
  cash: number;
  equity: number;
  buyingPower: number;
}

export interface AlpacaVenue extends OrderVenue {
  account(): Promise<AlpacaAccount>;
}

/**
 * Every Alpaca order status (alpaca-py `OrderStatus`, the Trading API's order-status table) and where it stands
 * in the lifecycle. `live` statuses are `working`, or `partially_filled` once something has filled:
 * - pending_cancel / pending_replace: the request is not done yet and a fill can still land, so it is still live;
 * - stopped: a trade is guaranteed but has not happened yet; held: a bracket leg waiting for its parent;
 *   pending_review: under review before it reaches the market; suspended: not eligible for trading right now but
 *   still on the book (it can be cancelled or resumed) — all live, so reconciliation keeps seeing them open;
 * - calculated: done for the day, settlement pending: filled if everything filled, else cancelled (done for the day);
 * - replaced: this order is gone, its replacement (replaced_by) carries on: cancelled, naming the replacement.
 */
export const ALPACA_ORDER_STATUSES = {
  new: 'live',
  accepted: 'live',
  pending_new: 'live',
  accepted_for_bidding: 'live',
  pending_review: 'live',
  held: 'live',
  stopped: 'live',
  suspended: 'live',
  pending_cancel: 'live',
  pending_replace: 'live',
  partially_filled: 'partially_filled',
  filled: 'filled',
  calculated: 'calculated',
  canceled: 'cancelled',
  expired: 'cancelled',
  done_for_day: 'cancelled',
  replaced: 'cancelled',
  rejected: 'rejected',
} as const satisfies Record<string, VenueLifecycle | 'live' | 'calculated'>;

export type AlpacaOrderStatus = keyof typeof ALPACA_ORDER_STATUSES;

const CANCEL_REASONS: Record<string, string> = {
  canceled: 'canceled',
  expired: 'expired (time in force ran out)',
  done_for_day: 'done for day',
};

type Json = Record<string, unknown>;

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;
}

/** Alpaca sends quantities and prices as decimal strings (some SDK fixtures as numbers); null means none yet. */
function decimal(value: unknown, what: string): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (!Number.isFinite(n)) throw new VenueError('retryable', `alpaca: unreadable ${what} ${JSON.stringify(value)}`);
  return n;
}

/** A number the answer must carry (cash, a position's quantity): missing is a garbled answer, never 0. */
function requiredDecimal(value: unknown, what: string): number {
  if (value === null || value === undefined) throw new VenueError('retryable', `alpaca: the answer has no ${what}`);
  return decimal(value, what);
}

function isKnownStatus(status: string): status is AlpacaOrderStatus {
  return Object.hasOwn(ALPACA_ORDER_STATUSES, status);
}

/** An Alpaca order object in the lifecycle's terms; a status this table does not know is fatal, never a guess. */
export function parseAlpacaOrder(order: Json): VenueOrderState {
  const status = text(order['status']) ?? '';
  const clientOrderId = text(order['client_order_id']) ?? '';
  if (!isKnownStatus(status)) {
    throw new VenueError('fatal', `alpaca: order ${clientOrderId} has status "${status}", which this adapter does not know`);
  }
  const filledQty = decimal(order['filled_qty'], 'filled_qty');
  const qty = decimal(order['qty'], 'qty');
  const category = ALPACA_ORDER_STATUSES[status];
  let lifecycle: VenueLifecycle;
  let reason: string | undefined;
  if (category === 'live') {
    lifecycle = filledQty > 0 ? 'partially_filled' : 'working';
    if (status !== 'new' && status !== 'accepted' && status !== 'pending_new') reason = status.replaceAll('_', ' ');
  } else if (category === 'calculated') {
    lifecycle = qty > 0 && filledQty >= qty ? 'filled' : 'cancelled';
    if (lifecycle === 'cancelled') reason = 'done for day (calculated)';
  } else {
    lifecycle = category;
    if (status === 'replaced') reason = `replaced by order ${text(order['replaced_by']) ?? '(unnamed)'}`;
    else if (status === 'rejected') reason = 'rejected by alpaca';
    else reason = CANCEL_REASONS[status];
  }
  return {
    clientOrderId,
    venueOrderId: text(order['id']) ?? '',
    symbol: text(order['symbol']) ?? '',
    lifecycle,
    venueStatus: status,
    filledQty,
    ...(reason === undefined ? {} : { reason }),
  };
}

/** One FILL activity as a trade. Equities are commission-free; regulatory fees arrive as separate FEE activities. */
export function parseFillActivity(activity: Json, clientOrderId: string): VenueTrade {
  const side = text(activity['side']);
  const ts = Date.parse(text(activity['transaction_time']) ?? '');
  if ((side !== 'buy' && side !== 'sell') || !Number.isFinite(ts)) {
    throw new VenueError('retryable', `alpaca: unreadable fill activity ${text(activity['id']) ?? '(no id)'}`);
  }
  return {
    tradeId: text(activity['id']) ?? '',
    clientOrderId,
    venueOrderId: text(activity['order_id']) ?? '',
    symbol: text(activity['symbol']) ?? '',
    side,
    ts,
    qty: decimal(activity['qty'], 'fill qty'),
    price: decimal(activity['price'], 'fill price'),
    fee: 0,
    feeCurrency: 'USD',
    feeAmount: 0,
  };
}

/** Shares, up to Alpaca's 9 decimals, without float noise or exponent notation. */
export function formatQty(qty: number): string {
  return qty.toFixed(9).replace(/\.?0+$/, '');
}

/** A price at Alpaca's finest tick (0.0001 below $1, 0.01 above; the caller rounded it to the tick). */
function formatPrice(price: number): string {
  return price.toFixed(4).replace(/\.?0+$/, '');
}

/** Alpaca's price increment for equities: $0.01, or $0.0001 below $1. */
export function alpacaPriceTick(price: number): number {
  return price < 1 ? 0.0001 : 0.01;
}

/** Fractional shares trade down to 1e-9 with a $1 minimum cost; other assets in whole shares. */
export function marketFromAsset(asset: Json): Market {
  const symbol = text(asset['symbol']) ?? '';
  const fractionable = asset['fractionable'] === true;
  return {
    symbol,
    kind: 'stock',
    exchange: 'alpaca',
    amountStep: fractionable ? 1e-9 : 1,
    // One step per market: 0.01 is a multiple of the sub-dollar 0.0001 tick too, so it is valid at any price.
    priceStep: 0.01,
    minQty: fractionable ? 1e-9 : 1,
    minNotional: fractionable ? 1 : 0,
  };
}

/** Alpaca requires `day` for fractional orders; protective stops and limits on whole shares stay until cancelled. */
function timeInForce(order: OrderRequest): 'day' | 'gtc' {
  if (order.type === 'market' || !Number.isInteger(order.qty)) return 'day';
  return 'gtc';
}

function orderBody(order: OrderRequest): Json {
  const body: Json = {
    symbol: order.symbol,
    qty: formatQty(order.qty),
    side: order.side,
    type: order.type,
    time_in_force: timeInForce(order),
    client_order_id: order.clientOrderId,
  };
  if (order.type !== 'market') {
    if (order.price === undefined) throw new VenueError('rejected', `alpaca: ${order.type} order ${order.clientOrderId} has no price`);
    body[order.type === 'stop' ? 'stop_price' : 'limit_price'] = formatPrice(order.price);
  }
  return body;
}

interface Call {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  query?: Record<string, string>;
  body?: Json;
  /** An order POST: anything short of an answer may have placed it. */
  placing?: boolean;
}

interface Answer {
  status: number;
  body: unknown;
  /** The Retry-After header, as sent. */
  retryAfter?: string;
}

const FILL_PAGE_SIZE = 100;

export function createAlpacaVenue(opts: AlpacaVenueOptions): AlpacaVenue {
  const { keyId, secretKey } = opts;
  if (!keyId || !secretKey) {
    throw new VenueError('fatal', 'alpaca: set APCA_API_KEY_ID and APCA_API_SECRET_KEY (in .env, see .env.example)');
  }
  const origin = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? 30_000;
  /** Ids never change: the venue id and submit time of each order seen, so trades() needs no extra lookup. */
  const known = new Map<string, { venueOrderId: string; submittedAt: string }>();

  const mask = (message: string): string => message.replaceAll(keyId, '***').replaceAll(secretKey, '***');
  const fail = (kind: VenueError['kind'], message: string, retryAfterMs?: number): VenueError =>
    new VenueError(kind, mask(message), retryAfterMs);

  async function request(call: Call): Promise<Answer> {
    const url = new URL(`${origin}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) url.searchParams.set(name, value);
    const where = `alpaca ${call.method} ${call.path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: call.method,
        headers: {
          'APCA-API-KEY-ID': keyId!,
          'APCA-API-SECRET-KEY': secretKey!,
          ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const name = (err as { name?: unknown }).name;
      const code = (err as { code?: unknown }).code;
      const refused = code === 'ConnectionRefused' || code === 'ECONNREFUSED';
      const timedOut = name === 'TimeoutError' || name === 'AbortError';
      const what = timedOut ? `no answer within ${timeoutMs} ms` : refused ? 'connection refused' : `network error (${String(code ?? name)})`;
      // A refused connection never carried the order; anything later might have.
      if (call.placing && !refused) throw fail('unknown_outcome', `${where}: ${what}; look the client order id up before resending`);
      throw fail('retryable', `${where}: ${what}`);
    }
    const raw = await response.text().catch(() => undefined);
    let body: unknown;
    try {
      body = raw === undefined || raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const ok = response.status >= 200 && response.status < 300;
    if (ok && raw === undefined) {
      if (call.placing) throw fail('unknown_outcome', `${where}: answer cut off; look the client order id up before resending`);
      throw fail('retryable', `${where}: answer cut off`);
    }
    if (ok && body === undefined && raw !== '') {
      if (call.placing) throw fail('unknown_outcome', `${where}: unreadable answer; look the client order id up before resending`);
      throw fail('retryable', `${where}: unreadable answer`);
    }
    const retryAfter = response.headers.get('retry-after');
    return { status: response.status, body, ...(retryAfter === null ? {} : { retryAfter }) };
  }

  function venueMessage(answer: Answer): string {
    const message = (answer.body as Json | undefined)?.['message'];
    return typeof message === 'string' ? message.slice(0, 200) : '';
  }

  /** Statuses every call treats alike; the rest is the caller's to read. */
  function commonFailure(call: Call, answer: Answer): VenueError | undefined {
    const where = `alpaca ${call.method} ${call.path}`;
    const said = venueMessage(answer);
    const detail = `HTTP ${answer.status}${said === '' ? '' : `: ${said}`}`;
    if (answer.status === 429) {
      return fail('retryable', `${where}: rate limited (${detail})`, parseRetryAfter(answer.retryAfter, Date.now()));
    }
    if (answer.status === 401) return fail('fatal', `${where}: credentials refused (${detail}); check APCA_API_KEY_ID / APCA_API_SECRET_KEY`);
    if (answer.status >= 500) {
      return call.placing
        ? fail('unknown_outcome', `${where}: ${detail}; look the client order id up before resending`)
        : fail('retryable', `${where}: ${detail}`);
    }
    return undefined;
  }

  async function send(call: Call): Promise<Answer> {
    const answer = await request(call);
    const common = commonFailure(call, answer);
    if (common !== undefined) throw common;
    return answer;
  }

  function unexpected(call: Call, answer: Answer): VenueError {
    const said = venueMessage(answer);
    return fail('fatal', `alpaca ${call.method} ${call.path}: HTTP ${answer.status}${said === '' ? '' : `: ${said}`}`);
  }

  function remember(state: VenueOrderState, order: Json): VenueOrderState {
    const submittedAt = text(order['submitted_at']) ?? text(order['created_at']);
    if (state.clientOrderId !== '' && submittedAt !== undefined) {
      known.set(state.clientOrderId, { venueOrderId: state.venueOrderId, submittedAt });
    }
    return state;
  }

  function asObject(call: Call, answer: Answer): Json {
    if (typeof answer.body !== 'object' || answer.body === null || Array.isArray(answer.body)) {
      throw fail(call.placing ? 'unknown_outcome' : 'retryable', `alpaca ${call.method} ${call.path}: answer is not a JSON object`);
    }
    return answer.body as Json;
  }

  /** A list answer: a 200 that is not a JSON array is garbled (retried), any other status is the caller's to read. */
  function asList(call: Call, answer: Answer): Json[] {
    if (answer.status !== 200) throw unexpected(call, answer);
    if (!Array.isArray(answer.body)) throw fail('retryable', `alpaca ${call.method} ${call.path}: answer is not a JSON array`);
    return answer.body as Json[];
  }

  async function lookupRaw(clientOrderId: string): Promise<Json | undefined> {
    const call: Call = { method: 'GET', path: '/v2/orders:by_client_order_id', query: { client_order_id: clientOrderId } };
    const answer = await send(call);
    if (answer.status === 404) return undefined;
    if (answer.status !== 200) throw unexpected(call, answer);
    return asObject(call, answer);
  }

  async function lookup(_symbol: string, clientOrderId: string): Promise<VenueOrderState | undefined> {
    const order = await lookupRaw(clientOrderId);
    return order === undefined ? undefined : remember(parseAlpacaOrder(order), order);
  }

  async function account(): Promise<AlpacaAccount> {
    const call: Call = { method: 'GET', path: '/v2/account' };
    const answer = await send(call);
    if (answer.status !== 200) throw unexpected(call, answer);
    const body = asObject(call, answer);
    return {
      cash: requiredDecimal(body['cash'], 'cash (GET /v2/account)'),
      equity: requiredDecimal(body['equity'], 'equity (GET /v2/account)'),
      // Cash available without margin: what a cash account may spend.
      buyingPower: decimal(body['non_marginable_buying_power'] ?? body['buying_power'], 'buying power'),
    };
  }

  return {
    name: 'alpaca',
    nativeStops: true,

    async markets(symbols) {
      const markets: Record<string, Market> = {};
      for (const symbol of symbols) {
        const call: Call = { method: 'GET', path: `/v2/assets/${encodeURIComponent(symbol)}` };
        const answer = await send(call);
        if (answer.status === 404) throw fail('fatal', `alpaca: no asset ${symbol} (404)`);
        if (answer.status !== 200) throw unexpected(call, answer);
        const asset = asObject(call, answer);
        if (asset['tradable'] !== true || asset['status'] !== 'active') {
          throw fail('fatal', `alpaca: ${symbol} is not tradable (status ${text(asset['status']) ?? 'unknown'})`);
        }
        markets[symbol] = marketFromAsset(asset);
      }
      return markets;
    },

    async place(order) {
      const call: Call = { method: 'POST', path: '/v2/orders', body: orderBody(order), placing: true };
      const answer = await send(call);
      const said = venueMessage(answer);
      const detail = `alpaca: order ${order.clientOrderId} (${order.side} ${formatQty(order.qty)} ${order.symbol} ${order.type})`;
      if (answer.status === 200 || answer.status === 201) {
        const placed = asObject(call, answer);
        return remember(parseAlpacaOrder(placed), placed);
      }
      if (answer.status === 422 && /client_order_id must be unique/i.test(said)) {
        throw fail('duplicate_id', `${detail}: the venue already has this client order id (${said})`);
      }
      // 403: buying power, short-selling and similar account checks; 400/422: invalid qty, notional, symbol.
      // Anything else (a 404 from a wrong base URL, say) is configuration: fatal rather than a quiet rejection.
      if (answer.status === 403 || answer.status === 422 || answer.status === 400) {
        throw fail('rejected', `${detail} rejected: HTTP ${answer.status}${said === '' ? '' : ` ${said}`}`);
      }
      throw unexpected(call, answer);
    },

    lookup,

    async cancel(symbol, clientOrderId) {
      const before = await lookup(symbol, clientOrderId);
      if (before === undefined) throw fail('rejected', `alpaca: cannot cancel ${clientOrderId}: the venue has no such order`);
      if (before.lifecycle !== 'working' && before.lifecycle !== 'partially_filled') return before;
      const call: Call = { method: 'DELETE', path: `/v2/orders/${encodeURIComponent(before.venueOrderId)}` };
      const answer = await send(call);
      // 204: cancel requested; 422: no longer cancelable (a fill won the race); 404: gone. The order says which.
      if (answer.status !== 204 && answer.status !== 200 && answer.status !== 422 && answer.status !== 404) {
        throw unexpected(call, answer);
      }
      const after = await lookup(symbol, clientOrderId);
      if (after === undefined) throw fail('retryable', `alpaca: order ${clientOrderId} vanished after its cancel`);
      return after;
    },

    async openOrders(symbols) {
      const call: Call = {
        method: 'GET',
        path: '/v2/orders',
        query: { status: 'open', limit: '500', direction: 'asc', ...(symbols.length > 0 ? { symbols: symbols.join(',') } : {}) },
      };
      const answer = await send(call);
      const wanted = new Set(symbols);
      return asList(call, answer)
        .map((order) => remember(parseAlpacaOrder(order), order))
        .filter((state) => wanted.size === 0 || wanted.has(state.symbol));
    },

    async trades(symbol, clientOrderId) {
      let ids = known.get(clientOrderId);
      if (ids === undefined) {
        if ((await lookup(symbol, clientOrderId)) === undefined) return [];
        ids = known.get(clientOrderId)!;
      }
      // Fills come after the order was submitted; a second's margin covers clock rounding at the venue.
      const after = new Date(Date.parse(ids.submittedAt) - 1000).toISOString();
      const trades: VenueTrade[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const call: Call = {
          method: 'GET',
          path: '/v2/account/activities/FILL',
          query: { after, direction: 'asc', page_size: String(FILL_PAGE_SIZE), ...(pageToken === undefined ? {} : { page_token: pageToken }) },
        };
        const answer = await send(call);
        const page = asList(call, answer);
        for (const activity of page) {
          if (activity['order_id'] === ids.venueOrderId) trades.push(parseFillActivity(activity, clientOrderId));
        }
        if (page.length < FILL_PAGE_SIZE) break;
        pageToken = text(page[page.length - 1]!['id']);
      }
      return trades.sort((a, b) => a.ts - b.ts || a.tradeId.localeCompare(b.tradeId));
    },

    async balances(): Promise<VenueBalances> {
      const { cash, buyingPower } = await account();
      return { total: { USD: cash }, free: { USD: Math.min(cash, buyingPower) } };
    },

    account,

    async positions(symbols) {
      const call: Call = { method: 'GET', path: '/v2/positions' };
      const answer = await send(call);
      const held = new Map<string, number>();
      for (const position of asList(call, answer)) {
        const qty = Math.abs(requiredDecimal(position['qty'], 'position qty (GET /v2/positions)'));
        held.set(text(position['symbol']) ?? '', position['side'] === 'short' ? -qty : qty);
      }
      return Object.fromEntries(symbols.map((symbol) => [symbol, held.get(symbol) ?? 0]));
    },

    async close() {},
  };
}
