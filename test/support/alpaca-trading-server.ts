// A stand-in for Alpaca's Trading API on 127.0.0.1: orders with state, FILL activities, account, positions and
// assets in the recorded shapes of test/fixtures/alpaca/trading. Each order follows a script (accept, fill, fill
// part by part on each poll, take a fixed status, hold its answer until released, lose a race with its cancel);
// orders it cannot take are refused the way Alpaca refuses them (403 buying power, 422 below minimum, 422 duplicate
// client_order_id); faults (429, 5xx, garbled bodies) are scripted per route as in replay-server.ts.
import accountFixture from '../fixtures/alpaca/trading/account.json';
import assetFixture from '../fixtures/alpaca/trading/asset-aapl.json';
import orderFixture from '../fixtures/alpaca/trading/order-market-accepted.json';
import positionsFixture from '../fixtures/alpaca/trading/positions.json';
import type { Fault } from './replay-server.ts';

export type TradingRoute = 'createOrder' | 'orderByClientId' | 'cancelOrder' | 'listOrders' | 'fills' | 'account' | 'positions' | 'asset';

export interface OrderScript {
  /**
   * accept: stays `accepted` until cancelled; fill: filled at once; partial: each GET of the order by its client id
   * fills the next of `parts` (quantities); status: stored with exactly this status (mapping tests).
   */
  action: 'accept' | 'fill' | 'partial' | 'status';
  parts?: number[];
  status?: string;
  /** Store the order, then keep the answer back until `releaseHeld()` (a client timeout in between). */
  holdAnswer?: boolean;
  /** A DELETE finds the order filled just before it: 422 "order is not cancelable". */
  fillBeforeCancel?: boolean;
}

export interface AlpacaTradingServerOptions {
  keyId: string;
  secretKey: string;
  /** Fill price per symbol. */
  prices: Record<string, number>;
  cash?: number;
  /** Symbols whose asset is not fractionable (whole shares only). */
  wholeShareSymbols?: string[];
  /** Per order (n counts the POSTs accepted into the book, from 1). Default: fill at once. */
  orderScript?: (n: number, body: Record<string, unknown>) => OrderScript;
}

type Order = Record<string, unknown> & { id: string; client_order_id: string; symbol: string; status: string; qty: string; filled_qty: string; side: string };
type Activity = Record<string, unknown> & { id: string; order_id: string; transaction_time: string };

interface Stored {
  order: Order;
  script: OrderScript;
  partsLeft: number[];
}

export interface AlpacaTradingServer {
  url: string;
  /** POST /v2/orders requests received, whatever became of them. */
  ordersReceived(): number;
  /** Orders in the book (accepted ones, any status), oldest first. */
  orders(): Order[];
  fills(): Activity[];
  count(route: TradingRoute): number;
  script(route: TradingRoute, fault: (n: number, url: URL) => Fault | undefined): void;
  /** Changes the account's cash behind the client's back. */
  setCash(cash: number): void;
  /** Sends every answer held back by `holdAnswer`. */
  releaseHeld(): void;
  stop(): void;
}

const TERMINAL = new Set(['filled', 'canceled', 'expired', 'rejected', 'replaced', 'done_for_day', 'calculated']);

function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
}

const shares = (n: number): string => n.toFixed(9).replace(/\.?0+$/, '');

function routeOf(method: string, path: string): TradingRoute | undefined {
  if (method === 'POST' && path === '/v2/orders') return 'createOrder';
  if (method === 'GET' && path === '/v2/orders:by_client_order_id') return 'orderByClientId';
  if (method === 'GET' && path === '/v2/orders') return 'listOrders';
  if (method === 'DELETE' && path.startsWith('/v2/orders/')) return 'cancelOrder';
  if (method === 'GET' && path === '/v2/account/activities/FILL') return 'fills';
  if (method === 'GET' && path === '/v2/account') return 'account';
  if (method === 'GET' && path === '/v2/positions') return 'positions';
  if (method === 'GET' && path.startsWith('/v2/assets/')) return 'asset';
  return undefined;
}

export function startAlpacaTradingServer(opts: AlpacaTradingServerOptions): AlpacaTradingServer {
  const book: Stored[] = [];
  const activities: Activity[] = [];
  const positions = new Map<string, number>();
  const counts = new Map<TradingRoute, number>();
  const scripts = new Map<TradingRoute, (n: number, url: URL) => Fault | undefined>();
  const held: Array<() => void> = [];
  let cash = opts.cash ?? 100_000;
  let received = 0;

  // Strictly increasing, like Alpaca's microsecond transaction times: two fills in one millisecond keep their order.
  let lastMs = 0;
  const nowIso = (): string => {
    lastMs = Math.max(Date.now(), lastMs + 1);
    return new Date(lastMs).toISOString();
  };

  function fill(stored: Stored, qty: number): void {
    const { order } = stored;
    const price = opts.prices[order.symbol] ?? 100;
    const cumQty = Number(order.filled_qty) + qty;
    const leaves = Number(order.qty) - cumQty;
    const done = leaves <= 1e-12;
    const time = nowIso();
    const stamp = time.replace(/[-:TZ.]/g, '').slice(0, 17);
    activities.push({
      id: `${stamp}::${crypto.randomUUID()}`,
      activity_type: 'FILL',
      transaction_time: time,
      type: done ? 'fill' : 'partial_fill',
      price: price.toFixed(2),
      qty: shares(qty),
      side: order.side,
      symbol: order.symbol,
      leaves_qty: shares(Math.max(0, leaves)),
      order_id: order.id,
      cum_qty: shares(cumQty),
      order_status: done ? 'filled' : 'partially_filled',
    });
    const signed = order.side === 'buy' ? qty : -qty;
    positions.set(order.symbol, (positions.get(order.symbol) ?? 0) + signed);
    cash -= signed * price;
    const avg = Number(order['filled_avg_price'] ?? 0);
    order['filled_avg_price'] = ((avg * Number(order.filled_qty) + price * qty) / cumQty).toFixed(2);
    order.filled_qty = shares(cumQty);
    order.status = done ? 'filled' : 'partially_filled';
    order.updated_at = time;
    if (done) order['filled_at'] = time;
  }

  function asset(symbol: string): Record<string, unknown> | undefined {
    if (opts.prices[symbol] === undefined) return undefined;
    return { ...assetFixture, symbol, name: `${symbol} (stand-in)`, fractionable: !(opts.wholeShareSymbols ?? []).includes(symbol) };
  }

  function createOrder(body: Record<string, unknown>): Response | Stored {
    const symbol = String(body['symbol'] ?? '');
    const qty = Number(body['qty']);
    const clientOrderId = String(body['client_order_id'] ?? crypto.randomUUID());
    const found = asset(symbol);
    if (found === undefined) return json({ code: 42210000, message: `asset "${symbol}" not found` }, 422);
    if (book.some((s) => s.order.client_order_id === clientOrderId)) {
      return json({ code: 40010001, message: 'client_order_id must be unique' }, 422);
    }
    if (!(qty > 0)) return json({ code: 40010001, message: 'qty must be > 0' }, 422);
    const price = opts.prices[symbol]!;
    if (!Number.isInteger(qty)) {
      if (found['fractionable'] !== true) return json({ code: 42210000, message: `requested asset is not fractionable` }, 422);
      if (qty * price < 1) return json({ code: 40010001, message: 'cost basis must be >= 1' }, 422);
    }
    if (body['side'] === 'buy' && qty * price > cash) {
      return json({ buying_power: cash.toFixed(2), code: 40310000, cost_basis: (qty * price).toFixed(2), message: 'insufficient buying power' }, 403);
    }
    const n = book.length + 1;
    const script = opts.orderScript?.(n, body) ?? { action: 'fill' };
    const time = nowIso();
    const order: Order = {
      ...(orderFixture as Record<string, unknown>),
      id: crypto.randomUUID(),
      client_order_id: clientOrderId,
      created_at: time,
      updated_at: time,
      submitted_at: time,
      symbol,
      qty: shares(qty),
      filled_qty: '0',
      filled_avg_price: null,
      order_type: String(body['type']),
      type: String(body['type']),
      side: String(body['side']),
      time_in_force: String(body['time_in_force']),
      limit_price: body['limit_price'] ?? null,
      stop_price: body['stop_price'] ?? null,
      status: script.action === 'status' ? script.status! : 'accepted',
      position_intent: body['side'] === 'buy' ? 'buy_to_open' : 'sell_to_close',
      commission: 0,
    };
    const stored: Stored = { order, script, partsLeft: [...(script.parts ?? [])] };
    book.push(stored);
    if (script.action === 'fill') fill(stored, qty);
    return stored;
  }

  function cancel(id: string): Response {
    const stored = book.find((s) => s.order.id === id);
    if (stored === undefined) return json({ code: 40410000, message: 'order not found' }, 404);
    if (stored.script.fillBeforeCancel && !TERMINAL.has(stored.order.status)) {
      fill(stored, Number(stored.order.qty) - Number(stored.order.filled_qty));
    }
    if (TERMINAL.has(stored.order.status)) return json({ code: 42210000, message: 'order is not cancelable' }, 422);
    const time = nowIso();
    stored.order.status = 'canceled';
    stored.order['canceled_at'] = time;
    stored.order.updated_at = time;
    return new Response(null, { status: 204 });
  }

  function fillsPage(url: URL): Response {
    const after = url.searchParams.get('after');
    const direction = url.searchParams.get('direction') ?? 'desc';
    const pageSize = Math.min(Number(url.searchParams.get('page_size') ?? 100), 100);
    const token = url.searchParams.get('page_token');
    let list = activities.filter((a) => after === null || Date.parse(a.transaction_time) > Date.parse(after));
    list = direction === 'asc' ? list : [...list].reverse();
    const start = token === null ? 0 : list.findIndex((a) => a.id === token) + 1;
    return json(list.slice(start, start + pageSize));
  }

  function account(): Record<string, unknown> {
    let longValue = 0;
    for (const [symbol, qty] of positions) longValue += qty * (opts.prices[symbol] ?? 0);
    const money = (v: number): string => v.toFixed(2);
    return {
      ...accountFixture,
      cash: money(cash),
      equity: money(cash + longValue),
      portfolio_value: money(cash + longValue),
      long_market_value: money(longValue),
      buying_power: money(cash),
      non_marginable_buying_power: money(cash),
      multiplier: '1',
    };
  }

  function positionList(): unknown[] {
    const template = (positionsFixture as Array<Record<string, unknown>>)[0]!;
    return [...positions]
      .filter(([, qty]) => Math.abs(qty) > 1e-12)
      .map(([symbol, qty]) => {
        const price = opts.prices[symbol] ?? 0;
        return { ...template, symbol, qty: shares(qty), side: qty > 0 ? 'long' : 'short', current_price: price.toFixed(2), market_value: (qty * price).toFixed(2) };
      });
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const route = routeOf(request.method, url.pathname);
      if (route === undefined) return json({ code: 40410000, message: `stand-in has no ${request.method} ${url.pathname}` }, 404);
      const n = (counts.get(route) ?? 0) + 1;
      counts.set(route, n);
      if (route === 'createOrder') received++;
      if (request.headers.get('APCA-API-KEY-ID') !== opts.keyId || request.headers.get('APCA-API-SECRET-KEY') !== opts.secretKey) {
        return json({ code: 40110000, message: 'request is not authorized' }, 401);
      }
      const fault = scripts.get(route)?.(n, url);
      if (fault?.delayMs !== undefined) await Bun.sleep(fault.delayMs);
      if (fault?.status !== undefined || fault?.body !== undefined) {
        return new Response(fault.body ?? '', { status: fault.status ?? 200, headers: fault.headers });
      }
      switch (route) {
        case 'createOrder': {
          const outcome = createOrder((await request.json()) as Record<string, unknown>);
          if (outcome instanceof Response) return outcome;
          if (outcome.script.holdAnswer) await new Promise<void>((resolve) => held.push(resolve));
          return json(outcome.order);
        }
        case 'orderByClientId': {
          const stored = book.find((s) => s.order.client_order_id === url.searchParams.get('client_order_id'));
          if (stored === undefined) return json({ code: 40410000, message: 'order not found' }, 404);
          const next = stored.partsLeft.shift();
          if (next !== undefined && !TERMINAL.has(stored.order.status)) fill(stored, next);
          return json(stored.order);
        }
        case 'listOrders': {
          const status = url.searchParams.get('status') ?? 'open';
          const symbols = url.searchParams.get('symbols')?.split(',');
          const list = book
            .map((s) => s.order)
            .filter((o) => status === 'all' || (status === 'open') !== TERMINAL.has(o.status))
            .filter((o) => symbols === undefined || symbols.includes(o.symbol));
          return json(url.searchParams.get('direction') === 'asc' ? list : [...list].reverse());
        }
        case 'cancelOrder':
          return cancel(decodeURIComponent(url.pathname.slice('/v2/orders/'.length)));
        case 'fills':
          return fillsPage(url);
        case 'account':
          return json(account());
        case 'positions':
          return json(positionList());
        case 'asset': {
          const found = asset(decodeURIComponent(url.pathname.slice('/v2/assets/'.length)));
          return found === undefined ? json({ code: 40410000, message: 'asset not found' }, 404) : json(found);
        }
      }
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    ordersReceived: () => received,
    orders: () => book.map((s) => s.order),
    fills: () => [...activities],
    count: (route) => counts.get(route) ?? 0,
    script: (route, fault) => scripts.set(route, fault),
    setCash: (value) => {
      cash = value;
    },
    releaseHeld: () => {
      for (const release of held.splice(0)) release();
    },
    stop: () => {
      for (const release of held.splice(0)) release();
      server.stop(true);
    },
  };
}
