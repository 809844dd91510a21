// A Binance spot stand-in on 127.0.0.1 for the CCXT venue adapter: the signed order endpoints (/api/v3/order POST,
// GET, DELETE; /openOrders; /myTrades; /account) and /exchangeInfo, answering in the recorded response shapes of
// test/fixtures/ccxt/binance-orders.json, with one state per order. Each new order follows a plan chosen by the
// test (rest on the book, fill now, fill over several polls, be refused, never be answered, lose a race with a
// cancel) and every route can be scripted to answer 429 or 5xx. Requests must carry the key and a valid
// HMAC-SHA256 signature made with the secret, as Binance checks them. CCXT reaches it through `baseUrl`
// (api.binance.com/api/v3 → /api.binance.com/api/v3; testnet.binance.vision in sandbox mode).
// With `live` it is also the market: /klines generated up to `live.now()` (the replay server's generator), and a
// market order fills at the close of the newest bar closed when it arrives — one origin a `bun run live` process
// can both watch and trade.
import { createHmac } from 'node:crypto';
import exchangeInfo from '../fixtures/ccxt/binance-exchange-info.json';
import { BINANCE_INTERVAL_MS, klinesResponse, liveSeries, type LiveBars } from './replay-server.ts';

export type OrderRoute = 'exchangeInfo' | 'klines' | 'newOrder' | 'getOrder' | 'cancelOrder' | 'openOrders' | 'myTrades' | 'account';

export interface OrderFault {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** One execution at the stand-in; commission defaults to 0.1% in the asset received (Binance's default). */
export interface PlannedFill {
  qty: number;
  price: number;
  commission?: number;
  commissionAsset?: string;
}

/** What happens to a new order. */
export interface OrderPlan {
  /** Executions at once, before the POST answers. */
  fills?: PlannedFill[];
  /** Executions applied one per later poll of the order (GET /api/v3/order), oldest first. */
  laterFills?: PlannedFill[];
  /** Refuse the order: nothing is stored. */
  reject?: { code: number; msg: string };
  /** Store (and fill) the order, then hold the answer until the server stops: the client times out. */
  hang?: boolean;
  /** Store (and fill) the order, then answer only this much later (a kill can land between sent and acknowledged). */
  holdMs?: number;
  /** A cancel finds the order already filled (at this price): it fills the rest, then answers -2011. */
  fillsBeforeCancel?: number;
  /** Store (and fill) the order, then answer 200 with this raw body instead of the order (a garbled answer). */
  garbledAnswer?: string;
  /** Report the order with this raw status instead of the computed one (a status the adapter does not know). */
  status?: string;
}

export interface StoredOrder {
  orderId: number;
  clientOrderId: string;
  symbol: string;
  side: 'BUY' | 'SELL';
  type: string;
  origQty: number;
  price: number;
  executedQty: number;
  cummulativeQuoteQty: number;
  status: string;
  time: number;
  updateTime: number;
  plan: OrderPlan;
}

export interface StoredFill {
  id: number;
  orderId: number;
  symbol: string;
  price: number;
  qty: number;
  commission: number;
  commissionAsset: string;
  time: number;
  isBuyer: boolean;
}

export interface OrderServerOptions {
  apiKey: string;
  secret: string;
  /** Starting balances (free), e.g. { USDT: 10_000, BTC: 0 }. */
  balances?: Record<string, number>;
  /** Last trade price per venue symbol: market orders fill here unless a plan says otherwise. */
  prices?: Record<string, number>;
  /** Generated bars served on /klines; market orders then fill at the newest closed bar's close. */
  live?: LiveBars;
  /** The timeframe of the generated bars (market orders look up the newest closed bar of it), default 1m. */
  liveInterval?: string;
}

export interface OrderServer {
  url: string;
  /** Every order the server stored, in arrival order (refused ones are not stored). */
  orders: StoredOrder[];
  fills: StoredFill[];
  /** Every request: route, method, host segment (api.binance.com or testnet.binance.vision). */
  requests: Array<{ route: OrderRoute | 'unknown'; method: string; host: string }>;
  /** New-order requests received, stored, refused or answered with a fault. */
  ordersReceived(): number;
  /** The plan of the next new orders, one per call of `plan` (n counts new-order requests from 1). */
  planOrders(plan: (n: number, params: URLSearchParams) => OrderPlan | undefined): void;
  /** Misbehave on a route: n counts that route's requests from 1. */
  script(route: OrderRoute, fault: (n: number) => OrderFault | undefined): void;
  /**
   * Market orders fill at `price(clientOrderId)` when it answers (the crash drill: the close of the bar the order
   * was decided on, so a session that reaches the venue late still gets the price an uninterrupted one got).
   */
  priceMarketOrders(price: (clientOrderId: string) => number | undefined): void;
  /** Changes a balance behind the client's back. */
  setBalance(asset: string, free: number): void;
  balances(): Record<string, number>;
  stop(): void;
}

const STEP_DIGITS = 8;
const decimal = (v: number): string => v.toFixed(STEP_DIGITS);

function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...headers } });
}

const binanceError = (code: number, msg: string, status = 400): Response => json({ code, msg }, status);

function routeOf(method: string, path: string): OrderRoute | 'unknown' {
  const endpoint = path.replace(/^\/[^/]+\/api\/v3\//, '');
  if (endpoint === path) return 'unknown';
  if (endpoint === 'exchangeInfo') return 'exchangeInfo';
  if (endpoint === 'klines') return 'klines';
  if (endpoint === 'order') return method === 'POST' ? 'newOrder' : method === 'DELETE' ? 'cancelOrder' : 'getOrder';
  if (endpoint === 'openOrders' && method === 'GET') return 'openOrders';
  if (endpoint === 'myTrades') return 'myTrades';
  if (endpoint === 'account') return 'account';
  return 'unknown';
}

const OPEN = new Set(['NEW', 'PARTIALLY_FILLED']);
const CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

export function startOrderServer(opts: OrderServerOptions): OrderServer {
  const orders: StoredOrder[] = [];
  const fills: StoredFill[] = [];
  const requests: OrderServer['requests'] = [];
  const balances: Record<string, number> = { USDT: 10_000, BTC: 0, ETH: 0, BNB: 0, ...opts.balances };
  const prices: Record<string, number> = { BTCUSDT: 43_000, ETHUSDT: 2_300, ...opts.prices };
  const counts = new Map<OrderRoute, number>();
  const scripts = new Map<OrderRoute, (n: number) => OrderFault | undefined>();
  let planner: (n: number, params: URLSearchParams) => OrderPlan | undefined = () => undefined;
  let decidedPrice: (clientOrderId: string) => number | undefined = () => undefined;
  let received = 0;
  let nextOrderId = 4_000_000_001;
  let nextTradeId = 310_000_001;
  // A clock of its own: one second per request, from the recorded exchangeInfo's serverTime.
  let clock = exchangeInfo.serverTime;
  const held: Array<() => void> = [];

  const marketOf = (symbol: string) => exchangeInfo.symbols.find((s) => s.symbol === symbol);
  const filter = (symbol: string, type: string): Record<string, unknown> | undefined =>
    marketOf(symbol)?.filters.find((f) => f.filterType === type) as Record<string, unknown> | undefined;

  /** The last trade price: with generated bars, the close of the newest bar closed by now. */
  function marketPrice(symbol: string): number {
    const live = opts.live;
    if (live?.prices[symbol] === undefined) return prices[symbol] ?? 0;
    const barMs = BINANCE_INTERVAL_MS[opts.liveInterval ?? '1m']!;
    const now = live.now();
    const closed = liveSeries(live, symbol, barMs, now - 10 * barMs, now).filter(({ ts }) => ts + barMs <= now);
    return closed.at(-1)?.bar.close ?? live.prices[symbol][0]!.open;
  }

  function execute(order: StoredOrder, fill: PlannedFill): void {
    const market = marketOf(order.symbol)!;
    const qty = Math.min(fill.qty, order.origQty - order.executedQty);
    if (qty <= 0) return;
    const buy = order.side === 'BUY';
    const received = buy ? market.baseAsset : market.quoteAsset;
    const commissionAsset = fill.commissionAsset ?? received;
    const commission = fill.commission ?? (buy && commissionAsset === market.baseAsset ? qty * 0.001 : qty * fill.price * 0.001);
    const cost = qty * fill.price;
    balances[market.baseAsset] = (balances[market.baseAsset] ?? 0) + (buy ? qty : -qty);
    balances[market.quoteAsset] = (balances[market.quoteAsset] ?? 0) + (buy ? -cost : cost);
    balances[commissionAsset] = (balances[commissionAsset] ?? 0) - commission;
    order.executedQty += qty;
    order.cummulativeQuoteQty += cost;
    order.updateTime = clock;
    order.status = order.executedQty >= order.origQty - 1e-12 ? 'FILLED' : 'PARTIALLY_FILLED';
    fills.push({ id: nextTradeId++, orderId: order.orderId, symbol: order.symbol, price: fill.price, qty, commission, commissionAsset, time: clock, isBuyer: buy });
  }

  // Shapes as recorded (fetchOrder / fetchOpenOrders httpResponse), numbers as Binance's decimal strings.
  function orderJson(order: StoredOrder): Record<string, unknown> {
    return {
      symbol: order.symbol,
      orderId: String(order.orderId),
      orderListId: '-1',
      clientOrderId: order.clientOrderId,
      price: decimal(order.type === 'MARKET' ? 0 : order.price),
      origQty: decimal(order.origQty),
      executedQty: decimal(order.executedQty),
      cummulativeQuoteQty: decimal(order.cummulativeQuoteQty),
      status: order.plan.status ?? order.status,
      timeInForce: 'GTC',
      type: order.type,
      side: order.side,
      stopPrice: decimal(0),
      icebergQty: decimal(0),
      time: String(order.time),
      updateTime: String(order.updateTime),
      isWorking: true,
      workingTime: String(order.time),
      origQuoteOrderQty: decimal(0),
      selfTradePreventionMode: 'NONE',
    };
  }

  function newOrder(params: URLSearchParams): Response | Promise<Response> {
    const plan = planner(received, params) ?? {};
    const symbol = params.get('symbol') ?? '';
    const market = marketOf(symbol);
    if (market === undefined) return binanceError(-1121, 'Invalid symbol.');
    const clientOrderId = params.get('newClientOrderId') ?? `web_${received}`;
    if (!CLIENT_ID.test(clientOrderId)) return binanceError(-1100, "Illegal characters found in parameter 'newClientOrderId'; legal range is '^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.");
    if (orders.some((o) => o.clientOrderId === clientOrderId && OPEN.has(o.status))) return binanceError(-2010, 'Duplicate order sent.');
    if (plan.reject !== undefined) return binanceError(plan.reject.code, plan.reject.msg);
    const side = params.get('side') === 'SELL' ? 'SELL' : 'BUY';
    const type = params.get('type') ?? '';
    if (type !== 'MARKET' && type !== 'LIMIT') return binanceError(-1116, 'Invalid orderType.');
    const qty = Number(params.get('quantity'));
    const price = type === 'LIMIT' ? Number(params.get('price')) : (plan.fills?.[0]?.price ?? decidedPrice(clientOrderId) ?? marketPrice(symbol));
    const minNotional = Number(filter(symbol, 'NOTIONAL')?.['minNotional'] ?? filter(symbol, 'MIN_NOTIONAL')?.['minNotional'] ?? 0);
    if (!(qty > 0)) return binanceError(-1013, 'Invalid quantity.');
    if (qty * price < minNotional) return binanceError(-1013, 'Filter failure: NOTIONAL');
    const spend = side === 'BUY' ? qty * price : qty;
    const from = side === 'BUY' ? market.quoteAsset : market.baseAsset;
    if ((balances[from] ?? 0) < spend) return binanceError(-2010, 'Account has insufficient balance for requested action.');
    clock += 1;
    const order: StoredOrder = {
      orderId: nextOrderId++, clientOrderId, symbol, side, type, origQty: qty, price, executedQty: 0, cummulativeQuoteQty: 0,
      status: 'NEW', time: clock, updateTime: clock, plan,
    };
    orders.push(order);
    const immediate = plan.fills ?? (type === 'MARKET' && plan.laterFills === undefined ? [{ qty, price }] : []);
    const before = fills.length;
    for (const fill of immediate) execute(order, fill);
    // newOrderRespType=FULL: the recorded createOrder shape plus the fills of this request.
    const body = {
      symbol, orderId: String(order.orderId), orderListId: '-1', clientOrderId, transactTime: String(order.time),
      price: decimal(type === 'MARKET' ? 0 : price), origQty: decimal(qty), executedQty: decimal(order.executedQty),
      origQuoteOrderQty: decimal(0), cummulativeQuoteQty: decimal(order.cummulativeQuoteQty), status: plan.status ?? order.status,
      timeInForce: 'GTC', type, side, workingTime: String(order.time),
      fills: fills.slice(before).map((f) => ({ price: decimal(f.price), qty: decimal(f.qty), commission: decimal(f.commission), commissionAsset: f.commissionAsset, tradeId: f.id })),
      selfTradePreventionMode: 'NONE',
    };
    if (plan.garbledAnswer !== undefined) return new Response(plan.garbledAnswer, { status: 200, headers: { 'content-type': 'application/json' } });
    if (plan.hang) return new Promise<Response>((resolve) => held.push(() => resolve(json(body))));
    if (plan.holdMs !== undefined) return Bun.sleep(plan.holdMs).then(() => json(body));
    return json(body);
  }

  function findOrder(params: URLSearchParams): StoredOrder | undefined {
    const symbol = params.get('symbol');
    const byClient = params.get('origClientOrderId');
    const byId = params.get('orderId');
    // The newest order with this client id, as Binance answers for a reused id.
    return orders.findLast((o) => o.symbol === symbol && (byClient !== null ? o.clientOrderId === byClient : String(o.orderId) === byId));
  }

  function getOrder(params: URLSearchParams): Response {
    const order = findOrder(params);
    if (order === undefined) return binanceError(-2013, 'Order does not exist.');
    const next = order.plan.laterFills?.shift();
    if (next !== undefined && OPEN.has(order.status)) {
      clock += 1;
      execute(order, next);
    }
    return json(orderJson(order));
  }

  function cancelOrder(params: URLSearchParams): Response {
    const order = findOrder(params);
    if (order !== undefined && order.plan.fillsBeforeCancel !== undefined && OPEN.has(order.status)) {
      clock += 1;
      execute(order, { qty: order.origQty - order.executedQty, price: order.plan.fillsBeforeCancel });
    }
    if (order === undefined || !OPEN.has(order.status)) return binanceError(-2011, 'Unknown order sent.');
    clock += 1;
    order.status = 'CANCELED';
    order.updateTime = clock;
    // Binance's DELETE /api/v3/order answer (API reference): the order's fields plus the cancel's own client id.
    const { clientOrderId, ...rest } = orderJson(order);
    return json({ ...rest, origClientOrderId: clientOrderId, clientOrderId: `cancel${order.orderId}`, transactTime: String(clock) });
  }

  function myTrades(params: URLSearchParams): Response {
    const symbol = params.get('symbol');
    const orderId = params.get('orderId');
    const rows = fills.filter((f) => f.symbol === symbol && (orderId === null || String(f.orderId) === orderId));
    // The recorded fetchMyTrades row.
    return json(rows.map((f) => ({
      symbol: f.symbol, id: String(f.id), orderId: String(f.orderId), orderListId: '-1', price: decimal(f.price), qty: decimal(f.qty),
      quoteQty: decimal(f.qty * f.price), commission: decimal(f.commission), commissionAsset: f.commissionAsset, time: String(f.time),
      isBuyer: f.isBuyer, isMaker: false, isBestMatch: true,
    })));
  }

  function account(): Response {
    // The recorded fetchBalance (spot) answer with this server's balances; locked = what open orders reserve.
    const locked: Record<string, number> = {};
    for (const o of orders.filter((x) => OPEN.has(x.status) && x.type === 'LIMIT')) {
      const market = marketOf(o.symbol)!;
      const remaining = o.origQty - o.executedQty;
      if (o.side === 'BUY') locked[market.quoteAsset] = (locked[market.quoteAsset] ?? 0) + remaining * o.price;
      else locked[market.baseAsset] = (locked[market.baseAsset] ?? 0) + remaining;
    }
    return json({
      makerCommission: '10', takerCommission: '10', buyerCommission: '0', sellerCommission: '0',
      commissionRates: { maker: '0.00100000', taker: '0.00100000', buyer: '0.00000000', seller: '0.00000000' },
      canTrade: true, canWithdraw: true, canDeposit: true, brokered: false, requireSelfTradePrevention: false, preventSor: false,
      updateTime: String(clock), accountType: 'SPOT',
      balances: Object.entries(balances).map(([asset, total]) => ({
        asset, free: decimal(total - (locked[asset] ?? 0)), locked: decimal(locked[asset] ?? 0),
      })),
      permissions: ['SPOT'], uid: '365859102',
    });
  }

  /** The signed query: GET/DELETE in the URL, POST in the form body; signature = HMAC-SHA256(secret, the rest). */
  function authenticate(request: Request, raw: string): Response | URLSearchParams {
    if (request.headers.get('X-MBX-APIKEY') !== opts.apiKey) return binanceError(-2015, 'Invalid API-key, IP, or permissions for action.', 401);
    const at = raw.lastIndexOf('&signature=');
    if (at < 0) return binanceError(-1102, "Mandatory parameter 'signature' was not sent, was empty/null, or malformed.");
    const expected = createHmac('sha256', opts.secret).update(raw.slice(0, at)).digest('hex');
    if (raw.slice(at + '&signature='.length) !== expected) return binanceError(-1022, 'Signature for this request is not valid.');
    return new URLSearchParams(raw);
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const route = routeOf(request.method, url.pathname);
      requests.push({ route, method: request.method, host: url.pathname.split('/')[1] ?? '' });
      if (route === 'unknown') return binanceError(-1, `no stand-in for ${request.method} ${url.pathname}`, 404);
      const n = (counts.get(route) ?? 0) + 1;
      counts.set(route, n);
      const raw = request.method === 'POST' ? await request.text() : url.search.slice(1);
      if (route === 'newOrder') received++;
      const fault = scripts.get(route)?.(n);
      if (fault !== undefined) return new Response(fault.body, { status: fault.status, headers: fault.headers });
      clock += 1000;
      if (route === 'exchangeInfo') return json(exchangeInfo);
      if (route === 'klines') return klinesResponse(url, opts.live);
      const params = authenticate(request, raw);
      if (params instanceof Response) return params;
      switch (route) {
        case 'newOrder': return newOrder(params);
        case 'getOrder': return getOrder(params);
        case 'cancelOrder': return cancelOrder(params);
        case 'openOrders': return json(orders.filter((o) => o.symbol === params.get('symbol') && OPEN.has(o.status)).map(orderJson));
        case 'myTrades': return myTrades(params);
        case 'account': return account();
      }
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    orders,
    fills,
    requests,
    ordersReceived: () => received,
    planOrders: (plan) => {
      planner = plan;
    },
    script: (route, fault) => scripts.set(route, fault),
    priceMarketOrders: (price) => {
      decidedPrice = price;
    },
    setBalance: (asset, free) => {
      balances[asset] = free;
    },
    balances: () => ({ ...balances }),
    stop: () => {
      for (const release of held.splice(0)) release();
      server.stop(true);
    },
  };
}
