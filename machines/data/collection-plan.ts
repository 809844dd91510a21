// The pure half of candle collection: which time ranges still need downloading, where the next bar is expected,
// and what to keep from a downloaded page (closed, in range, valid). The I/O half is actors/adapters/collect.ts.
//
// Times are bar opens in ms UTC, as stored. A stock bar opens at its regular session (a daily bar at 09:30 New
// York), so "the next expected bar" follows the NYSE calendar: a weekend or a holiday is never a missing range.
import type { MarketKind } from '../domain.ts';
import { formatBarTime, OUTLIER_WINDOW_BARS, validateCandles, type Issue } from './candle-validation.ts';
import { barCloseTs, type RawCandle } from './csv-layouts.ts';
import { dateKeyOf, isTradingDay, nextTradingDay, sessionOpenClose, tradingDaysBetween } from './nyse-calendar.ts';
import { DAY_MS, isSessionTimeframe, timeframeMs } from './timeframe.ts';

/** Bar opens from startTs to endTs, both included. */
export interface TimeRange {
  startTs: number;
  endTs: number;
}

export interface SeriesShape {
  kind: MarketKind;
  timeframe: string;
}

/** What is already stored of a series inside the requested range. */
export interface StoredCoverage {
  firstTs: number;
  lastTs: number;
  /** Consecutive stored bars more than one bar length apart (weekends included; the plan filters them). */
  gaps: Array<{ prevTs: number; nextTs: number }>;
}

/** A bar as a venue reported it, already in our time convention (ts = bar open, ms UTC). */
export interface VenueCandle {
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface StorableCandle extends VenueCandle {
  closeTs: number;
}

const MAX_STEPS = 100_000;
const HOUR_MS = 3_600_000;

function dayOf(ts: number): number {
  return Math.floor(ts / DAY_MS) * DAY_MS;
}

/** The first grid time (phase + k × step) strictly after `afterTs`. */
function gridAfter(afterTs: number, phaseTs: number, stepMs: number): number {
  return phaseTs + (Math.floor((afterTs - phaseTs) / stepMs) + 1) * stepMs;
}

/** True when an intraday stock bar opening at ts overlaps the regular session of its day. */
export function isRegularSessionBar(ts: number, timeframe: string): boolean {
  const day = dayOf(ts);
  if (!isTradingDay(day)) return false;
  const { openTs, closeTs } = sessionOpenClose(dateKeyOf(day));
  return ts < closeTs && ts + timeframeMs(timeframe) > openTs;
}

/**
 * The open of the first bar expected strictly after `afterTs`. Crypto bars sit on a grid through `phaseTs` (any
 * known bar open); a daily stock bar opens at the next session's open; an intraday stock bar is the next grid slot
 * that overlaps a regular session.
 */
export function nextExpectedBarTs(afterTs: number, shape: SeriesShape, phaseTs: number): number {
  const barMs = timeframeMs(shape.timeframe);
  if (shape.kind === 'crypto') return gridAfter(afterTs, phaseTs, barMs);
  if (isSessionTimeframe(shape.timeframe)) {
    const day = dayOf(afterTs);
    if (isTradingDay(day) && afterTs < sessionOpenClose(dateKeyOf(day)).openTs) {
      return sessionOpenClose(dateKeyOf(day)).openTs;
    }
    return sessionOpenClose(dateKeyOf(nextTradingDay(day))).openTs;
  }
  let ts = gridAfter(afterTs, phaseTs, barMs);
  for (let step = 0; step < MAX_STEPS; step++) {
    const day = dayOf(ts);
    if (isTradingDay(day)) {
      const { openTs, closeTs } = sessionOpenClose(dateKeyOf(day));
      if (ts + barMs <= openTs) {
        ts = gridAfter(openTs - barMs, phaseTs, barMs);
        continue;
      }
      if (ts < closeTs) return ts;
    }
    const { openTs } = sessionOpenClose(dateKeyOf(nextTradingDay(day)));
    ts = gridAfter(openTs - barMs, phaseTs, barMs);
  }
  throw new Error(`no ${shape.timeframe} stock bar expected after ${new Date(afterTs).toISOString()}`);
}

/**
 * The ranges still to download for [fromTs, toTs] (toTs capped at nowTs): everything when nothing is stored,
 * else the head before the first stored bar, every hole where a bar was expected, and the tail after the last
 * stored bar once its next bar can have closed. A complete series plans nothing, so a re-run sends no request.
 */
export function planCollection(req: SeriesShape & {
  fromTs: number;
  toTs: number;
  nowTs: number;
  stored?: StoredCoverage;
}): TimeRange[] {
  const endTs = Math.min(req.toTs, req.nowTs);
  if (req.fromTs > endTs) return [];
  const { stored } = req;
  if (stored === undefined) return [{ startTs: req.fromTs, endTs }];
  const ranges: TimeRange[] = [];
  const expectedAfter = (ts: number): number => nextExpectedBarTs(ts, req, stored.firstTs);
  if (expectedAfter(req.fromTs - 1) < stored.firstTs) ranges.push({ startTs: req.fromTs, endTs: stored.firstTs - 1 });
  for (const gap of stored.gaps) {
    if (expectedAfter(gap.prevTs) < gap.nextTs) ranges.push({ startTs: gap.prevTs + 1, endTs: gap.nextTs - 1 });
  }
  const next = expectedAfter(stored.lastTs);
  if (next <= endTs && barCloseTs(next, req.timeframe, req.kind) <= req.nowTs) {
    ranges.push({ startTs: stored.lastTs + 1, endTs });
  }
  return ranges;
}

/** Roughly how many bars a range holds, for the progress bar's total and ETA. */
export function expectedBarCount(range: TimeRange, shape: SeriesShape): number {
  if (range.endTs < range.startTs) return 0;
  const barMs = timeframeMs(shape.timeframe);
  if (shape.kind === 'crypto') return Math.floor((range.endTs - range.startTs) / barMs) + 1;
  const sessions = tradingDaysBetween(dayOf(range.startTs), dayOf(range.endTs)).length;
  if (isSessionTimeframe(shape.timeframe)) return sessions;
  const regularSessionMs = 390 * 60_000;
  return sessions * Math.ceil(regularSessionMs / barMs);
}

/** A bar's close, or undefined when it has none (a daily stock bar on a day the exchange was closed). */
function closeTsOf(ts: number, shape: SeriesShape): number | undefined {
  try {
    return barCloseTs(ts, shape.timeframe, shape.kind);
  } catch {
    return undefined;
  }
}

export interface PageInput extends SeriesShape {
  /** The bars in the order the venue sent them. */
  candles: VenueCandle[];
  range: TimeRange;
  nowTs: number;
  /** Names the series in messages, e.g. `binance BTC/USDT 1h`. */
  source: string;
  /** The last stored bars before this page (oldest first), so gaps and outliers are judged across pages. */
  context: VenueCandle[];
  /** The venue says it has nothing more in the range (Alpaca's next_page_token is null). */
  exhausted: boolean;
  /** The latest bar time the venue reported, including bars the adapter left out (extended hours). */
  cursorTs?: number;
  outlierRangeMultiple?: number;
}

export interface PageOutcome {
  /** Closed, valid bars inside the range: store these. */
  rows: StorableCandle[];
  /** Bars with errors (`source (time): text`): reported, never stored. */
  rejected: string[];
  /** Gaps and outliers among the stored bars: reported, stored. */
  warnings: string[];
  /** Bars that have not closed yet (the still-forming last bar). */
  forming: number;
  /** The range is finished: nothing more to ask for. */
  done: boolean;
  /** Where the next request starts when not done. */
  nextStartTs: number;
}

/**
 * Decides what of one downloaded page is stored, and whether to ask for more. Only bars that have closed by
 * nowTs are kept; bars after the range end are the venue being generous and are left for a later run.
 */
export function acceptPage(page: PageInput): PageOutcome {
  const { range } = page;
  const inRange = page.candles.filter((bar) => bar.ts >= range.startTs && bar.ts <= range.endTs);
  const pastEnd = page.candles.some((bar) => bar.ts > range.endTs);
  const seenTs = Math.max(page.cursorTs ?? Number.NEGATIVE_INFINITY, ...inRange.map((bar) => bar.ts));
  if (page.candles.length > 0 && !pastEnd && !(seenTs >= range.startTs)) {
    const first = formatBarTime(page.candles[0]!.ts, page.timeframe);
    throw new Error(
      `${page.source}: the venue answered a request from ${formatBarTime(range.startTs, page.timeframe)} with bars`
        + ` from ${first}; paging cannot advance`,
    );
  }

  let forming = 0;
  const candidates: Array<{ bar: VenueCandle; closeTs: number | undefined }> = [];
  for (const bar of inRange) {
    const closeTs = closeTsOf(bar.ts, page);
    if (closeTs !== undefined && closeTs > page.nowTs) forming++;
    else candidates.push({ bar, closeTs });
  }

  // Context rows come first so gaps and outliers see the stored bars before the page; their own issues were
  // reported when they were stored.
  const contextRows = page.context.slice(-OUTLIER_WINDOW_BARS);
  const toRaw = (bar: VenueCandle, line: number): RawCandle => ({ line, ...bar });
  const rows = [...contextRows.map((bar, i) => toRaw(bar, i + 1)), ...candidates.map((c, i) => toRaw(c.bar, contextRows.length + i + 1))];
  const result = validateCandles(rows, {
    timeframe: page.timeframe,
    kind: page.kind,
    source: page.source,
    outlierRangeMultiple: page.outlierRangeMultiple,
    lineLabel: 'row',
  });
  const isPageIssue = (issue: Issue): boolean => issue.line > contextRows.length;
  const describe = (issue: Issue): string => withoutRowNumber(issue, page.source);
  const errorLines = new Set(result.errors.filter(isPageIssue).map((issue) => issue.line));

  const stored: StorableCandle[] = [];
  candidates.forEach(({ bar, closeTs }, i) => {
    if (errorLines.has(contextRows.length + i + 1) || closeTs === undefined) return;
    stored.push({ ...bar, closeTs });
  });
  // A page of bars the source left out (extended hours) still moves the cursor: only a page that showed nothing
  // at or after the start means the venue has no more.
  const advanced = seenTs >= range.startTs;
  const nextStartTs = Number.isFinite(seenTs) ? seenTs + 1 : range.endTs + 1;
  // No request for a range whose next bar would open after its end (e.g. a one-bar hole just filled).
  const nextBarTs = Number.isFinite(seenTs) ? nextBarAfter(seenTs, page) : nextStartTs;
  return {
    rows: stored,
    rejected: result.errors.filter(isPageIssue).map(describe),
    warnings: result.warnings.filter(isPageIssue).map(describe),
    forming,
    done: !advanced || page.exhausted || pastEnd || forming > 0 || nextBarTs > range.endTs,
    nextStartTs,
  };
}

/**
 * The first bar not on the grid of a stored bar opening at phaseTs: one that would open between two stored bars
 * of its series. Crypto bars and intraday stock bars that divide an hour keep one UTC grid; a daily stock bar's
 * open is checked against its session instead, and longer stock bars may follow New York time across DST.
 */
export function firstOffGridBar(candles: VenueCandle[], shape: SeriesShape, phaseTs: number): VenueCandle | undefined {
  const barMs = timeframeMs(shape.timeframe);
  if (shape.kind === 'stock' && (isSessionTimeframe(shape.timeframe) || HOUR_MS % barMs !== 0)) return undefined;
  return candles.find((bar) => (((bar.ts - phaseTs) % barMs) + barMs) % barMs !== 0);
}

function nextBarAfter(ts: number, shape: SeriesShape): number {
  try {
    return nextExpectedBarTs(ts, shape, ts);
  } catch {
    // Past the end of the NYSE calendar: fall back to asking once more.
    return ts + 1;
  }
}

/** `binance BTC/USDT 1h row 23 (2024-01-30 16:00Z): text` → `binance BTC/USDT 1h (2024-01-30 16:00Z): text`. */
function withoutRowNumber(issue: Issue, source: string): string {
  const prefix = `${source} row ${issue.line}`;
  return issue.message.startsWith(prefix) ? `${source}${issue.message.slice(prefix.length)}` : issue.message;
}
