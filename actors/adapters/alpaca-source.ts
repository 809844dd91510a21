// Alpaca US-stock bars as a candle source, through the SDK's generated `StockApi.stockBars` (GET /v2/stocks/bars)
// built on a `Configuration` so the host can be pointed elsewhere. Retries are ours (collect.ts), so the SDK's
// are off; its client-side rate limiter (~200 requests/min) stays on. Prices are requested unadjusted (`raw`).
//
// Times: a daily bar is stamped at midnight New York; it is stored at its session open (09:30 New York) with the
// session close as closeTs, like the CSV importer. Intraday bars keep their start time; only bars overlapping the
// regular session are kept (extended-hours bars are counted as skipped), matching the NYSE calendar the gap check uses.
import { marketData } from '@alpacahq/alpaca-trade-api';
import { barOpenTs } from '../../machines/data/csv-layouts.ts';
import { isRegularSessionBar, type VenueCandle } from '../../machines/data/collection-plan.ts';
import { errorClassNames, type FailureInfo } from '../../machines/data/retry-policy.ts';
import { isSessionTimeframe } from '../../machines/data/timeframe.ts';
import { alpacaTimeframe } from '../../machines/data/venue-timeframes.ts';
import { MalformedResponse } from './ccxt-source.ts';
import type { CandleSource, PageRequest, VenuePage } from './collect.ts';
import { CollectError } from './with-retries.ts';

export type AlpacaFeed = 'iex' | 'sip' | 'otc' | 'boats';

export interface AlpacaSourceOptions {
  keyId: string | undefined;
  secret: string | undefined;
  /** Market-data origin (default https://data.alpaca.markets); a proxy or a local replay server. */
  baseUrl?: string;
  feed?: AlpacaFeed;
  timeoutMs?: number;
  /** The SDK's client-side limiter; false turns it off. */
  rateLimit?: { maxRequests: number; intervalMs: number } | false;
}

export const ALPACA_PAGE_LIMIT = 10_000;
const STOCK_SYMBOL = /^[A-Z][A-Z0-9.\-]{0,15}$/;

function field(bar: Record<string, unknown>, name: string): number {
  const value = bar[name];
  return typeof value === 'number' ? value : Number.NaN;
}

function barTimeMs(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  return typeof value === 'string' ? Date.parse(value) : Number.NaN;
}

export function createAlpacaSource(opts: AlpacaSourceOptions): CandleSource {
  if (!opts.keyId || !opts.secret) {
    throw new CollectError('alpaca: set APCA_API_KEY_ID and APCA_API_SECRET_KEY (in .env, see .env.example)');
  }
  const configuration = new marketData.Configuration({
    keyId: opts.keyId,
    secret: opts.secret,
    timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.baseUrl === undefined ? {} : { basePath: opts.baseUrl.replace(/\/+$/, '') }),
    ...(opts.rateLimit === false ? {} : { rateLimit: opts.rateLimit ?? { maxRequests: 200, intervalMs: 60_000 } }),
  });
  const stocks = new marketData.StockApi(configuration);
  const feedNote = opts.feed === undefined ? '' : ` feed=${opts.feed}`;

  return {
    exchange: 'alpaca',
    kind: 'stock',
    label: `alpaca:v2/stocks/bars adjustment=raw${feedNote}`,
    maxPageSize: ALPACA_PAGE_LIMIT,

    async prepare(symbols, timeframe) {
      try {
        alpacaTimeframe(timeframe);
      } catch (err) {
        throw new CollectError((err as Error).message);
      }
      for (const symbol of symbols) {
        if (!STOCK_SYMBOL.test(symbol)) {
          const hint = symbol.includes('/') ? ' (a crypto pair: use --source ccxt)' : '';
          throw new CollectError(`alpaca: "${symbol}" is not a US stock symbol${hint}`);
        }
      }
    },

    async fetchPage(request: PageRequest): Promise<VenuePage> {
      const response = await stocks.stockBars({
        symbols: request.symbol,
        timeframe: alpacaTimeframe(request.timeframe),
        start: new Date(request.range.startTs),
        end: new Date(request.range.endTs),
        limit: request.limit,
        adjustment: 'raw',
        ...(opts.feed === undefined ? {} : { feed: opts.feed }),
      });
      // `bars` is null or {} when there are none, and `next_page_token` null on the last page; the SDK passes the
      // JSON through unparsed and reads a missing key as undefined, which would pass for "no bars, no more pages".
      const answer: unknown = response;
      if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
        throw new MalformedResponse(`alpaca ${request.symbol}: the answer is not an object of bars (${answer === undefined || answer === null ? 'empty' : JSON.stringify(answer).slice(0, 80)})`);
      }
      const bySymbol: unknown = (answer as { bars?: unknown }).bars;
      if (bySymbol === undefined || (bySymbol !== null && (typeof bySymbol !== 'object' || Array.isArray(bySymbol)))) {
        throw new MalformedResponse(`alpaca ${request.symbol}: the answer has no object of bars (bars=${JSON.stringify(bySymbol)?.slice(0, 80)})`);
      }
      if (response.nextPageToken === undefined) {
        throw new MalformedResponse(`alpaca ${request.symbol}: the answer has no next_page_token`);
      }
      const raw: unknown = bySymbol === null ? undefined : (bySymbol as Record<string, unknown>)[request.symbol];
      if (raw !== undefined && raw !== null && !Array.isArray(raw)) {
        throw new MalformedResponse(`alpaca ${request.symbol}: bars is not a list`);
      }
      const session = isSessionTimeframe(request.timeframe);
      const candles: VenueCandle[] = [];
      let cursorTs: number | undefined;
      let skipped = 0;
      for (const [i, item] of (raw ?? []).entries()) {
        const bar = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
        const ms = barTimeMs(bar['t']);
        if (!Number.isFinite(ms)) {
          throw new MalformedResponse(`alpaca ${request.symbol}: bar ${i + 1} has no readable time t=${JSON.stringify(bar['t'])}`);
        }
        const ts = session ? barOpenTs({ ms, dateOnly: false }, 'stock', request.timeframe) : ms;
        cursorTs = Math.max(cursorTs ?? ts, ts);
        if (!session && !isRegularSessionBar(ts, request.timeframe)) {
          skipped++;
          continue;
        }
        candles.push({ ts, open: field(bar, 'o'), high: field(bar, 'h'), low: field(bar, 'l'), close: field(bar, 'c'), volume: field(bar, 'v') });
      }
      const token = response.nextPageToken;
      return { candles, exhausted: token === null || token === undefined || token === '', cursorTs, skipped };
    },

    describeFailure(error: unknown): FailureInfo {
      const failure: FailureInfo = {
        classNames: errorClassNames(error),
        message: error instanceof Error ? error.message : String(error),
      };
      const details = (typeof error === 'object' && error !== null ? error : {}) as { status?: unknown; retryAfterMs?: unknown };
      if (typeof details.status === 'number') failure.status = details.status;
      if (typeof details.retryAfterMs === 'number') failure.retryAfterMs = details.retryAfterMs;
      return failure;
    },

    async close() {},
  };
}
