// `bun run collect` and `bun run backtest --collect` as the commands run them: pick the source, open the
// database, wire the wall clock, Ctrl-C and the progress bar, and print one summary line per symbol.
import { closeDb, openExistingDb } from '../../db/client.ts';
import { getInstrument } from '../../db/candles.ts';
import { formatBarTime } from '../../machines/data/candle-validation.ts';
import { DEFAULT_RETRY_POLICY } from '../../machines/data/retry-policy.ts';
import { canonicalTimeframe } from '../../machines/data/venue-timeframes.ts';
import { createAlpacaSource, type AlpacaFeed } from './alpaca-source.ts';
import { createCcxtSource } from './ccxt-source.ts';
import { collectCandles, type CandleSource, type SymbolReport } from './collect.ts';
import { CollectError } from './with-retries.ts';
import { createProgress, type Progress } from './progress.ts';
import { sleep } from './sleep.ts';

export type SourceName = 'ccxt' | 'alpaca';

export const DEFAULT_CCXT_EXCHANGE = 'binance';
const ISSUES_SHOWN = 10;

export interface SourceSpec {
  source: SourceName;
  /** CCXT exchange id (ccxt only; default binance). */
  exchange?: string;
  /** Send requests to this origin instead of the venue's (a proxy, or the tests' replay server). */
  baseUrl?: string;
  feed?: AlpacaFeed;
  timeoutMs?: number;
  /** No client-side rate limit: only for a local replay server, which has none to respect. */
  unthrottled?: boolean;
}

export interface CollectCommand extends SourceSpec {
  symbols: string[];
  timeframe: string;
  fromTs: number;
  toTs?: number;
  dbPath: string;
  pageSize?: number;
  maxRetries?: number;
  outlierRangeMultiple?: number;
  quiet?: boolean;
}

export function parseSourceName(value: string): SourceName {
  if (value === 'ccxt' || value === 'alpaca') return value;
  throw new Error(`--source must be ccxt or alpaca, got "${value}"`);
}

export function parseFeed(value: string | undefined): AlpacaFeed | undefined {
  if (value === undefined || value === 'iex' || value === 'sip' || value === 'otc' || value === 'boats') return value;
  throw new Error(`--feed must be iex, sip, otc or boats, got "${value}"`);
}

/** The source a symbol is collected from when none is named: a pair (`BTC/USDT`) is crypto, anything else a stock. */
export function defaultSourceFor(symbol: string): SourceName {
  return symbol.includes('/') ? 'ccxt' : 'alpaca';
}

export function createSource(spec: SourceSpec, env: Record<string, string | undefined> = process.env): CandleSource {
  if (spec.source === 'ccxt') {
    return createCcxtSource({
      exchangeId: spec.exchange ?? DEFAULT_CCXT_EXCHANGE,
      baseUrl: spec.baseUrl,
      timeoutMs: spec.timeoutMs,
      ...(spec.unthrottled ? { rateLimitMs: 1 } : {}),
    });
  }
  if (spec.exchange !== undefined && spec.exchange !== 'alpaca') {
    throw new CollectError(`--exchange ${spec.exchange} applies to --source ccxt; alpaca is its own exchange`);
  }
  return createAlpacaSource({
    keyId: env.APCA_API_KEY_ID,
    secret: env.APCA_API_SECRET_KEY,
    baseUrl: spec.baseUrl,
    feed: spec.feed,
    timeoutMs: spec.timeoutMs,
    ...(spec.unthrottled ? { rateLimit: false as const } : {}),
  });
}

export { sleep };

/** Summary lines for one symbol: what was stored, then every rejected bar and the first warnings. */
export function formatReport(report: SymbolReport): string[] {
  const series = `${report.exchange} ${report.symbol} ${report.timeframe}`;
  const span = report.firstTs === undefined
    ? ''
    : ` (${formatBarTime(report.firstTs, report.timeframe)} .. ${formatBarTime(report.lastTs!, report.timeframe)})`;
  const parts = [
    report.ranges === 0 ? 'already complete' : `stored ${report.stored} candles${span}`,
    `${report.totalInRange} in range`,
    `${report.requests} requests`,
  ];
  if (report.retries > 0) parts.push(`${report.retries} retries`);
  if (report.rejected.length > 0) parts.push(`${report.rejected.length} invalid not stored`);
  if (report.warnings.length > 0) parts.push(`${report.warnings.length} warnings`);
  if (report.forming > 0) parts.push('the forming bar left for later');
  if (report.skipped > 0) parts.push(`${report.skipped} extended-hours bars skipped`);
  const lines = [`${series}: ${parts.join(', ')}`];
  for (const message of report.rejected) lines.push(`  invalid: ${message}`);
  for (const message of report.warnings.slice(0, ISSUES_SHOWN)) lines.push(`  warning: ${message}`);
  if (report.warnings.length > ISSUES_SHOWN) lines.push(`  ... ${report.warnings.length - ISSUES_SHOWN} more warnings`);
  if (report.totalInRange === 0 && !report.interrupted) {
    lines.push(`  no ${report.timeframe} candles for ${report.symbol} in the range: is the symbol right, and did it trade then?`);
  }
  if (report.interrupted) lines.push('  interrupted: every stored page is whole; run the same command again to resume');
  return lines;
}

/** True when a report should make the command exit non-zero. */
export function reportFailed(report: SymbolReport): boolean {
  return report.interrupted || report.rejected.length > 0 || report.totalInRange === 0;
}

export interface CommandIo {
  log(line: string): void;
  /** Progress and retry notices (stderr). */
  note(line: string): void;
}

const consoleIo: CommandIo = {
  log: (line) => console.log(line),
  note: (line) => console.error(line),
};

/** Runs one collection with the wall clock; the first Ctrl-C stops after the current page, a second one at once. */
export async function runCollectCommand(cmd: CollectCommand, io: CommandIo = consoleIo): Promise<SymbolReport[]> {
  const source = createSource(cmd);
  const db = openExistingDb(cmd.dbPath);
  const abort = new AbortController();
  const onInterrupt = (): void => {
    if (abort.signal.aborted) process.exit(130);
    io.note('interrupted: finishing the current page (Ctrl-C again to stop at once)');
    abort.abort();
  };
  process.on('SIGINT', onInterrupt);
  const progressBars = new Map<string, Progress>();
  try {
    const reports = await collectCandles(
      db,
      source,
      {
        symbols: cmd.symbols,
        timeframe: cmd.timeframe,
        fromTs: cmd.fromTs,
        toTs: cmd.toTs,
        pageSize: cmd.pageSize,
        outlierRangeMultiple: cmd.outlierRangeMultiple,
        retry: cmd.maxRetries === undefined ? DEFAULT_RETRY_POLICY : { ...DEFAULT_RETRY_POLICY, maxRetries: cmd.maxRetries },
      },
      {
        now: () => Date.now(),
        sleep,
        signal: abort.signal,
        onProgress: (symbol, done, total) => {
          let bar = progressBars.get(symbol);
          if (!bar) {
            bar = createProgress(`collect ${symbol}`, { quiet: cmd.quiet, unit: 'rows' });
            progressBars.set(symbol, bar);
          }
          bar.update(done, total);
        },
        onRetry: (event) => {
          if (!cmd.quiet) io.note(`retry ${event.attempt} in ${(event.delayMs / 1000).toFixed(1)}s: ${event.where}: ${event.reason} (${event.message})`);
        },
      },
    );
    for (const bar of progressBars.values()) bar.finish();
    for (const report of reports) for (const line of formatReport(report)) io.log(line);
    return reports;
  } finally {
    process.off('SIGINT', onInterrupt);
    closeDb(db);
    await source.close();
  }
}

/**
 * Collects what a backtest needs before it runs: each symbol from its source (the flags, or ccxt/binance for
 * pairs and alpaca for stocks). Refuses a symbol already stored from another exchange, which would otherwise
 * become a second series of the same symbol.
 */
export async function collectForBacktest(
  cmd: { symbols: string[]; timeframe: string; fromTs?: number; toTs?: number; dbPath: string; quiet?: boolean } & Partial<SourceSpec>,
  io: CommandIo = { log: (line) => console.error(line), note: (line) => console.error(line) },
): Promise<SymbolReport[]> {
  if (cmd.fromTs === undefined) throw new Error('--collect needs --from (the first bar to collect)');
  const timeframe = canonicalTimeframe(cmd.timeframe);
  const groups = new Map<string, { spec: SourceSpec; symbols: string[] }>();
  const db = openExistingDb(cmd.dbPath);
  try {
    for (const symbol of cmd.symbols) {
      const sourceName = cmd.source ?? defaultSourceFor(symbol);
      const exchange = sourceName === 'ccxt' ? cmd.exchange ?? DEFAULT_CCXT_EXCHANGE : 'alpaca';
      const stored = getInstrument(db, symbol);
      if (stored && stored.exchange !== exchange) {
        throw new Error(
          `${symbol} is stored from ${stored.exchange} (${stored.source}, ${stored.priceBasis} prices); --collect would add `
            + `a second series from ${exchange}: extend it with data:import, or pass --source/--exchange to match`,
        );
      }
      const key = `${sourceName}:${exchange}`;
      const spec: SourceSpec = {
        source: sourceName,
        exchange: sourceName === 'ccxt' ? exchange : undefined,
        baseUrl: cmd.baseUrl,
        feed: cmd.feed,
        timeoutMs: cmd.timeoutMs,
      };
      const group = groups.get(key) ?? { spec, symbols: [] };
      group.symbols.push(symbol);
      groups.set(key, group);
    }
  } finally {
    closeDb(db);
  }
  const reports: SymbolReport[] = [];
  for (const { spec, symbols } of groups.values()) {
    const groupReports = await runCollectCommand({ ...spec, symbols, timeframe, fromTs: cmd.fromTs, toTs: cmd.toTs, dbPath: cmd.dbPath, quiet: cmd.quiet }, io);
    reports.push(...groupReports);
    const failed = groupReports.find((report) => report.interrupted);
    if (failed) throw new Error(`collection of ${failed.symbol} was interrupted; the backtest did not run`);
  }
  return reports;
}
