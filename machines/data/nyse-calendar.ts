// The NYSE/NASDAQ regular-session calendar for 1990–2030, computed from the exchange rules rather than
// downloaded, so a backtest can tell a missing bar from a closed market and knows when each daily bar closed.
//
// Dates are handled as UTC-midnight ms of the exchange's local calendar date ("day ms") or as
// 'YYYY-MM-DD' keys. Session times are US Eastern, converted to UTC with the US DST rules of that year.
//
// Unscheduled intraday interruptions (snow days, moments of silence, the 1997-10-27 circuit breaker) are
// not modelled: they were NYSE-floor events whose effect on NASDAQ hours is uncertain, and a session close
// later than the real one can only delay a bar, never leak a price from the future.
import { DAY_MS } from './timeframe.ts';

export const CALENDAR_FIRST_YEAR = 1990;
export const CALENDAR_LAST_YEAR = 2030;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const REGULAR_OPEN_MINUTES = 9 * 60 + 30;
const REGULAR_CLOSE_MINUTES = 16 * 60;
const ONE_PM = 13 * 60;
const TWO_PM = 14 * 60;

const SUNDAY = 0;
const MONDAY = 1;
const TUESDAY = 2;
const WEDNESDAY = 3;
const THURSDAY = 4;
const FRIDAY = 5;
const SATURDAY = 6;
const WEEKDAY_NAMES = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** Closures that no rule predicts (national days of mourning, 9/11, Hurricane Sandy). */
const SPECIAL_CLOSURES: ReadonlyArray<readonly [string, string]> = [
  ['1994-04-27', 'National Day of Mourning (President Nixon)'],
  ['2001-09-11', 'September 11 attacks'],
  ['2001-09-12', 'September 11 attacks'],
  ['2001-09-13', 'September 11 attacks'],
  ['2001-09-14', 'September 11 attacks'],
  ['2004-06-11', 'National Day of Mourning (President Reagan)'],
  ['2007-01-02', 'National Day of Mourning (President Ford)'],
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National Day of Mourning (President G.H.W. Bush)'],
  ['2025-01-09', 'National Day of Mourning (President Carter)'],
];

/** Early closes the exchange announced for single years, outside the recurring rules. */
const SPECIAL_EARLY_CLOSES: ReadonlyArray<readonly [string, number]> = [
  ['1997-12-26', ONE_PM],
  ['2003-12-26', ONE_PM],
];

interface YearCalendar {
  closures: Map<string, string>;
  /** Close time in minutes after local midnight, for sessions that end before 16:00. */
  earlyCloses: Map<string, number>;
}

const yearCache = new Map<number, YearCalendar>();

/** 'YYYY-MM-DD' of a UTC-midnight ms (or of the UTC date of any ms). */
export function dateKeyOf(dayMs: number): string {
  return new Date(dayMs).toISOString().slice(0, 10);
}

/** UTC-midnight ms of a 'YYYY-MM-DD' key; throws on anything that is not a real calendar date. */
export function dayMsOf(dateKey: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateKey);
  if (match) {
    const year = Number(match[1]);
    const month = Number(match[2]);
    const day = Number(match[3]);
    const ms = Date.UTC(year, month - 1, day);
    // Date.UTC silently rolls 2014-02-30 over to March; the round trip rejects it.
    if (dateKeyOf(ms) === dateKey) return ms;
  }
  throw new Error(`invalid date "${dateKey}" (expected YYYY-MM-DD)`);
}

function utcDay(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day);
}

function weekdayOf(dayMs: number): number {
  return new Date(dayMs).getUTCDay();
}

/** The n-th (1-based) given weekday of a month. */
function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const first = utcDay(year, month, 1);
  const offset = (weekday - weekdayOf(first) + 7) % 7;
  return first + (offset + (n - 1) * 7) * DAY_MS;
}

function lastWeekday(year: number, month: number, weekday: number): number {
  const last = utcDay(year, month + 1, 0);
  const offset = (weekdayOf(last) - weekday + 7) % 7;
  return last - offset * DAY_MS;
}

/** Saturday holidays move to Friday, Sunday holidays to Monday. */
function nearestWeekday(dayMs: number): number {
  const weekday = weekdayOf(dayMs);
  if (weekday === SATURDAY) return dayMs - DAY_MS;
  if (weekday === SUNDAY) return dayMs + DAY_MS;
  return dayMs;
}

/** Easter Sunday by the anonymous Gregorian computus (Meeus/Jones/Butcher). */
export function easterSunday(year: number): number {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return utcDay(year, month, day);
}

function assertInRange(year: number, what: string): void {
  if (!Number.isInteger(year) || year < CALENDAR_FIRST_YEAR || year > CALENDAR_LAST_YEAR) {
    throw new Error(`NYSE calendar covers ${CALENDAR_FIRST_YEAR}–${CALENDAR_LAST_YEAR}, got ${what}`);
  }
}

function buildYear(year: number): YearCalendar {
  const closures = new Map<string, string>();
  const earlyCloses = new Map<string, number>();
  const close = (dayMs: number, reason: string): void => {
    closures.set(dateKeyOf(dayMs), reason);
  };

  // A Saturday New Year is not observed on the Friday before: that Friday is in the previous year,
  // and the exchange keeps it a full session (1999-12-31, 2010-12-31 and 2021-12-31 all traded).
  const newYear = utcDay(year, 1, 1);
  if (weekdayOf(newYear) === SUNDAY) close(newYear + DAY_MS, "New Year's Day (observed)");
  else if (weekdayOf(newYear) !== SATURDAY) close(newYear, "New Year's Day");
  if (year >= 1998) close(nthWeekday(year, 1, MONDAY, 3), 'Martin Luther King Jr. Day');
  close(nthWeekday(year, 2, MONDAY, 3), "Washington's Birthday");
  close(easterSunday(year) - 2 * DAY_MS, 'Good Friday');
  close(lastWeekday(year, 5, MONDAY), 'Memorial Day');
  if (year >= 2022) close(nearestWeekday(utcDay(year, 6, 19)), 'Juneteenth');
  close(nearestWeekday(utcDay(year, 7, 4)), 'Independence Day');
  close(nthWeekday(year, 9, MONDAY, 1), 'Labor Day');
  const thanksgiving = nthWeekday(year, 11, THURSDAY, 4);
  close(thanksgiving, 'Thanksgiving Day');
  close(nearestWeekday(utcDay(year, 12, 25)), 'Christmas Day');
  for (const [dateKey, reason] of SPECIAL_CLOSURES) {
    if (dateKey.startsWith(`${year}-`)) closures.set(dateKey, reason);
  }

  const earlyClose = (dayMs: number, minutes: number): void => {
    const dateKey = dateKeyOf(dayMs);
    const weekday = weekdayOf(dayMs);
    if (weekday !== SATURDAY && weekday !== SUNDAY && !closures.has(dateKey)) earlyCloses.set(dateKey, minutes);
  };
  // Independence Day half days: July 3 on Mon/Tue/Thu since 1995; when July 4 was a Thursday the half day
  // was Friday July 5 until 2012, and has been Wednesday July 3 since 2013.
  const july3 = utcDay(year, 7, 3);
  const july3Weekday = weekdayOf(july3);
  if (year >= 1995 && (july3Weekday === MONDAY || july3Weekday === TUESDAY || july3Weekday === THURSDAY)) {
    earlyClose(july3, ONE_PM);
  }
  if (year >= 2013 && july3Weekday === WEDNESDAY) earlyClose(july3, ONE_PM);
  const july5 = utcDay(year, 7, 5);
  if (year >= 1996 && year <= 2012 && weekdayOf(july5) === FRIDAY) earlyClose(july5, ONE_PM);
  // The day after Thanksgiving became a half day in 1992 (2 pm), 1 pm from 1993.
  if (year >= 1992) earlyClose(thanksgiving + DAY_MS, year === 1992 ? TWO_PM : ONE_PM);
  // Christmas Eve on Monday–Thursday: 2 pm until 1992, 1 pm since (1993–1995 had no weekday Eve to close).
  const christmasEve = utcDay(year, 12, 24);
  const christmasEveWeekday = weekdayOf(christmasEve);
  if (christmasEveWeekday >= MONDAY && christmasEveWeekday <= THURSDAY) {
    earlyClose(christmasEve, year <= 1992 ? TWO_PM : ONE_PM);
  }
  for (const [dateKey, minutes] of SPECIAL_EARLY_CLOSES) {
    if (dateKey.startsWith(`${year}-`)) earlyClose(dayMsOf(dateKey), minutes);
  }
  return { closures, earlyCloses };
}

function yearCalendar(year: number): YearCalendar {
  let calendar = yearCache.get(year);
  if (!calendar) {
    calendar = buildYear(year);
    yearCache.set(year, calendar);
  }
  return calendar;
}

function checkedDayMs(dayMs: number): number {
  if (!Number.isFinite(dayMs) || dayMs % DAY_MS !== 0) {
    // A non-midnight instant has no single exchange date (late UTC evening is still the previous day in New York).
    throw new Error(`expected a UTC-midnight date in ms, got ${dayMs}`);
  }
  assertInRange(new Date(dayMs).getUTCFullYear(), dateKeyOf(dayMs));
  return dayMs;
}

/** Why the market is closed on a date ('Saturday', 'Good Friday', ...), or undefined on a trading day. */
export function nonTradingReason(dateKey: string): string | undefined {
  const dayMs = checkedDayMs(dayMsOf(dateKey));
  const weekday = weekdayOf(dayMs);
  if (weekday === SATURDAY || weekday === SUNDAY) return WEEKDAY_NAMES[weekday];
  return yearCalendar(new Date(dayMs).getUTCFullYear()).closures.get(dateKey);
}

export function isTradingDay(dateUtcMidnightMs: number): boolean {
  return nonTradingReason(dateKeyOf(checkedDayMs(dateUtcMidnightMs))) === undefined;
}

/** The first trading day strictly after the given date. */
export function nextTradingDay(dateUtcMidnightMs: number): number {
  let day = checkedDayMs(dateUtcMidnightMs) + DAY_MS;
  while (!isTradingDay(day)) day += DAY_MS;
  return day;
}

/** The last trading day strictly before the given date. */
export function previousTradingDay(dateUtcMidnightMs: number): number {
  let day = checkedDayMs(dateUtcMidnightMs) - DAY_MS;
  while (!isTradingDay(day)) day -= DAY_MS;
  return day;
}

/** Every trading day from `a` to `b`, both included (UTC-midnight ms, ascending); empty when b < a. */
export function tradingDaysBetween(a: number, b: number): number[] {
  checkedDayMs(a);
  checkedDayMs(b);
  const days: number[] = [];
  for (let day = a; day <= b; day += DAY_MS) {
    if (isTradingDay(day)) days.push(day);
  }
  return days;
}

/** True while US Eastern daylight time is in effect on that local date (at any hour the market is open). */
export function isEasternDaylightTime(dateKey: string): boolean {
  const dayMs = dayMsOf(dateKey);
  const year = new Date(dayMs).getUTCFullYear();
  // Energy Policy Act of 2005: from 2007 DST runs second Sunday of March → first Sunday of November;
  // before, first Sunday of April → last Sunday of October. Both switch at 02:00 local, before any session.
  const start = year >= 2007 ? nthWeekday(year, 3, SUNDAY, 2) : nthWeekday(year, 4, SUNDAY, 1);
  const end = year >= 2007 ? nthWeekday(year, 11, SUNDAY, 1) : lastWeekday(year, 10, SUNDAY);
  return dayMs >= start && dayMs < end;
}

/** UTC ms of a US Eastern wall-clock time (minutes after local midnight) on a date. */
export function easternToUtcMs(dateKey: string, minutesAfterMidnight: number): number {
  const offsetHours = isEasternDaylightTime(dateKey) ? 4 : 5;
  return dayMsOf(dateKey) + minutesAfterMidnight * MINUTE_MS + offsetHours * HOUR_MS;
}

/** Open and close of the regular session on a trading day, in ms UTC; throws on a non-trading day. */
export function sessionOpenClose(dateKey: string): { openTs: number; closeTs: number } {
  const reason = nonTradingReason(dateKey);
  if (reason !== undefined) throw new Error(`${dateKey} is not an NYSE trading day (${reason})`);
  const year = Number(dateKey.slice(0, 4));
  const closeMinutes = yearCalendar(year).earlyCloses.get(dateKey) ?? REGULAR_CLOSE_MINUTES;
  return {
    openTs: easternToUtcMs(dateKey, REGULAR_OPEN_MINUTES),
    closeTs: easternToUtcMs(dateKey, closeMinutes),
  };
}
