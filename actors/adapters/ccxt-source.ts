// CCXT as a candle source: `fetchOHLCV` paged forward with `since`/`until`, CCXT's own rate limiter on
// (`enableRateLimit`), and the venue payload checked once here: CCXT turns a body that is not JSON (or is empty,
// or `{}`) into an empty candle list and drops rows without a time, any of which would look like "no more data",
// so such an answer is raised as a malformed response instead.
import ccxt, { type Exchange } from 'ccxt';
import type { VenueCandle } from '../../machines/data/collection-plan.ts';
import { classifyFailure, errorClassNames, parseRetryAfter, type FailureInfo } from '../../machines/data/retry-policy.ts';
import type { CandleSource, MarketRules, PageRequest, VenuePage } from './collect.ts';
import { CollectError } from './with-retries.ts';

export interface CcxtSourceOptions {
  /** A CCXT exchange id, e.g. `binance`. */
  exchangeId: string;
  /** Send every request to this origin instead (a proxy or a local replay server): `https://api.binance.com/api/v3`
   * becomes `<baseUrl>/api.binance.com/api/v3`. */
  baseUrl?: string;
  timeoutMs?: number;
  /** Overrides the exchange's minimum ms between requests. */
  rateLimitMs?: number;
  /** Wall clock for Retry-After dates (default Date.now). */
  now?: () => number;
}

/** A candle payload CCXT accepted but we cannot trust (not JSON, a row without a time). */
export class MalformedResponse extends Error {
  override name = 'MalformedResponse';
}

const DEFAULT_PAGE_SIZE = 500;
// The default export spreads ccxt's functions (precision modes among them) onto itself.
const { DECIMAL_PLACES, TICK_SIZE } = ccxt as unknown as { DECIMAL_PLACES: number; TICK_SIZE: number };
const SNIPPET_CHARS = 80;

type ExchangeConstructor = new (config: Record<string, unknown>) => Exchange;

function exchangeClass(id: string): ExchangeConstructor {
  const candidate: unknown = (ccxt as unknown as Record<string, unknown>)[id];
  if (!ccxt.exchanges.includes(id) || typeof candidate !== 'function') {
    throw new CollectError(`unknown ccxt exchange "${id}" (e.g. binance, coinbase, kraken)`);
  }
  return candidate as ExchangeConstructor;
}

/**
 * The exchange's markets, loaded once. CCXT keeps the promise of its first load and hands it back on every later
 * call, a rejected one too: one 429 or 5xx on the market list would fail every retry after it. Until a load has
 * succeeded each call asks again (a load still under way is shared).
 */
export function loadMarketsOnce(exchange: Exchange): ReturnType<Exchange['loadMarkets']> {
  return exchange.loadMarkets(exchange.markets === undefined);
}

/** Every URL string under `api` moved to baseUrl, keeping the original host as the first path segment. */
export function rewriteApiUrls(api: unknown, baseUrl: string, hostname: string): unknown {
  if (typeof api === 'string') {
    const url = new URL(api.replaceAll('{hostname}', hostname));
    return `${baseUrl.replace(/\/+$/, '')}/${url.host}${url.pathname.replace(/\/+$/, '')}${url.search}`;
  }
  if (typeof api === 'object' && api !== null) {
    return Object.fromEntries(Object.entries(api).map(([key, value]) => [key, rewriteApiUrls(value, baseUrl, hostname)]));
  }
  return api;
}

function pageLimitOf(exchange: Exchange): number {
  const spot: unknown = exchange.features?.['spot'];
  const fetchOHLCV: unknown = typeof spot === 'object' && spot !== null ? (spot as Record<string, unknown>)['fetchOHLCV'] : undefined;
  const limit: unknown = typeof fetchOHLCV === 'object' && fetchOHLCV !== null ? (fetchOHLCV as Record<string, unknown>)['limit'] : undefined;
  return typeof limit === 'number' && limit > 0 ? limit : DEFAULT_PAGE_SIZE;
}

function snippet(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value) ?? String(value);
  return text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}...` : text;
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

export function createCcxtSource(opts: CcxtSourceOptions): CandleSource {
  const Exchange = exchangeClass(opts.exchangeId);
  const id = opts.exchangeId;
  const now = opts.now ?? Date.now;
  const exchange = new Exchange({
    enableRateLimit: true,
    timeout: opts.timeoutMs ?? 10_000,
    // Spot only: one exchangeInfo request instead of three, and a futures symbol is not mistaken for spot.
    options: id === 'binance' ? { fetchMarkets: { types: ['spot'] } } : {},
  });
  exchange.enableLastJsonResponse = true;
  exchange.enableLastHttpResponse = true;
  exchange.enableLastResponseHeaders = true;
  if (opts.rateLimitMs !== undefined) exchange.rateLimit = opts.rateLimitMs;
  // CCXT drops a candle it finds no time in (its `since` filter), so a page of such rows would pass for the end
  // of the data: the first one is kept here and raised as a malformed answer.
  const dropped: { untimed?: { raw: unknown } } = {};
  const parseOHLCV = exchange.parseOHLCV.bind(exchange);
  exchange.parseOHLCV = (ohlcv, market) => {
    const row = parseOHLCV(ohlcv, market);
    if (!Number.isInteger(row?.[0])) dropped.untimed ??= { raw: ohlcv };
    return row;
  };
  if (opts.baseUrl !== undefined) {
    exchange.urls.api = rewriteApiUrls(exchange.urls.api, opts.baseUrl, String(exchange.hostname ?? '')) as Exchange['urls']['api'];
  }

  return {
    exchange: id,
    kind: 'crypto',
    label: `ccxt:${id}`,
    get maxPageSize() {
      return pageLimitOf(exchange);
    },

    async prepare(symbols, timeframe) {
      await loadMarketsOnce(exchange);
      if (!exchange.has['fetchOHLCV']) throw new CollectError(`${id} offers no candle history (fetchOHLCV)`);
      if (exchange.timeframes[timeframe] === undefined) {
        const offered = Object.keys(exchange.timeframes).join(', ');
        throw new CollectError(`${id} has no ${timeframe} candles (it offers ${offered})`);
      }
      const markets = exchange.markets ?? {};
      for (const symbol of symbols) {
        if (markets[symbol] === undefined) {
          const count = Object.keys(markets).length;
          throw new CollectError(`${id}: unknown symbol ${symbol} (not among its ${count} markets; spelled like BTC/USDT?)`);
        }
      }
    },

    async fetchPage(request: PageRequest): Promise<VenuePage> {
      exchange.last_http_response = undefined;
      exchange.last_json_response = undefined;
      exchange.last_response_headers = undefined;
      dropped.untimed = undefined;
      const rows = await exchange.fetchOHLCV(request.symbol, request.timeframe, request.range.startTs, request.limit, {
        until: request.range.endTs,
      });
      // Read back through a wider type: the assignments above would otherwise narrow these to undefined.
      const last = exchange as { last_http_response: unknown; last_json_response: unknown };
      const body = last.last_http_response;
      if (last.last_json_response === undefined && typeof body === 'string') {
        throw new MalformedResponse(
          body.trim() === '' ? `${id} answered with an empty body` : `${id} answered with a body that is not JSON: ${body.trim().slice(0, SNIPPET_CHARS)}`,
        );
      }
      // CCXT turns an object into the list of its values, so `{}` would read as no candles.
      const json = last.last_json_response;
      if (typeof json === 'object' && json !== null && !Array.isArray(json) && Object.keys(json).length === 0) {
        throw new MalformedResponse(`${id} answered with an empty object instead of candles`);
      }
      // Read back through its declared type: the reset above would otherwise narrow it to undefined.
      const untimed = dropped.untimed as { raw: unknown } | undefined;
      if (untimed !== undefined) {
        throw new MalformedResponse(`${id} answered with a candle that has no time: ${snippet(untimed.raw)}`);
      }
      const candles: VenueCandle[] = rows.map((row, i) => {
        const ts = row[0];
        if (typeof ts !== 'number' || !Number.isInteger(ts)) {
          throw new MalformedResponse(`${id} ${request.symbol}: candle ${i + 1} has no timestamp (${JSON.stringify(row)})`);
        }
        return { ts, open: toNumber(row[1]), high: toNumber(row[2]), low: toNumber(row[3]), close: toNumber(row[4]), volume: toNumber(row[5]) };
      });
      return { candles, exhausted: false };
    },

    marketRules(symbol) {
      const market = exchange.markets?.[symbol];
      if (market === undefined) return undefined;
      // Most exchanges state precision as a tick size; some as a number of decimal places.
      const step = (value: number | undefined): number | undefined =>
        value === undefined || !(value > 0)
          ? undefined
          : exchange.precisionMode === DECIMAL_PLACES && Number.isInteger(value) ? 10 ** -value : exchange.precisionMode === TICK_SIZE ? value : undefined;
      const positive = (value: number | undefined): number | undefined => (value !== undefined && value > 0 ? value : undefined);
      const rules: MarketRules = {
        amountStep: step(market.precision?.amount),
        priceStep: step(market.precision?.price),
        minQty: positive(market.limits?.amount?.min),
        minNotional: positive(market.limits?.cost?.min),
      };
      return Object.fromEntries(Object.entries(rules).filter(([, v]) => v !== undefined)) as MarketRules;
    },

    describeFailure(error: unknown): FailureInfo {
      const failure: FailureInfo = {
        classNames: errorClassNames(error),
        message: error instanceof Error ? error.message : String(error),
      };
      // Only an HTTP answer carries Retry-After; the headers were cleared before the request.
      const classification = classifyFailure(failure);
      const retryAfter = exchange.last_response_headers?.['Retry-After'];
      if (classification.retryable && classification.reason === 'rate limited') {
        const retryAfterMs = parseRetryAfter(retryAfter, now());
        if (retryAfterMs !== undefined) failure.retryAfterMs = retryAfterMs;
      }
      return failure;
    },

    async close() {
      await exchange.close();
    },
  };
}
