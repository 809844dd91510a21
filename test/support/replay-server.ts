// A local stand-in for Binance and Alpaca on 127.0.0.1 that replays recorded responses (test/fixtures/ccxt,
// test/fixtures/alpaca), paged the way the venues page them, with scripted faults (429, 5xx, slow or garbled
// answers) for the retry tests. CCXT reaches it through `--base-url` (api.binance.com/api/v3 → /api.binance.com/api/v3),
// the Alpaca SDK through its Configuration basePath.
import exchangeInfo from '../fixtures/ccxt/binance-exchange-info.json';
import klines from '../fixtures/ccxt/binance-klines-btcusdt-1h.json';
import alpacaBars from '../fixtures/alpaca/stock-bars.json';

export type Route = 'exchangeInfo' | 'klines' | 'bars';

export interface Fault {
  status?: number;
  headers?: Record<string, string>;
  /** Sent as is (status 200 unless given): e.g. a truncated JSON document. */
  body?: string;
  /** Answer normally, but only after this long (a client with a shorter timeout gives up first). */
  delayMs?: number;
}

export interface ReplayServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request, in order. */
  requests: Array<{ route: Route | 'unknown'; url: URL }>;
  /** Decide per request (n counts that route's requests from 1) whether to misbehave. */
  script(route: Route, fault: (n: number) => Fault | undefined): void;
  /** Answer every request of a route this much later. */
  slow(route: Route, delayMs: number): void;
  count(route: Route): number;
  stop(): void;
}

type KlineRow = (typeof klines.httpResponse)[number];
type AlpacaBar = { t: string; o: number; h: number; l: number; c: number; v: number; n: number; vw: number };

const BINANCE_PREFIX = '/api.binance.com/api/v3';
const RECORDED_INTERVAL = '1h';
const RECORDED_BINANCE_SYMBOL = 'BTCUSDT';

function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...headers } });
}

function klinesResponse(url: URL): Response {
  const symbol = url.searchParams.get('symbol') ?? '';
  const known = exchangeInfo.symbols.some((market) => market.symbol === symbol);
  if (!known) return json({ code: -1121, msg: 'Invalid symbol.' }, 400);
  const interval = url.searchParams.get('interval');
  if (interval === null || !['1m', '5m', '15m', '1h', '4h', '1d'].includes(interval)) {
    return json({ code: -1120, msg: 'Invalid interval.' }, 400);
  }
  const start = Number(url.searchParams.get('startTime') ?? 0);
  const end = Number(url.searchParams.get('endTime') ?? Number.MAX_SAFE_INTEGER);
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 500), 1000);
  const rows: KlineRow[] = symbol === RECORDED_BINANCE_SYMBOL && interval === RECORDED_INTERVAL ? klines.httpResponse : [];
  return json(rows.filter((row) => (row[0] as number) >= start && (row[0] as number) <= end).slice(0, limit));
}

function barsResponse(request: Request, url: URL): Response {
  if (!request.headers.get('APCA-API-KEY-ID') || !request.headers.get('APCA-API-SECRET-KEY')) {
    return json({ message: 'forbidden.' }, 401);
  }
  const symbols = (url.searchParams.get('symbols') ?? '').split(',').filter(Boolean);
  if (symbols.length === 0 || symbols.some((symbol) => !/^[A-Z.]+$/.test(symbol))) {
    return json({ code: 40010001, message: 'invalid symbol' }, 400);
  }
  if (url.searchParams.get('timeframe') !== alpacaBars.timeframe) return json({ bars: {}, next_page_token: null });
  const start = Date.parse(url.searchParams.get('start') ?? '1970-01-01T00:00:00Z');
  const end = Date.parse(url.searchParams.get('end') ?? '2100-01-01T00:00:00Z');
  const limit = Number(url.searchParams.get('limit') ?? 1000);
  const offset = Number(url.searchParams.get('page_token') ?? 0);
  const recorded = alpacaBars.bars as Record<string, AlpacaBar[]>;
  // Alpaca sorts by symbol, then time, and `limit` counts bars across all symbols.
  const all = symbols.flatMap((symbol) =>
    (recorded[symbol] ?? [])
      .filter((bar) => Date.parse(bar.t) >= start && Date.parse(bar.t) <= end)
      .map((bar) => ({ symbol, bar })),
  );
  const page = all.slice(offset, offset + limit);
  const bars: Record<string, AlpacaBar[]> = {};
  for (const { symbol, bar } of page) (bars[symbol] ??= []).push(bar);
  const more = offset + limit < all.length;
  return json({ bars, next_page_token: more ? String(offset + limit) : null });
}

function routeOf(url: URL): Route | 'unknown' {
  if (url.pathname === `${BINANCE_PREFIX}/exchangeInfo`) return 'exchangeInfo';
  if (url.pathname === `${BINANCE_PREFIX}/klines`) return 'klines';
  if (url.pathname === '/v2/stocks/bars') return 'bars';
  return 'unknown';
}

export function startReplayServer(): ReplayServer {
  const requests: ReplayServer['requests'] = [];
  const scripts = new Map<Route, (n: number) => Fault | undefined>();
  const delays = new Map<Route, number>();
  const counts = new Map<Route, number>();

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const route = routeOf(url);
      requests.push({ route, url });
      if (route === 'unknown') return json({ code: -1, msg: `no recorded response for ${url.pathname}` }, 404);
      const n = (counts.get(route) ?? 0) + 1;
      counts.set(route, n);
      const fault = scripts.get(route)?.(n);
      const delayMs = (fault?.delayMs ?? 0) + (delays.get(route) ?? 0);
      if (delayMs > 0) await Bun.sleep(delayMs);
      if (fault?.status !== undefined || fault?.body !== undefined) {
        return new Response(fault.body ?? '', { status: fault.status ?? 200, headers: fault.headers });
      }
      if (route === 'exchangeInfo') return json(exchangeInfo);
      if (route === 'klines') return klinesResponse(url);
      return barsResponse(request, url);
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    script: (route, fault) => scripts.set(route, fault),
    slow: (route, delayMs) => delays.set(route, delayMs),
    count: (route) => counts.get(route) ?? 0,
    stop: () => server.stop(true),
  };
}
