// A local stand-in for Binance and Alpaca on 127.0.0.1 that replays recorded responses (test/fixtures/ccxt,
// test/fixtures/alpaca), paged the way the venues page them, with scripted faults (429, 5xx, slow or garbled
// answers) for the retry tests. CCXT reaches it through `--base-url` (api.binance.com/api/v3 → /api.binance.com/api/v3),
// the Alpaca SDK through its Configuration basePath. With `live`, it also generates bars up to a test clock's
// "now" in the same recorded shapes, so a paper session can be driven through fake minutes.
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

/** One generated bar's prices. */
export interface Ohlcv {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/**
 * Bars served as a test clock advances, in the recorded Binance kline and Alpaca bar shapes: bar i of a series
 * opens at originTs + i × timeframe and carries prices[i]. Every bar closed by `now()` is served, and the bar
 * still forming too (as the venues do), with a provisional close, so a client that keeps it is caught out.
 */
export interface LiveBars {
  now(): number;
  /** First bar open of every generated series; a multiple of the timeframes served. */
  originTs: number;
  /** By venue symbol (`BTCUSDT`, `SPY`). */
  prices: Record<string, Ohlcv[]>;
  /** Leave a bar out of answers while this says so (a venue publishing late, an outage). */
  hidden?(symbol: string, ts: number, now: number): boolean;
  /** Send a bar twice in an answer (a venue repeating itself). */
  repeated?(symbol: string, ts: number): boolean;
}

export interface ReplayServerOptions {
  live?: LiveBars;
}

export interface ReplayServer {
  /** http://127.0.0.1:PORT */
  url: string;
  /** Every request, in order. */
  requests: Array<{ route: Route | 'unknown'; url: URL }>;
  /** Decide per request (n counts that route's requests from 1) whether to misbehave. */
  script(route: Route, fault: (n: number, url: URL) => Fault | undefined): void;
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

export const BINANCE_INTERVAL_MS: Record<string, number> = { '1s': 1_000, '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 };
const ALPACA_TIMEFRAME_MS: Record<string, number> = { '1Min': 60_000, '5Min': 300_000, '15Min': 900_000, '1Hour': 3_600_000 };

/** Generated bars of one symbol with open times in [start, end], closed or forming at `now()`, oldest first. */
export function liveSeries(live: LiveBars, symbol: string, barMs: number, start: number, end: number): Array<{ ts: number; bar: Ohlcv }> {
  const prices = live.prices[symbol];
  if (prices === undefined) return [];
  const now = live.now();
  const out: Array<{ ts: number; bar: Ohlcv }> = [];
  const first = Math.max(0, Math.ceil((start - live.originTs) / barMs));
  for (let i = first; i < prices.length; i++) {
    const ts = live.originTs + i * barMs;
    if (ts > end || ts > now) break;
    if (live.hidden?.(symbol, ts, now)) continue;
    const final = prices[i]!;
    // The forming bar: only its open is known for sure.
    const bar = ts + barMs > now ? { ...final, close: final.open, high: final.open, low: final.open, volume: 0 } : final;
    out.push({ ts, bar });
    if (live.repeated?.(symbol, ts)) out.push({ ts, bar });
  }
  return out;
}

const decimal = (v: number): string => v.toFixed(8);

function liveKlines(live: LiveBars, symbol: string, interval: string, url: URL): KlineRow[] {
  const barMs = BINANCE_INTERVAL_MS[interval]!;
  const start = Number(url.searchParams.get('startTime') ?? 0);
  const end = Number(url.searchParams.get('endTime') ?? Number.MAX_SAFE_INTEGER);
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 500), 1000);
  // The recorded row layout: open time, o, h, l, c, volume, close time, quote volume, trades, taker volumes, "0".
  return liveSeries(live, symbol, barMs, start, end)
    .slice(0, limit)
    .map(({ ts, bar }) => [ts, decimal(bar.open), decimal(bar.high), decimal(bar.low), decimal(bar.close), decimal(bar.volume), ts + barMs - 1,
      decimal(bar.volume * bar.close), 100, decimal(bar.volume / 2), decimal((bar.volume * bar.close) / 2), '0'] as KlineRow);
}

export function klinesResponse(url: URL, live?: LiveBars): Response {
  const symbol = url.searchParams.get('symbol') ?? '';
  const known = exchangeInfo.symbols.some((market) => market.symbol === symbol);
  if (!known) return json({ code: -1121, msg: 'Invalid symbol.' }, 400);
  const interval = url.searchParams.get('interval');
  if (interval === null || BINANCE_INTERVAL_MS[interval] === undefined) {
    return json({ code: -1120, msg: 'Invalid interval.' }, 400);
  }
  const start = Number(url.searchParams.get('startTime') ?? 0);
  const end = Number(url.searchParams.get('endTime') ?? Number.MAX_SAFE_INTEGER);
  const limit = Math.min(Number(url.searchParams.get('limit') ?? 500), 1000);
  if (live?.prices[symbol] !== undefined) return json(liveKlines(live, symbol, interval, url));
  const rows: KlineRow[] = symbol === RECORDED_BINANCE_SYMBOL && interval === RECORDED_INTERVAL ? klines.httpResponse : [];
  return json(rows.filter((row) => (row[0] as number) >= start && (row[0] as number) <= end).slice(0, limit));
}

/** Alpaca's `t`: RFC 3339 without milliseconds, as recorded. */
const alpacaTime = (ts: number): string => new Date(ts).toISOString().replace('.000Z', 'Z');

function barsResponse(request: Request, url: URL, live?: LiveBars): Response {
  if (!request.headers.get('APCA-API-KEY-ID') || !request.headers.get('APCA-API-SECRET-KEY')) {
    return json({ message: 'forbidden.' }, 401);
  }
  const symbols = (url.searchParams.get('symbols') ?? '').split(',').filter(Boolean);
  if (symbols.length === 0 || symbols.some((symbol) => !/^[A-Z.]+$/.test(symbol))) {
    return json({ code: 40010001, message: 'invalid symbol' }, 400);
  }
  const timeframe = url.searchParams.get('timeframe') ?? '';
  const start = Date.parse(url.searchParams.get('start') ?? '1970-01-01T00:00:00Z');
  const end = Date.parse(url.searchParams.get('end') ?? '2100-01-01T00:00:00Z');
  const limit = Number(url.searchParams.get('limit') ?? 1000);
  const offset = Number(url.searchParams.get('page_token') ?? 0);
  let recorded = alpacaBars.bars as Record<string, AlpacaBar[]>;
  const liveMs = ALPACA_TIMEFRAME_MS[timeframe];
  if (live !== undefined && liveMs !== undefined) {
    // Intraday bars around the clock, as Alpaca sends them (extended hours included).
    recorded = Object.fromEntries(symbols.map((symbol) => [
      symbol,
      liveSeries(live, symbol, liveMs, start, end).map(({ ts, bar }) => ({
        t: alpacaTime(ts), o: bar.open, h: bar.high, l: bar.low, c: bar.close, v: bar.volume, n: 100, vw: (bar.high + bar.low) / 2,
      })),
    ]));
  } else if (timeframe !== alpacaBars.timeframe) {
    return json({ bars: {}, next_page_token: null });
  }
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

export function startReplayServer(opts: ReplayServerOptions = {}): ReplayServer {
  const requests: ReplayServer['requests'] = [];
  const scripts = new Map<Route, (n: number, url: URL) => Fault | undefined>();
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
      const fault = scripts.get(route)?.(n, url);
      const delayMs = (fault?.delayMs ?? 0) + (delays.get(route) ?? 0);
      if (delayMs > 0) await Bun.sleep(delayMs);
      if (fault?.status !== undefined || fault?.body !== undefined) {
        return new Response(fault.body ?? '', { status: fault.status ?? 200, headers: fault.headers });
      }
      if (route === 'exchangeInfo') return json(exchangeInfo);
      if (route === 'klines') return klinesResponse(url, opts.live);
      return barsResponse(request, url, opts.live);
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
