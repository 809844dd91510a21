// `bun run paper`'s session: strategy, risk and costs from config/, markets from the venue config refined by the
// venue's own rules (CCXT markets), bars polled from the venue after each close. The strategy's warm-up comes
// from the market DB, after the collector has fetched the recent candles it lacks, so the first live bar can
// already give a signal.
import { loadCandles } from '../../db/candles.ts';
import { closeDb, openExistingDb } from '../../db/client.ts';
import type { CandleRow } from '../../db/schema.ts';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../machines/data/retry-policy.ts';
import { assertSupportedTimeframe, DAY_MS, timeframeMs } from '../../machines/data/timeframe.ts';
import { canonicalTimeframe } from '../../machines/data/venue-timeframes.ts';
import type { Bar, CostModel, Market } from '../../machines/domain.ts';
import { loadAlertsConfig } from '../alerts/alerts-config.ts';
import { sleep as wallSleep } from '../session/bar-source.ts';
import type { SessionSnapshot } from '../session/session-config.ts';
import type { Clock } from '../session/session-runtime.ts';
import { venueBarSource, type VenueBarSource } from '../session/venue-bar-source.ts';
import type { AlpacaFeed } from './alpaca-source.ts';
import { collectCandles } from './collect.ts';
import type { RetryEvent } from './with-retries.ts';
import { createSource, parseFeed, parseSourceName, type SourceName } from './collect-command.ts';
import { parseNameList, parsePositiveNumber, parseTimeframeFlag } from './cli.ts';
import { DEFAULT_DB_PATH } from '../../db/client.ts';
import { loadRiskLimits, loadStrategy, loadVenueConfig } from './config.ts';

export interface VenueSessionRequest {
  source: SourceName;
  exchange?: string;
  symbols: string[];
  timeframe: string;
  strategyName: string;
  capital?: number;
  /** The market-data DB the warm-up candles are collected into and read from; must exist (db:init). */
  marketDbPath: string;
  baseUrl?: string;
  feed?: AlpacaFeed;
  maxRetries?: number;
  timeoutMs?: number;
  /** No client-side rate limit (a local replay server). */
  unthrottled?: boolean;
  env?: Record<string, string | undefined>;
  /** Injected in tests: the fake clock the replay server also reads, and a sleep that advances it. */
  clock?: Clock;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  settleMs?: number;
  /** Retry notices and the warm-up line (stderr by default). */
  note?: (line: string) => void;
}

export interface VenueSession {
  snapshot: SessionSnapshot;
  warmup: () => Promise<Bar[]>;
  source: VenueBarSource;
  staleAfterMs: number;
}

const toBar = ({ exchange: _exchange, ...bar }: CandleRow): Bar => bar;

/** How far back to collect so `bars` closed bars exist: stock bars pause for nights, weekends and holidays. */
function warmupSpanMs(bars: number, barMs: number, kind: 'crypto' | 'stock'): number {
  if (kind === 'crypto') return (bars + 2) * barMs;
  if (barMs >= DAY_MS) return Math.ceil(bars * 1.6 + 10) * DAY_MS;
  const regularSessionMs = 390 * 60_000;
  return (Math.ceil((bars * barMs) / regularSessionMs) * 1.6 + 5) * DAY_MS;
}

export async function venueSession(req: VenueSessionRequest): Promise<VenueSession> {
  const timeframe = canonicalTimeframe(req.timeframe);
  const clock = req.clock ?? { now: () => Date.now() };
  const sleep = req.sleep ?? wallSleep;
  const note = req.note ?? ((line: string) => console.error(line));
  // Fail before any request when the market DB is missing (openExistingDb names it and says to run db:init).
  closeDb(openExistingDb(req.marketDbPath));
  const venue = loadVenueConfig();
  const risk = loadRiskLimits();
  const alertRules = loadAlertsConfig().rules;
  const { strategy, params } = await loadStrategy(req.strategyName);
  const capital = req.capital ?? venue.startingCapital;
  const retry: RetryPolicy = req.maxRetries === undefined ? DEFAULT_RETRY_POLICY : { ...DEFAULT_RETRY_POLICY, maxRetries: req.maxRetries };

  const candles = createSource(
    { source: req.source, exchange: req.exchange, baseUrl: req.baseUrl, feed: req.feed, timeoutMs: req.timeoutMs, unthrottled: req.unthrottled },
    req.env ?? process.env,
  );
  assertSupportedTimeframe(candles.kind, timeframe);
  const onRetry = (e: RetryEvent): void => note(`retry ${e.attempt} in ${(e.delayMs / 1000).toFixed(1)}s: ${e.where}: ${e.reason} (${e.message})`);
  const source = venueBarSource({ source: candles, symbols: req.symbols, timeframe, clock, sleep, retry, onRetry, settleMs: req.settleMs });
  try {
    await source.prepare();
  } catch (err) {
    await source.close?.();
    throw err;
  }

  const markets: Record<string, Market> = {};
  const costs: Record<string, CostModel> = {};
  for (const symbol of req.symbols) {
    markets[symbol] = { ...venue.marketFor(symbol, candles.kind, candles.exchange), ...candles.marketRules?.(symbol) };
    costs[symbol] = venue.costs[candles.kind];
  }

  const barMs = timeframeMs(timeframe);
  const warmupBars = strategy.warmupBars + 1;
  const warmup = async (): Promise<Bar[]> => {
    const db = openExistingDb(req.marketDbPath);
    try {
      const nowTs = clock.now();
      const fromTs = nowTs - warmupSpanMs(warmupBars, barMs, candles.kind);
      await collectCandles(db, candles, { symbols: req.symbols, timeframe, fromTs, retry }, { now: () => clock.now(), sleep, onRetry });
      const stored = loadCandles(db, { symbols: req.symbols, timeframe, exchange: candles.exchange, fromTs, toTs: nowTs });
      const bars = req.symbols.flatMap((symbol) =>
        stored.filter((c) => c.symbol === symbol && c.closeTs <= nowTs).slice(-warmupBars).map(toBar),
      );
      const short = req.symbols.filter((symbol) => bars.filter((b) => b.symbol === symbol).length < warmupBars);
      if (short.length > 0) note(`warm-up: fewer than ${warmupBars} stored ${timeframe} bars for ${short.join(', ')}; the strategy warms up on live bars`);
      return bars.sort((a, b) => a.closeTs - b.closeTs || a.symbol.localeCompare(b.symbol));
    } finally {
      closeDb(db);
    }
  };

  const snapshot: SessionSnapshot = {
    mode: 'paper',
    strategy: { name: strategy.name, params },
    symbols: req.symbols,
    timeframe,
    capital,
    risk,
    costs,
    markets,
    alertRules,
    source: {
      kind: req.source,
      exchange: candles.exchange,
      ...(req.feed === undefined ? {} : { feed: req.feed }),
    },
  };
  return { snapshot, warmup, source, staleAfterMs: 2 * barMs };
}

/** `--source`, or the venue the symbols imply: pairs with '/' trade through CCXT, other symbols through Alpaca. */
export function sourceFlag(value: string | undefined, symbols: string[]): SourceName {
  if (value !== undefined) return parseSourceName(value);
  const pairs = symbols.filter((symbol) => symbol.includes('/'));
  if (pairs.length > 0 && pairs.length < symbols.length) throw new Error('--symbols mixes crypto pairs and stocks: pass --source');
  return pairs.length > 0 ? 'ccxt' : 'alpaca';
}

/** The options `bun run paper` and `bun run live` share (parseArgs shape). */
export const VENUE_SESSION_OPTIONS = {
  source: { type: 'string' },
  exchange: { type: 'string' },
  symbols: { type: 'string' },
  timeframe: { type: 'string' },
  strategy: { type: 'string' },
  capital: { type: 'string' },
  feed: { type: 'string' },
  'max-retries': { type: 'string' },
  'base-url': { type: 'string' },
  db: { type: 'string' },
  'market-db': { type: 'string' },
  'new-session': { type: 'boolean' },
  quiet: { type: 'boolean' },
} as const;

type VenueSessionArgs = { [K in keyof typeof VENUE_SESSION_OPTIONS]?: (typeof VENUE_SESSION_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string };

/** The session request those options describe, each value checked with a one-line error naming its flag. */
export function venueSessionRequest(args: VenueSessionArgs): VenueSessionRequest {
  const symbols = parseNameList('symbols', args.symbols);
  const maxRetries = args['max-retries'] === undefined ? undefined : Number(args['max-retries']);
  if (maxRetries !== undefined && !(Number.isInteger(maxRetries) && maxRetries >= 0)) {
    throw new Error(`--max-retries must be an integer ≥ 0, got "${args['max-retries']}"`);
  }
  return {
    source: sourceFlag(args.source, symbols),
    exchange: args.exchange,
    symbols,
    timeframe: parseTimeframeFlag('timeframe', args.timeframe),
    strategyName: args.strategy ?? 'mean_reversion',
    capital: parsePositiveNumber('capital', args.capital),
    feed: parseFeed(args.feed),
    maxRetries,
    baseUrl: args['base-url'],
    marketDbPath: args['market-db'] ?? DEFAULT_DB_PATH,
    note: (line) => {
      if (!args.quiet) console.error(line);
    },
  };
}
