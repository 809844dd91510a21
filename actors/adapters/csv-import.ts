// The I/O shell around the pure CSV parsing and validation: reads a file, and writes the candles and their
// instrument in one transaction only if no row has an error. Nothing is written from a file with an error.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import {
  candleRange,
  candlesAfter,
  candlesBefore,
  getInstrument,
  instrumentsOf,
  loadCandles,
  upsertCandles,
  upsertInstrument,
  type DbOrTx,
} from '../../db/candles.ts';
import { shownValue } from '../../machines/display-text.ts';
import type { MarketKind } from '../../machines/domain.ts';
import { makeIssue, OUTLIER_WINDOW_BARS, validateCandles, type Issue } from '../../machines/data/candle-validation.ts';
import { checkAgainstStored, type StoredOverlap } from '../../machines/data/stored-overlap.ts';
import { canonicalTimeframe } from '../../machines/data/venue-timeframes.ts';
import {
  applyPriceBasis,
  barCloseTs,
  parseCandleCsv,
  resolvePriceBasis,
  type LayoutName,
  type PriceBasis,
  type RawCandle,
} from '../../machines/data/csv-layouts.ts';

export const DEFAULT_EXCHANGE: Record<MarketKind, string> = { crypto: 'coinbase', stock: 'nasdaq' };

export interface CsvImportOptions {
  file: string;
  symbol: string;
  timeframe: string;
  market: MarketKind;
  exchange?: string;
  /** Explicit column mapping, `ts=Date,open=Open,...`; otherwise the layout is detected from the header. */
  columns?: string;
  price?: PriceBasis;
  outlierRangeMultiple?: number;
  /** Overwrite stored bars whose values differ from the file's (otherwise the import is refused). */
  replace?: boolean;
}

export interface CsvImportResult {
  exchange: string;
  symbol: string;
  timeframe: string;
  layout: LayoutName;
  priceBasis: PriceBasis;
  rows: number;
  firstTs: number;
  lastTs: number;
  /** Stored bars the file gave other values, overwritten (only with `replace`). */
  replaced: number;
  /** The file's bars that were stored before it: the same values, or replaced. */
  alreadyStored: number;
  warnings: Issue[];
  /** Every exchange the symbol is stored on after the import, this one included. */
  storedOn: string[];
}

/** What validating a series finds, stored or in a file. */
interface ValidationReport {
  timeframe: string;
  rows: number;
  firstTs: number | null;
  lastTs: number | null;
  errors: Issue[];
  warnings: Issue[];
}

export interface StoredValidationResult extends ValidationReport {
  exchange: string;
  symbol: string;
}

/** One error for a list of issues: the first one's line, plus how many more there are. */
function issuesError(errors: Issue[]): Error {
  const sorted = [...errors].sort((a, b) => a.line - b.line);
  const more = sorted.length > 1 ? ` (${sorted.length - 1} more error${sorted.length === 2 ? '' : 's'})` : '';
  return new Error(`${sorted[0]!.message}${more}`);
}

function checkCsvFile(opts: Pick<CsvImportOptions, 'file' | 'timeframe' | 'market' | 'columns' | 'outlierRangeMultiple'>) {
  // The file name names the input in every message, so it is shown like file content.
  const source = shownValue(basename(opts.file));
  let text: string;
  try {
    text = readFileSync(opts.file, 'utf8');
  } catch (cause) {
    throw new Error(`${shownValue(opts.file)}: cannot read (${cause instanceof Error ? cause.message : String(cause)})`);
  }
  const parsed = parseCandleCsv(text, { source, timeframe: opts.timeframe, kind: opts.market, columns: opts.columns });
  // Raw values are validated: a bad raw bar must not be hidden (or created) by the adjustment factor.
  const validation = validateCandles(parsed.candles, {
    timeframe: opts.timeframe,
    kind: opts.market,
    source,
    outlierRangeMultiple: opts.outlierRangeMultiple,
  });
  return { source, parsed, validation };
}

export interface FileValidationResult extends ValidationReport {
  source: string;
  /** Rows that parsed (rows with parse errors are counted in errors instead). */
  rows: number;
}

/** Checks a candle CSV with the import rules without storing anything (bun run data:validate --file). */
export function validateCsvFile(
  opts: Pick<CsvImportOptions, 'file' | 'timeframe' | 'market' | 'columns' | 'outlierRangeMultiple'>,
): FileValidationResult {
  const timeframe = canonicalTimeframe(opts.timeframe);
  const { source, parsed, validation } = checkCsvFile({ ...opts, timeframe });
  const times = parsed.candles.map((candle) => candle.ts).filter((ts) => Number.isFinite(ts));
  // What data:import refuses, validation reports as an error too.
  const empty: Issue[] = parsed.candles.length === 0 && parsed.errors.length === 0
    ? [{ line: 2, ts: null, field: 'file', message: `${source}: no data rows` }]
    : [];
  return {
    source,
    timeframe,
    rows: parsed.candles.length,
    firstTs: times.length > 0 ? Math.min(...times) : null,
    lastTs: times.length > 0 ? Math.max(...times) : null,
    errors: [...empty, ...parsed.errors, ...validation.errors].sort((a, b) => a.line - b.line),
    warnings: validation.warnings,
  };
}

/**
 * A stock file imported with --market crypto (or the reverse) would land under the other market's default
 * exchange as a second, wrongly calendared series of the symbol. Only a deliberately named new exchange may
 * hold a series of another market.
 */
function refuseContradictingMarket(db: DbOrTx, opts: CsvImportOptions, exchange: string): void {
  if (opts.exchange !== undefined) return;
  const other = instrumentsOf(db, opts.symbol).find((row) => row.exchange !== exchange && row.kind !== opts.market);
  if (other === undefined) return;
  throw new Error(
    `${opts.symbol} is stored as ${other.kind} on ${other.exchange}; --market ${opts.market} contradicts it: `
      + `import with --market ${other.kind}, or name a new exchange with --exchange to keep a separate ${opts.market} series`,
  );
}

/**
 * A name stored as given must be one every other command can name again: `--symbols " BTC/USD"` is trimmed and
 * split at commas there, so a stored " BTC/USD" or "BTC/USD,ETH/USD" could never be selected.
 */
function refuseUnusableName(flag: 'symbol' | 'exchange', name: string): void {
  const shown = `--${flag} "${shownValue(name)}"`;
  if (name.trim() === '') throw new Error(`--${flag} is empty`);
  if (name !== name.trim()) throw new Error(`${shown} has spaces around it`);
  if (name.includes(',')) throw new Error(`${shown}: one name per import (a comma separates names in --symbols)`);
  if (shownValue(name, Number.POSITIVE_INFINITY) !== name) throw new Error(`${shown} contains a control character`);
}

/** Imports one candle CSV. Throws one Error, and writes nothing, on any error. */
export function importCsvFile(db: DbOrTx, opts: CsvImportOptions): CsvImportResult {
  const exchange = opts.exchange ?? DEFAULT_EXCHANGE[opts.market];
  // Stored under the canonical spelling (1d, not 1Day), as collected candles are.
  const timeframe = canonicalTimeframe(opts.timeframe);
  refuseUnusableName('symbol', opts.symbol);
  if (opts.exchange !== undefined) refuseUnusableName('exchange', opts.exchange);
  refuseContradictingMarket(db, opts, exchange);
  const { source, parsed, validation } = checkCsvFile({ ...opts, timeframe });
  const errors = [...parsed.errors, ...validation.errors];
  if (errors.length > 0) throw issuesError(errors);
  if (parsed.candles.length === 0) throw new Error(`${source}: no data rows`);

  const priceBasis = resolvePriceBasis(opts.price, parsed.layout.columns.adjClose !== undefined, source);
  const existing = getInstrument(db, opts.symbol, exchange);
  if (existing && (existing.priceBasis !== priceBasis || existing.kind !== opts.market)) {
    throw new Error(
      `${opts.symbol} on ${exchange} is stored as ${existing.kind} with ${existing.priceBasis} prices; ` +
        `importing ${opts.market} ${priceBasis} prices would mix two series`,
    );
  }
  const bars = applyPriceBasis(parsed.candles, priceBasis);
  const overlap = checkStored(db, { ...opts, exchange, timeframe }, source, bars);
  if (overlap.errors.length > 0) throw issuesError(overlap.errors);
  if (overlap.differing.length > 0 && opts.replace !== true) {
    const [first, ...more] = overlap.differing;
    const others = more.length === 0 ? '' : ` (and ${more.length} more stored bar${more.length === 1 ? '' : 's'})`;
    throw new Error(`${first!.message}${others}: importing would overwrite stored bars; pass --replace to overwrite them, or remove the series first (bun run data:remove)`);
  }
  const rows = bars.map((bar) => ({
    symbol: opts.symbol,
    timeframe,
    ts: bar.ts,
    closeTs: barCloseTs(bar.ts, timeframe, opts.market),
    open: bar.open,
    high: bar.high,
    low: bar.low,
    close: bar.close,
    volume: bar.volume,
  }));
  db.transaction((tx) => {
    upsertInstrument(tx, {
      exchange,
      symbol: opts.symbol,
      kind: opts.market,
      priceBasis,
      source: `csv:${source} (${parsed.layout.name})`,
    });
    upsertCandles(tx, exchange, rows);
  });
  return {
    exchange,
    symbol: opts.symbol,
    timeframe,
    layout: parsed.layout.name,
    priceBasis,
    rows: rows.length,
    firstTs: rows[0]!.ts,
    lastTs: rows[rows.length - 1]!.ts,
    replaced: overlap.differing.length,
    alreadyStored: overlap.alreadyStored,
    warnings: mergeWarnings(validation.warnings, overlap.warnings),
    storedOn: instrumentsOf(db, opts.symbol).map((row) => row.exchange),
  };
}

/** The file's bars among the stored bars of their series (see stored-overlap.ts). */
function checkStored(
  db: DbOrTx,
  opts: CsvImportOptions & { exchange: string; timeframe: string },
  source: string,
  bars: RawCandle[],
): StoredOverlap {
  const series = { exchange: opts.exchange, symbol: opts.symbol, timeframe: opts.timeframe };
  const firstTs = bars[0]!.ts;
  const lastTs = bars[bars.length - 1]!.ts;
  const stored = [
    ...candlesBefore(db, { ...series, beforeTs: firstTs, limit: OUTLIER_WINDOW_BARS }),
    ...loadCandles(db, { symbols: [opts.symbol], timeframe: opts.timeframe, exchange: opts.exchange, fromTs: firstTs, toTs: lastTs }),
    ...candlesAfter(db, { ...series, afterTs: lastTs, limit: 1 }),
  ];
  return checkAgainstStored(bars, stored, { source, timeframe: opts.timeframe, kind: opts.market, outlierRangeMultiple: opts.outlierRangeMultiple });
}

/**
 * The series' warnings as it will be stored (gaps the stored bars fill are gone, outliers judged on the stored
 * prices), plus the raw file's outliers on lines not already flagged (an adjusted price can hide a raw one).
 */
function mergeWarnings(raw: Issue[], stored: Issue[]): Issue[] {
  const flagged = new Set(stored.filter((issue) => issue.field === 'range').map((issue) => issue.line));
  const rawOutliers = raw.filter((issue) => issue.field === 'range' && !flagged.has(issue.line));
  return [...stored, ...rawOutliers].sort((a, b) => a.line - b.line);
}

/** Re-checks stored candles with the import rules (rows are numbered in time order). */
export function validateStoredCandles(
  db: DbOrTx,
  query: { symbol: string; timeframe: string; exchange?: string; outlierRangeMultiple?: number },
): StoredValidationResult {
  query = { ...query, timeframe: canonicalTimeframe(query.timeframe) };
  const instrument = getInstrument(db, query.symbol, query.exchange);
  if (!instrument) {
    const where = query.exchange === undefined ? '' : ` on ${query.exchange}`;
    const elsewhere = instrumentsOf(db, query.symbol).map((row) => row.exchange);
    const hint = elsewhere.length > 0 ? ` (stored on ${elsewhere.join(', ')})` : '';
    throw new Error(`no instrument ${query.symbol}${where} in the database${hint}`);
  }
  const stored = loadCandles(db, { symbols: [query.symbol], timeframe: query.timeframe, exchange: instrument.exchange });
  // The feed order is by close time; validation wants the bars in open-time order.
  const ordered = [...stored].sort((a, b) => a.ts - b.ts);
  const candles: RawCandle[] = ordered.map((row, i) => ({
    line: i + 1,
    ts: row.ts,
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
  }));
  const source = `${instrument.exchange} ${query.symbol} ${query.timeframe}`;
  const where = { source, timeframe: query.timeframe, lineLabel: 'row' as const };
  const { errors, warnings } = validateCandles(candles, {
    ...where,
    kind: instrument.kind,
    outlierRangeMultiple: query.outlierRangeMultiple,
  });
  const rowsWithErrors = new Set(errors.map((issue) => issue.line));
  for (const [i, row] of ordered.entries()) {
    // A row that failed validation may have no session to compute a close from.
    if (rowsWithErrors.has(i + 1)) continue;
    const expected = barCloseTs(row.ts, query.timeframe, instrument.kind);
    if (row.closeTs !== expected) {
      const text = `closeTs ${new Date(row.closeTs).toISOString()} should be ${new Date(expected).toISOString()}`;
      errors.push(makeIssue(where, i + 1, row.ts, 'closeTs', text));
    }
  }
  errors.sort((a, b) => a.line - b.line);
  const range = candleRange(db, query.symbol, query.timeframe, instrument.exchange);
  return {
    exchange: instrument.exchange,
    symbol: query.symbol,
    timeframe: query.timeframe,
    rows: candles.length,
    firstTs: range?.firstTs ?? null,
    lastTs: range?.lastTs ?? null,
    errors,
    warnings,
  };
}
