// Turns candle CSV text into plain candles. Venues export different columns in different orders, so a
// layout (detected from the header, or given as a mapping) says which column holds which field.
// Every time is converted once, here, to the bar's open in ms UTC.
import { shownValue } from '../display-text.ts';
import type { MarketKind } from '../domain.ts';
import { makeIssue, type Issue } from './candle-validation.ts';
import { dateKeyOf, easternToUtcMs, isTradingDay, sessionOpenClose } from './nyse-calendar.ts';
import { assertSupportedTimeframe, DAY_MS, isSessionTimeframe, timeframeMs } from './timeframe.ts';

/** One parsed row. `line` is the 1-based line in the file (the header is line 1). */
export interface RawCandle {
  line: number;
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  adjClose?: number;
}

export type PriceBasis = 'raw' | 'adjusted';
export type LayoutName = 'bitstamp' | 'yahoo' | 'generic' | 'mapped';

/** Header names of the columns holding each field. */
export interface ColumnMapping {
  ts: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  adjClose?: string;
}

export interface CsvLayout {
  name: LayoutName;
  columns: ColumnMapping;
  /** A second time column that must agree with `columns.ts` (Bitstamp repeats the time as text). */
  tsCheckColumn?: string;
}

export interface ParseOptions {
  source: string;
  timeframe: string;
  kind: MarketKind;
  /** Explicit mapping, `ts=Date,open=Open,high=High,low=Low,close=Close,volume=Vol[,adjClose=Adj Close]`. */
  columns?: string;
}

export interface ParsedCsv {
  layout: CsvLayout;
  /** Rows whose every field parsed; rows with parse errors are left out and reported in `errors`. */
  candles: RawCandle[];
  errors: Issue[];
}

const BITSTAMP_HEADER = ['timestamp', 'open', 'close', 'volume', 'unix_timestamp', 'high', 'low'];
const YAHOO_HEADER = ['Date', 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume'];
const REQUIRED_FIELDS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;
const MAPPING_FIELDS: ReadonlyArray<keyof ColumnMapping> = [...REQUIRED_FIELDS, 'adjClose'];
const GENERIC_TIME_NAMES = ['timestamp', 'ts', 'datetime', 'date', 'time'];
const GENERIC_ADJ_CLOSE_NAMES = ['adj close', 'adj_close', 'adjclose', 'adjusted close', 'adjusted_close'];
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const REGULAR_OPEN_MINUTES = 9 * 60 + 30;
/** Below this a number is unix seconds, above it milliseconds (1e11 s is the year 5138, 1e11 ms is 1973). */
const SECONDS_LIMIT = 1e11;
const MILLISECONDS_LIMIT = 1e14;
/** Smaller numbers (1973 in seconds) are refused, so a `20140307` date column is not read as 1970-08-22. */
const SMALLEST_TIME_NUMBER = 1e8;

/** Parses `ts=Date,open=Open,...`; throws naming the bad part. */
export function parseColumnMapping(spec: string): ColumnMapping {
  const found = new Map<keyof ColumnMapping, string>();
  for (const part of spec.split(',')) {
    const equals = part.indexOf('=');
    const key = part.slice(0, equals).trim();
    const column = part.slice(equals + 1).trim();
    if (equals < 0 || column === '') throw new Error(`--columns: "${shownValue(part)}" is not field=Column`);
    const field = MAPPING_FIELDS.find((candidate) => candidate === key);
    if (!field) throw new Error(`--columns: unknown field "${shownValue(key)}" (expected ${MAPPING_FIELDS.join(', ')})`);
    if (found.has(field)) throw new Error(`--columns: field "${field}" given twice`);
    found.set(field, column);
  }
  const missing = REQUIRED_FIELDS.filter((field) => !found.has(field));
  if (missing.length > 0) throw new Error(`--columns: missing ${missing.join(', ')}`);
  const mapping: ColumnMapping = {
    ts: found.get('ts')!,
    open: found.get('open')!,
    high: found.get('high')!,
    low: found.get('low')!,
    close: found.get('close')!,
    volume: found.get('volume')!,
  };
  const adjClose = found.get('adjClose');
  return adjClose === undefined ? mapping : { ...mapping, adjClose };
}

function sameHeader(header: string[], expected: string[]): boolean {
  return header.length === expected.length && header.every((name, i) => name === expected[i]);
}

/** Picks the layout for a header: an explicit mapping wins, then the known venues, then generic names. */
export function detectLayout(header: string[], columns?: string, source = 'csv'): CsvLayout {
  const names = header.map((name) => name.trim());
  // Header text is file content: shown bounded and with control characters escaped, like every echoed cell.
  const columnList = shownValue(names.join(', '));
  if (columns !== undefined) {
    const mapping = parseColumnMapping(columns);
    for (const field of MAPPING_FIELDS) {
      const column = mapping[field];
      if (column !== undefined && !names.includes(column)) {
        throw new Error(`${source} line 1: column "${shownValue(column)}" (for ${field}) is not in the header: ${columnList}`);
      }
    }
    return refuseRepeatedColumns(names, { name: 'mapped', columns: mapping }, source, (name) => name);
  }
  if (sameHeader(names, BITSTAMP_HEADER)) {
    return {
      name: 'bitstamp',
      columns: { ts: 'unix_timestamp', open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume' },
      tsCheckColumn: 'timestamp',
    };
  }
  if (sameHeader(names, YAHOO_HEADER)) {
    return {
      name: 'yahoo',
      columns: { ts: 'Date', open: 'Open', high: 'High', low: 'Low', close: 'Close', volume: 'Volume', adjClose: 'Adj Close' },
    };
  }
  const byLowerName = (wanted: string): string | undefined => names.find((name) => name.toLowerCase() === wanted);
  const firstOf = (candidates: string[]): string | undefined =>
    candidates.map(byLowerName).find((name) => name !== undefined);
  const ts = firstOf(GENERIC_TIME_NAMES);
  const open = byLowerName('open');
  const high = byLowerName('high');
  const low = byLowerName('low');
  const close = byLowerName('close');
  const volume = byLowerName('volume');
  if (ts === undefined || open === undefined || high === undefined || low === undefined || close === undefined
    || volume === undefined) {
    throw new Error(
      `${source} line 1: unrecognised header (${columnList}); need a time column (${GENERIC_TIME_NAMES.join('|')}) `
        + 'and open, high, low, close, volume, or pass --columns ts=...,open=...,high=...,low=...,close=...,volume=...',
    );
  }
  const adjClose = firstOf(GENERIC_ADJ_CLOSE_NAMES);
  const mapping: ColumnMapping = { ts, open, high, low, close, volume };
  return refuseRepeatedColumns(names, { name: 'generic', columns: adjClose === undefined ? mapping : { ...mapping, adjClose } }, source, (name) => name.toLowerCase());
}

/**
 * A column the layout reads must appear once: with `close` twice, which one holds the prices is a guess.
 * `key` is how the layout matched names (exactly for --columns, ignoring case for the generic layout).
 */
function refuseRepeatedColumns(names: string[], layout: CsvLayout, source: string, key: (name: string) => string): CsvLayout {
  for (const column of Object.values(layout.columns)) {
    const at = names.flatMap((name, i) => (key(name) === key(column) ? [i + 1] : []));
    if (at.length > 1) {
      const shown = at.map((i) => `${i} "${shownValue(names[i - 1]!)}"`).join(', ');
      throw new Error(`${source} line 1: column "${shownValue(column)}" is in the header ${at.length} times (columns ${shown}); rename or remove all but one`);
    }
  }
  return layout;
}

/** Splits one CSV line, honouring double-quoted fields ("a,b" and "" escapes). */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i]!;
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        current += '"';
        i++;
      } else if (char === '"') {
        quoted = false;
      } else {
        current += char;
      }
    } else if (char === '"') {
      quoted = true;
    } else if (char === ',') {
      fields.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  fields.push(current);
  return fields;
}

export interface ParsedTime {
  ms: number;
  /** True for a bare `YYYY-MM-DD`: a calendar date, not an instant. */
  dateOnly: boolean;
  /** The date as written (`YYYY-MM-DD`), in the text's own zone; absent for unix times. */
  writtenDate?: string;
}

/**
 * Reads unix seconds or ms, `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]` (UTC) or ISO 8601 with `Z` or an offset.
 * A date-time without a zone is read as UTC, never as the machine's local time. Returns undefined if unreadable.
 */
export function parseTime(text: string): ParsedTime | undefined {
  const trimmed = text.trim();
  if (DECIMAL.test(trimmed)) {
    const value = Number(trimmed);
    if (value < SMALLEST_TIME_NUMBER || value >= MILLISECONDS_LIMIT) return undefined;
    return { ms: Math.round(value < SECONDS_LIMIT ? value * 1000 : value), dateOnly: false };
  }
  const match = DATE_TIME.exec(trimmed);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const dateKey = `${year}-${month}-${day}`;
  const dayMs = Date.UTC(Number(year), Number(month) - 1, Number(day));
  if (dateKeyOf(dayMs) !== dateKey) return undefined;
  if (hour === undefined) return { ms: dayMs, dateOnly: true, writtenDate: dateKey };
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second ?? 0) > 59) return undefined;
  let ms = dayMs + Number(hour) * 3_600_000 + Number(minute) * 60_000 + Number(second ?? 0) * 1000;
  if (fraction !== undefined) ms += Math.round(Number(fraction) * 1000);
  if (zone !== undefined && zone !== 'Z') {
    const digits = zone.replace(':', '');
    const offsetMinutes = Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5));
    if (Number(digits.slice(1, 3)) > 23 || Number(digits.slice(3, 5)) > 59) return undefined;
    ms -= (digits[0] === '-' ? -1 : 1) * offsetMinutes * 60_000;
  }
  return { ms, dateOnly: false, writtenDate: dateKey };
}

/**
 * The bar's open time. A daily stock bar is one session, so whatever time the file gives, the date as written
 * names the session and the bar opens at 09:30 New York time: `2014-03-06T00:00:00+08:00` is the 6 March
 * session, although that instant is still 5 March in New York. A unix time names its UTC date (a UTC
 * midnight, a New York midnight and the session's own open and close all share it).
 */
export function barOpenTs(time: ParsedTime, kind: MarketKind, timeframe: string): number {
  if (kind === 'stock' && isSessionTimeframe(timeframe)) {
    return easternToUtcMs(time.writtenDate ?? dateKeyOf(Math.floor(time.ms / DAY_MS) * DAY_MS), REGULAR_OPEN_MINUTES);
  }
  return time.ms;
}

/**
 * When a bar closed: crypto bars after one timeframe; a daily stock bar at its session's close (13:00 on
 * early-close days); an intraday stock bar after one timeframe, but never after the session close.
 * Throws for a daily stock bar on a non-trading day (validation reports those first).
 */
export function barCloseTs(ts: number, timeframe: string, kind: MarketKind): number {
  const barMs = timeframeMs(timeframe);
  if (kind === 'crypto') return ts + barMs;
  const dayMs = Math.floor(ts / DAY_MS) * DAY_MS;
  if (isSessionTimeframe(timeframe)) return sessionOpenClose(dateKeyOf(dayMs)).closeTs;
  if (!isTradingDay(dayMs)) return ts + barMs;
  const { openTs, closeTs } = sessionOpenClose(dateKeyOf(dayMs));
  return ts >= openTs && ts < closeTs ? Math.min(ts + barMs, closeTs) : ts + barMs;
}

/** Parses a whole file. Header problems throw; row problems become errors naming line and field. */
export function parseCandleCsv(text: string, opts: ParseOptions): ParsedCsv {
  assertSupportedTimeframe(opts.kind, opts.timeframe);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLine = lines[0] ?? '';
  if (headerLine.trim() === '') throw new Error(`${opts.source} line 1: empty file, expected a header`);
  const header = splitCsvLine(headerLine).map((name) => name.trim());
  const layout = detectLayout(header, opts.columns, opts.source);
  const indexOf = (column: string): number => header.indexOf(column);
  const { columns } = layout;
  const tsCheckIndex = layout.tsCheckColumn === undefined ? -1 : indexOf(layout.tsCheckColumn);
  const candles: RawCandle[] = [];
  const errors: Issue[] = [];

  for (let i = 1; i < lines.length; i++) {
    const lineText = lines[i]!;
    if (lineText.trim() === '') continue;
    const line = i + 1;
    const fields = splitCsvLine(lineText);
    const fail = (ts: number | null, field: string, message: string): void => {
      errors.push(makeIssue(opts, line, ts, field, message));
    };
    if (fields.length !== header.length) {
      fail(null, 'row', `expected ${header.length} fields, got ${fields.length}`);
      continue;
    }
    const cell = (column: string): string => fields[indexOf(column)]!.trim();

    const timeText = cell(columns.ts);
    const time = timeText === '' ? undefined : parseTime(timeText);
    if (!time) {
      fail(null, 'ts', timeText === '' ? `${shownValue(columns.ts)} is missing` : `${shownValue(columns.ts)} "${shownValue(timeText)}" is not a time`);
      continue;
    }
    const ts = barOpenTs(time, opts.kind, opts.timeframe);
    let rowOk = true;
    if (tsCheckIndex >= 0) {
      const checkText = fields[tsCheckIndex]!.trim();
      const check = parseTime(checkText);
      if (!check || check.ms !== time.ms) {
        const text = `${layout.tsCheckColumn} "${shownValue(checkText)}" disagrees with ${columns.ts} ${shownValue(timeText)}`
          + ` (${new Date(time.ms).toISOString()})`;
        fail(ts, layout.tsCheckColumn!, text);
        rowOk = false;
      }
    }
    const numberIn = (field: keyof ColumnMapping, column: string): number => {
      const value = cell(column);
      if (value === '') {
        fail(ts, field, `${field} is missing`);
        rowOk = false;
        return Number.NaN;
      }
      if (!DECIMAL.test(value)) {
        fail(ts, field, `${field} "${shownValue(value)}" is not a number`);
        rowOk = false;
        return Number.NaN;
      }
      return Number(value);
    };
    const candle: RawCandle = {
      line,
      ts,
      open: numberIn('open', columns.open),
      high: numberIn('high', columns.high),
      low: numberIn('low', columns.low),
      close: numberIn('close', columns.close),
      volume: numberIn('volume', columns.volume),
    };
    if (columns.adjClose !== undefined) candle.adjClose = numberIn('adjClose', columns.adjClose);
    if (rowOk) candles.push(candle);
  }
  return { layout, candles, errors };
}

/** `adjusted` when the file has an adjusted close, unless raw prices are asked for. */
export function resolvePriceBasis(requested: PriceBasis | undefined, hasAdjClose: boolean, source = 'csv'): PriceBasis {
  if (requested === 'adjusted' && !hasAdjClose) {
    throw new Error(`${source}: --price adjusted needs an adjusted-close column (none found; map one with adjClose=...)`);
  }
  return requested ?? (hasAdjClose ? 'adjusted' : 'raw');
}

/**
 * Scales open, high, low and close by adjClose / close so the whole bar sits on the adjusted basis
 * (splits and dividends). Validate the raw values first: a positive factor keeps a valid bar valid.
 */
export function applyPriceBasis(candles: RawCandle[], basis: PriceBasis): RawCandle[] {
  if (basis === 'raw') return candles;
  return candles.map((candle) => {
    if (candle.adjClose === undefined) throw new Error(`line ${candle.line}: adjClose is missing for adjusted prices`);
    // One factor for all four prices: rounding is monotonic, so high ≥ close ≥ low survives exactly
    // (setting close to adjClose itself could land one ulp above a high that equalled the raw close).
    const factor = candle.adjClose / candle.close;
    return {
      ...candle,
      open: candle.open * factor,
      high: candle.high * factor,
      low: candle.low * factor,
      close: candle.close * factor,
    };
  });
}
