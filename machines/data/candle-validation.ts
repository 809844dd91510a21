// Checks a candle series before it is trusted: errors make an import fail, warnings are reported.
// Errors: unusable numbers, impossible OHLC, duplicate or out-of-order times, stock bars off the calendar.
// Warnings: missing bars (against the timeframe, and for stocks against the NYSE sessions) and outlier ranges.
// Flat bars (open = high = low = close) are real in thin early markets and pass silently.
import type { MarketKind } from '../domain.ts';
import type { RawCandle } from './csv-layouts.ts';
import {
  CALENDAR_FIRST_YEAR,
  CALENDAR_LAST_YEAR,
  dateKeyOf,
  isTradingDay,
  nonTradingReason,
  sessionOpenClose,
  tradingDaysBetween,
} from './nyse-calendar.ts';
import { assertSupportedTimeframe, DAY_MS, isSessionTimeframe, isSubMinuteTimeframe, timeframeMs } from './timeframe.ts';

export interface Issue {
  line: number;
  ts: number | null;
  field: string;
  /** One line: `<source> line 812 (2014-03-07): high 41.2 < low 41.9`. */
  message: string;
}

export interface ValidationOptions {
  timeframe: string;
  kind: MarketKind;
  /** Names the input in every message, e.g. `nvda.csv`. */
  source: string;
  /** A bar whose high−low exceeds this multiple of the median range of the previous bars is an outlier. */
  outlierRangeMultiple?: number;
  /** `line` for file lines, `row` for stored rows. */
  lineLabel?: 'line' | 'row';
}

export interface ValidationResult {
  errors: Issue[];
  warnings: Issue[];
}

export const DEFAULT_OUTLIER_RANGE_MULTIPLE = 10;
export const OUTLIER_WINDOW_BARS = 20;

const PRICE_FIELDS = ['open', 'high', 'low', 'close'] as const;
const NUMERIC_FIELDS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/** A bar time as people read it: the date for daily or longer bars, else UTC date and minute. */
export function formatBarTime(ts: number, timeframe: string): string {
  if (!Number.isFinite(ts)) return String(ts);
  const iso = new Date(ts).toISOString();
  if (isSessionTimeframe(timeframe)) return iso.slice(0, 10);
  return `${iso.slice(0, isSubMinuteTimeframe(timeframe) ? 19 : 16).replace('T', ' ')}Z`;
}

/** Why a series has no bars between fromTs and toTs, in one line: what is stored of it instead (`stored`), if anything. */
export function noCandlesMessage(
  query: { symbol: string; timeframe: string; exchange?: string; fromTs?: number; toTs?: number },
  stored: { firstTs: number; lastTs: number; count: number } | undefined,
): string {
  const { symbol, timeframe } = query;
  const from = query.fromTs === undefined ? undefined : formatBarTime(query.fromTs, timeframe);
  const to = query.toTs === undefined ? undefined : formatBarTime(query.toTs, timeframe);
  const asked = from !== undefined && to !== undefined ? ` between ${from} and ${to}` : from !== undefined ? ` from ${from} on` : to !== undefined ? ` up to ${to}` : '';
  const what = stored === undefined
    ? `none are stored${query.exchange ? ` on ${query.exchange}` : ''}: import or collect them first`
    : `the stored ones run ${formatBarTime(stored.firstTs, timeframe)} → ${formatBarTime(stored.lastTs, timeframe)} (${stored.count.toLocaleString('en-US')} bars)`;
  return `no ${symbol} ${timeframe} candles${asked}: ${what}`;
}

/** Builds an issue whose message follows `<source> line N (time): text`. */
export function makeIssue(
  where: { source: string; timeframe: string; lineLabel?: 'line' | 'row' },
  line: number,
  ts: number | null,
  field: string,
  text: string,
): Issue {
  const knownTs = ts !== null && Number.isFinite(ts) ? ts : null;
  const time = knownTs === null ? '' : ` (${formatBarTime(knownTs, where.timeframe)})`;
  return { line, ts: knownTs, field, message: `${where.source} ${where.lineLabel ?? 'line'} ${line}${time}: ${text}` };
}

/** A length of time as people write it: `1d`, `12h`, `5m`, `30s`, else `ms`. */
export function formatDuration(ms: number): string {
  if (ms % DAY_MS === 0) return `${ms / DAY_MS}d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function inCalendarRange(ts: number): boolean {
  const year = new Date(ts).getUTCFullYear();
  return year >= CALENDAR_FIRST_YEAR && year <= CALENDAR_LAST_YEAR;
}

interface SessionOf {
  dayMs: number;
  openTs: number;
  closeTs: number;
}

/** The regular session a stock bar starting at `ts` overlaps, if any (US sessions never span a UTC midnight). */
function sessionOverlapping(ts: number, barMs: number): SessionOf | undefined {
  const dayMs = Math.floor(ts / DAY_MS) * DAY_MS;
  if (!isTradingDay(dayMs)) return undefined;
  const { openTs, closeTs } = sessionOpenClose(dateKeyOf(dayMs));
  return ts < closeTs && ts + barMs > openTs ? { dayMs, openTs, closeTs } : undefined;
}

/** Validates a series in file order. Pure: the same rows always give the same issues. */
export function validateCandles(rows: RawCandle[], opts: ValidationOptions): ValidationResult {
  const barMs = timeframeMs(opts.timeframe);
  assertSupportedTimeframe(opts.kind, opts.timeframe);
  const sessionBars = opts.kind === 'stock' && isSessionTimeframe(opts.timeframe);
  const outlierMultiple = opts.outlierRangeMultiple ?? DEFAULT_OUTLIER_RANGE_MULTIPLE;
  const errors: Issue[] = [];
  const warnings: Issue[] = [];
  const issue = (row: RawCandle, ts: number | null, field: string, text: string): Issue =>
    makeIssue(opts, row.line, ts, field, text);
  const lineLabel = opts.lineLabel ?? 'line';

  const lineOfTs = new Map<number, number>();
  let previous: RawCandle | undefined;
  let previousInSession: { row: RawCandle; session: SessionOf } | undefined;
  const recentRanges: number[] = [];

  for (const row of rows) {
    const rowErrorsBefore = errors.length;
    const tsKnown = typeof row.ts === 'number' && Number.isFinite(row.ts);
    const ts = tsKnown ? row.ts : null;

    for (const field of NUMERIC_FIELDS) {
      const value: unknown = row[field];
      if (typeof value !== 'number') errors.push(issue(row, ts, field, `${field} is missing`));
      else if (!Number.isFinite(value)) errors.push(issue(row, ts, field, `${field} ${value} is not a finite number`));
    }
    if (row.adjClose !== undefined && !(Number.isFinite(row.adjClose) && row.adjClose > 0)) {
      errors.push(issue(row, ts, 'adjClose', `adjClose ${row.adjClose} is not a positive number`));
    }
    if (errors.length > rowErrorsBefore) continue;

    for (const field of PRICE_FIELDS) {
      if (row[field] <= 0) errors.push(issue(row, row.ts, field, `${field} ${row[field]} is not positive`));
    }
    if (row.volume < 0) errors.push(issue(row, row.ts, 'volume', `volume ${row.volume} is negative`));
    // Against a non-positive price the OHLC relations would only repeat the same defect.
    if (PRICE_FIELDS.every((field) => row[field] > 0)) checkOhlc(row);

    if (opts.kind === 'stock' && !inCalendarRange(row.ts)) {
      errors.push(issue(row, row.ts, 'ts', `outside the NYSE calendar (${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR})`));
      continue;
    }
    if (sessionBars) {
      const dateKey = dateKeyOf(row.ts);
      const reason = nonTradingReason(dateKey);
      if (reason !== undefined) {
        errors.push(issue(row, row.ts, 'ts', `${dateKey} is not an NYSE trading day (${reason})`));
        continue;
      }
      const { openTs } = sessionOpenClose(dateKey);
      if (row.ts !== openTs) {
        const opens = new Date(openTs).toISOString();
        errors.push(issue(row, row.ts, 'ts', `ts ${new Date(row.ts).toISOString()} is not the session open ${opens}`));
      }
    }

    const earlierLine = lineOfTs.get(row.ts);
    if (earlierLine !== undefined) {
      errors.push(issue(row, row.ts, 'ts', `duplicate ts, same as ${lineLabel} ${earlierLine}`));
      continue;
    }
    lineOfTs.set(row.ts, row.line);
    if (previous && row.ts < previous.ts) {
      const earlier = formatBarTime(previous.ts, opts.timeframe);
      errors.push(issue(row, row.ts, 'ts', `ts out of order: earlier than ${lineLabel} ${previous.line} (${earlier})`));
      continue;
    }

    if (opts.kind === 'crypto') {
      if (previous) checkStep(previous, row);
    } else if (sessionBars) {
      if (previous) checkSessionGap(previous, row);
    } else {
      const session = sessionOverlapping(row.ts, barMs);
      if (!session) {
        warnings.push(issue(row, row.ts, 'ts', 'bar lies outside the regular session'));
      } else {
        if (previousInSession) checkIntradayStockGap(previousInSession.row, previousInSession.session, row, session);
        previousInSession = { row, session };
      }
    }
    previous = row;
    if (errors.length > rowErrorsBefore) continue;

    const range = row.high - row.low;
    if (recentRanges.length === OUTLIER_WINDOW_BARS) {
      const typical = median(recentRanges);
      // A zero median (a run of flat bars) would make every ordinary bar look infinitely large.
      if (typical > 0 && range > outlierMultiple * typical) {
        const text = `outlier: range ${round(range)} is ${round(range / typical)}× the median range ${round(typical)}`
          + ` of the previous ${OUTLIER_WINDOW_BARS} bars`;
        warnings.push(issue(row, row.ts, 'range', text));
      }
      recentRanges.shift();
    }
    recentRanges.push(range);
  }
  return { errors, warnings };

  function checkOhlc(row: RawCandle): void {
    if (row.high < row.low) {
      errors.push(issue(row, row.ts, 'high', `high ${row.high} < low ${row.low}`));
      return;
    }
    const top = row.open >= row.close ? 'open' : 'close';
    const bottom = row.open <= row.close ? 'open' : 'close';
    if (row.high < row[top]) errors.push(issue(row, row.ts, 'high', `high ${row.high} < ${top} ${row[top]}`));
    if (row.low > row[bottom]) errors.push(issue(row, row.ts, 'low', `low ${row.low} > ${bottom} ${row[bottom]}`));
  }

  /** Consecutive bars of a continuous stretch (a crypto series, or one stock session) sit one timeframe apart. */
  function checkStep(before: RawCandle, row: RawCandle): void {
    const step = row.ts - before.ts;
    if (step < barMs) {
      const text = `starts ${formatDuration(step)} after ${lineLabel} ${before.line}, less than one ${opts.timeframe} bar`;
      errors.push(issue(row, row.ts, 'ts', text));
    } else if (step > barMs) {
      const count = Math.ceil(step / barMs) - 1;
      const first = formatBarTime(before.ts + barMs, opts.timeframe);
      const range = count === 1 ? first : `${first} .. ${formatBarTime(row.ts - barMs, opts.timeframe)}`;
      warnings.push(issue(row, row.ts, 'ts', `gap: ${plural(count, `missing ${opts.timeframe} bar`)} ${range}`));
    }
  }

  function checkSessionGap(before: RawCandle, row: RawCandle): void {
    const fromDay = Math.floor(before.ts / DAY_MS) * DAY_MS + DAY_MS;
    const toDay = Math.floor(row.ts / DAY_MS) * DAY_MS - DAY_MS;
    const missing = tradingDaysBetween(fromDay, toDay);
    if (missing.length > 0) {
      warnings.push(issue(row, row.ts, 'ts', `gap: ${plural(missing.length, 'missing session')} ${dayRange(missing)}`));
    }
  }

  function checkIntradayStockGap(before: RawCandle, beforeSession: SessionOf, row: RawCandle, session: SessionOf): void {
    if (session.dayMs === beforeSession.dayMs) {
      checkStep(before, row);
      return;
    }
    // The slot after the previous bar still overlapped its session: the session's tail is missing.
    if (before.ts + barMs < beforeSession.closeTs) {
      const from = formatBarTime(before.ts + barMs, opts.timeframe);
      const close = formatBarTime(beforeSession.closeTs, opts.timeframe);
      warnings.push(issue(row, row.ts, 'ts', `gap: bars missing from ${from} to the session close ${close}`));
    }
    const missingDays = tradingDaysBetween(beforeSession.dayMs + DAY_MS, session.dayMs - DAY_MS);
    if (missingDays.length > 0) {
      const text = `gap: ${plural(missingDays.length, 'whole session')} missing ${dayRange(missingDays)}`;
      warnings.push(issue(row, row.ts, 'ts', text));
    }
    // Likewise the slot before this bar overlapped its session: the session's head is missing.
    if (row.ts > session.openTs) {
      const open = formatBarTime(session.openTs, opts.timeframe);
      const text = `gap: bars missing from the session open ${open} to ${formatBarTime(row.ts, opts.timeframe)}`;
      warnings.push(issue(row, row.ts, 'ts', text));
    }
  }
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function dayRange(days: number[]): string {
  const first = dateKeyOf(days[0]!);
  const last = dateKeyOf(days[days.length - 1]!);
  return first === last ? first : `${first} .. ${last}`;
}

function round(value: number): number {
  return Number(value.toPrecision(4));
}
