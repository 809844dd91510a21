// Downloads candles from a venue into the candles table: plans the missing ranges, pages forward, retries what is
// transient, and writes each page in one transaction with its instrument, so a run killed at any moment leaves
// whole pages only and the next run resumes after the last stored bar. The venue behind `CandleSource` is CCXT
// (ccxt-source.ts) or Alpaca (alpaca-source.ts); the clock and sleep are injected.
import { candlesBefore, getInstrument, storedCoverage, upsertCandles, upsertInstrument } from '../../db/candles.ts';
import type { Db } from '../../db/client.ts';
import { formatBarTime, OUTLIER_WINDOW_BARS } from '../../machines/data/candle-validation.ts';
import {
  acceptPage,
  expectedBarCount,
  firstOffGridBar,
  planCollection,
  type TimeRange,
  type VenueCandle,
} from '../../machines/data/collection-plan.ts';
import { DEFAULT_RETRY_POLICY, type FailureInfo, type RetryPolicy } from '../../machines/data/retry-policy.ts';
import { assertSupportedTimeframe, timeframeMs } from '../../machines/data/timeframe.ts';
import { canonicalTimeframe } from '../../machines/data/venue-timeframes.ts';
import type { Market, MarketKind } from '../../machines/domain.ts';
import { CollectError, withRetries, type RetryEvent, type RetryLoop } from './with-retries.ts';

export type MarketRules = Partial<Pick<Market, 'amountStep' | 'priceStep' | 'minQty' | 'minNotional'>>;

export interface PageRequest {
  symbol: string;
  /** Canonical spelling (`1h`, `1d`); the source maps it to the venue's. */
  timeframe: string;
  range: TimeRange;
  limit: number;
}

export interface VenuePage {
  /** Bars in our convention (ts = bar open, ms UTC), in the order the venue sent them. */
  candles: VenueCandle[];
  /** The venue says there is nothing more in the range. */
  exhausted: boolean;
  /** The latest bar time seen, counting bars the source left out (e.g. extended-hours stock bars). */
  cursorTs?: number;
  /** Bars the source left out on purpose (extended hours). */
  skipped?: number;
}

/** A venue that can page candles forward in time. */
export interface CandleSource {
  /** Stored as candles.exchange / instruments.exchange, e.g. `binance`, `alpaca`. */
  readonly exchange: string;
  readonly kind: MarketKind;
  /** Stored as instruments.source, e.g. `ccxt:binance`. */
  readonly label: string;
  /** The most bars the venue returns per request. */
  readonly maxPageSize: number;
  /** Loads markets and checks symbols and timeframe; throws CollectError for anything the venue cannot serve. */
  prepare(symbols: string[], timeframe: string): Promise<void>;
  fetchPage(request: PageRequest): Promise<VenuePage>;
  /** The venue's own order rules for a symbol once `prepare` has loaded them (CCXT markets); undefined if unknown. */
  marketRules?(symbol: string): MarketRules | undefined;
  /** Class names, status and Retry-After of a thrown error, for the retry policy. */
  describeFailure(error: unknown): FailureInfo;
  close(): Promise<void>;
}

export interface CollectOptions {
  symbols: string[];
  timeframe: string;
  fromTs: number;
  /** Last bar open to collect (default: now). */
  toTs?: number;
  /** Bars per request (default and maximum: the venue's limit). */
  pageSize?: number;
  retry?: RetryPolicy;
  outlierRangeMultiple?: number;
}

export interface CollectDeps {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Aborting stops the run between pages (Ctrl-C); what is stored stays whole. */
  signal?: AbortSignal;
  onProgress?(symbol: string, done: number, total: number): void;
  onRetry?(event: RetryEvent): void;
}

export interface SymbolReport {
  exchange: string;
  symbol: string;
  timeframe: string;
  /** Ranges that were missing when the run started (0: already complete). */
  ranges: number;
  requests: number;
  retries: number;
  stored: number;
  /** Bars with errors, one message each: not stored. */
  rejected: string[];
  warnings: string[];
  /** Bars that had not closed yet, left for a later run. */
  forming: number;
  skipped: number;
  firstTs?: number;
  lastTs?: number;
  /** Stored bars of the whole requested range after the run. */
  totalInRange: number;
  interrupted: boolean;
}

/** Collects every symbol in turn; throws CollectError (nothing half-written) when the venue refuses. */
export async function collectCandles(db: Db, source: CandleSource, opts: CollectOptions, deps: CollectDeps): Promise<SymbolReport[]> {
  const timeframe = canonicalTimeframe(opts.timeframe);
  assertSupportedTimeframe(source.kind, timeframe);
  const policy = opts.retry ?? DEFAULT_RETRY_POLICY;
  const pageSize = Math.min(opts.pageSize ?? source.maxPageSize, source.maxPageSize);
  if (!(pageSize >= 1)) throw new CollectError(`page size must be at least 1, got ${opts.pageSize}`);
  for (const symbol of opts.symbols) {
    const existing = getInstrument(db, symbol, source.exchange);
    if (existing && (existing.kind !== source.kind || existing.priceBasis !== 'raw')) {
      throw new CollectError(
        `${symbol} on ${source.exchange} is stored as ${existing.kind} with ${existing.priceBasis} prices (${existing.source}); `
          + `collecting ${source.kind} raw prices would mix two series`,
      );
    }
  }

  let retries = 0;
  const retryLoop: RetryLoop = {
    policy,
    describeFailure: (error) => source.describeFailure(error),
    sleep: (ms, signal) => deps.sleep(ms, signal),
    onRetry: (event) => {
      retries++;
      deps.onRetry?.(event);
    },
  };
  const retrying = <T>(where: string, run: () => Promise<T>): Promise<T> => withRetries(where, run, retryLoop, deps.signal);

  const nowAtStart = deps.now();
  const plans = opts.symbols.map((symbol) => planSymbol(db, source, { ...opts, timeframe }, symbol, nowAtStart));
  // A complete series needs no venue at all: a backtest with --collect then runs offline.
  if (plans.some((plan) => plan.ranges.length > 0)) {
    await retrying(source.exchange, () => source.prepare(opts.symbols, timeframe));
  }
  const reports: SymbolReport[] = [];
  for (const plan of plans) {
    if (deps.signal?.aborted) break;
    retries = 0;
    const report = await collectSymbol(db, source, { ...opts, timeframe, pageSize }, plan, deps, retrying);
    report.retries = retries;
    reports.push(report);
  }
  return reports;
}

interface SymbolPlan {
  symbol: string;
  toTs: number;
  ranges: TimeRange[];
  /** The open of a stored bar of the series, whose grid every collected bar must sit on. */
  phaseTs?: number;
}

function planSymbol(db: Db, source: CandleSource, opts: CollectOptions, symbol: string, nowTs: number): SymbolPlan {
  const toTs = opts.toTs ?? nowTs;
  const barMs = timeframeMs(opts.timeframe);
  const coverage = storedCoverage(db, { exchange: source.exchange, symbol, timeframe: opts.timeframe, fromTs: opts.fromTs, toTs, barMs });
  const ranges = planCollection({ kind: source.kind, timeframe: opts.timeframe, fromTs: opts.fromTs, toTs, nowTs, stored: coverage });
  return { symbol, toTs, ranges, phaseTs: coverage?.firstTs };
}

/** A bar open to the minute whatever the timeframe: `2024-01-10 12:00Z`. */
function minuteOf(ts: number): string {
  return `${new Date(ts).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

async function collectSymbol(
  db: Db,
  source: CandleSource,
  opts: CollectOptions & { pageSize: number },
  plan: SymbolPlan,
  deps: CollectDeps,
  retrying: <T>(where: string, run: () => Promise<T>) => Promise<T>,
): Promise<SymbolReport> {
  const { timeframe } = opts;
  const { symbol, toTs, ranges } = plan;
  const series = { exchange: source.exchange, symbol, timeframe };
  const shape = { kind: source.kind, timeframe };
  const where = `${source.exchange} ${symbol} ${timeframe}`;
  const barMs = timeframeMs(timeframe);
  const total = ranges.reduce((sum, range) => sum + expectedBarCount(range, shape), 0);
  const report: SymbolReport = {
    ...series,
    ranges: ranges.length,
    requests: 0,
    retries: 0,
    stored: 0,
    rejected: [],
    warnings: [],
    forming: 0,
    skipped: 0,
    totalInRange: 0,
    interrupted: false,
  };
  let done = 0;

  for (const range of ranges) {
    let context: VenueCandle[] = candlesBefore(db, { ...series, beforeTs: range.startTs, limit: OUTLIER_WINDOW_BARS });
    let startTs = range.startTs;
    for (;;) {
      if (deps.signal?.aborted) {
        report.interrupted = true;
        break;
      }
      const request = { symbol, timeframe, range: { startTs, endTs: range.endTs }, limit: opts.pageSize };
      report.requests++;
      // A resumed page starts 1 ms after a stored bar: name that bar rather than a time nobody typed.
      const position = startTs % 1000 === 1 ? `after ${formatBarTime(startTs - 1, timeframe)}` : `from ${formatBarTime(startTs, timeframe)}`;
      const page = await retrying(`${where} ${position}`, () => source.fetchPage(request));
      const phaseTs = plan.phaseTs ?? context[0]?.ts;
      const offGrid = phaseTs === undefined ? undefined : firstOffGridBar(page.candles, shape, phaseTs);
      if (offGrid !== undefined) {
        // A bar between two stored bars would leave a series no backtest can trust (as a data:import would).
        throw new CollectError(
          `${where}: the venue's bar at ${minuteOf(offGrid.ts)} is not on the times of the stored bars (e.g. ${minuteOf(phaseTs!)});`
            + ` nothing of it is stored (bun run data:remove --symbol ${symbol} --exchange ${source.exchange} --timeframe ${timeframe} removes the stored series)`,
        );
      }
      const outcome = acceptPage({
        ...shape,
        candles: page.candles,
        range: request.range,
        nowTs: deps.now(),
        source: where,
        context,
        exhausted: page.exhausted,
        cursorTs: page.cursorTs,
        outlierRangeMultiple: opts.outlierRangeMultiple,
      });
      if (outcome.rows.length > 0) {
        db.transaction((tx) => {
          upsertInstrument(tx, { exchange: source.exchange, symbol, kind: source.kind, priceBasis: 'raw', source: source.label });
          upsertCandles(tx, source.exchange, outcome.rows.map((row) => ({ symbol, timeframe, ...row })));
        });
        report.firstTs = Math.min(report.firstTs ?? Number.POSITIVE_INFINITY, outcome.rows[0]!.ts);
        report.lastTs = Math.max(report.lastTs ?? Number.NEGATIVE_INFINITY, outcome.rows[outcome.rows.length - 1]!.ts);
        context = [...context, ...outcome.rows].slice(-OUTLIER_WINDOW_BARS);
      }
      report.stored += outcome.rows.length;
      report.rejected.push(...outcome.rejected);
      report.warnings.push(...outcome.warnings);
      report.forming += outcome.forming;
      report.skipped += page.skipped ?? 0;
      done += outcome.rows.length + outcome.rejected.length;
      deps.onProgress?.(symbol, Math.min(done, total), Math.max(total, done));
      if (outcome.done) break;
      startTs = outcome.nextStartTs;
    }
    if (report.interrupted) break;
  }
  report.totalInRange = storedCoverage(db, { ...series, fromTs: opts.fromTs, toTs, barMs })?.count ?? 0;
  return report;
}
