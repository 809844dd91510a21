import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  dateKeyOf,
  dayMsOf,
  easterSunday,
  isTradingDay,
  nextTradingDay,
  nonTradingReason,
  previousTradingDay,
  sessionOpenClose,
  tradingDaysBetween,
} from '../../../machines/data/nyse-calendar.ts';

const DATA_DIR = resolve(import.meta.dir, '../../..', process.env.QS_DATA_DIR || '../shared/data');

function weekdayClosures(year: number): string[] {
  const closed: string[] = [];
  for (let day = dayMsOf(`${year}-01-01`); day <= dayMsOf(`${year}-12-31`); day += 86_400_000) {
    const weekday = new Date(day).getUTCDay();
    if (weekday !== 0 && weekday !== 6 && !isTradingDay(day)) closed.push(dateKeyOf(day));
  }
  return closed;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

describe('NYSE holidays', () => {
  test('2012 closes for the rule holidays plus Hurricane Sandy', () => {
    expect(weekdayClosures(2012)).toEqual([
      '2012-01-02', '2012-01-16', '2012-02-20', '2012-04-06', '2012-05-28', '2012-07-04',
      '2012-09-03', '2012-10-29', '2012-10-30', '2012-11-22', '2012-12-25',
    ]);
  });

  test('2022 has Juneteenth observed on Monday and no New Year holiday for a Saturday Jan 1', () => {
    expect(weekdayClosures(2022)).toEqual([
      '2022-01-17', '2022-02-21', '2022-04-15', '2022-05-30', '2022-06-20', '2022-07-04',
      '2022-09-05', '2022-11-24', '2022-12-26',
    ]);
  });

  test('a Saturday New Year is not observed on the Friday before', () => {
    for (const friday of ['1999-12-31', '2004-12-31', '2010-12-31', '2021-12-31', '2027-12-31']) {
      expect(isTradingDay(dayMsOf(friday))).toBe(true);
    }
  });

  test('a Sunday New Year is observed on the Monday after', () => {
    expect(nonTradingReason('2012-01-02')).toBe("New Year's Day (observed)");
    expect(nonTradingReason('2017-01-02')).toBe("New Year's Day (observed)");
    expect(nonTradingReason('2023-01-02')).toBe("New Year's Day (observed)");
  });

  test('Martin Luther King Jr. Day closes the market only from 1998', () => {
    expect(isTradingDay(dayMsOf('1997-01-20'))).toBe(true);
    expect(nonTradingReason('1998-01-19')).toBe('Martin Luther King Jr. Day');
  });

  test('Juneteenth closes the market only from 2022, moving off weekends', () => {
    expect(isTradingDay(dayMsOf('2021-06-18'))).toBe(true);
    expect(nonTradingReason('2023-06-19')).toBe('Juneteenth');
    expect(nonTradingReason('2027-06-18')).toBe('Juneteenth');
  });

  test('Independence Day and Christmas move from Saturday to Friday and from Sunday to Monday', () => {
    expect(nonTradingReason('2015-07-03')).toBe('Independence Day');
    expect(nonTradingReason('2021-07-05')).toBe('Independence Day');
    expect(nonTradingReason('2021-12-24')).toBe('Christmas Day');
    expect(nonTradingReason('2022-12-26')).toBe('Christmas Day');
  });

  test('Easter is computed for years across the range', () => {
    const easters: Array<[number, string]> = [
      [1990, '1990-04-15'], [2000, '2000-04-23'], [2008, '2008-03-23'], [2011, '2011-04-24'],
      [2019, '2019-04-21'], [2024, '2024-03-31'], [2030, '2030-04-21'],
    ];
    for (const [year, easter] of easters) expect(dateKeyOf(easterSunday(year))).toBe(easter);
    expect(nonTradingReason('2024-03-29')).toBe('Good Friday');
    expect(nonTradingReason('1990-04-13')).toBe('Good Friday');
  });

  test('special closures are closed', () => {
    const special = [
      '1994-04-27', '2001-09-11', '2001-09-12', '2001-09-13', '2001-09-14', '2004-06-11',
      '2007-01-02', '2012-10-29', '2012-10-30', '2018-12-05', '2025-01-09',
    ];
    for (const day of special) expect(isTradingDay(dayMsOf(day))).toBe(false);
  });

  test('the number of sessions per year matches the published NYSE counts', () => {
    const counts: Array<[number, number]> = [[2001, 248], [2008, 253], [2012, 250], [2020, 253], [2022, 251], [2023, 250], [2024, 252], [2025, 250]];
    for (const [year, sessions] of counts) {
      expect(tradingDaysBetween(dayMsOf(`${year}-01-01`), dayMsOf(`${year}-12-31`)).length).toBe(sessions);
    }
  });
});

describe('stepping through sessions', () => {
  test('the next trading day after 2001-09-10 is 2001-09-17', () => {
    expect(dateKeyOf(nextTradingDay(dayMsOf('2001-09-10')))).toBe('2001-09-17');
  });

  test('the next trading day skips Christmas and the previous one skips a weekend', () => {
    expect(dateKeyOf(nextTradingDay(dayMsOf('2024-12-24')))).toBe('2024-12-26');
    expect(dateKeyOf(previousTradingDay(dayMsOf('2024-12-30')))).toBe('2024-12-27');
  });

  test('tradingDaysBetween includes both ends and is empty when they cross', () => {
    const days = tradingDaysBetween(dayMsOf('2024-03-27'), dayMsOf('2024-04-02')).map(dateKeyOf);
    expect(days).toEqual(['2024-03-27', '2024-03-28', '2024-04-01', '2024-04-02']);
    expect(tradingDaysBetween(dayMsOf('2024-04-02'), dayMsOf('2024-04-01'))).toEqual([]);
  });

  test('dates outside 1990–2030 and non-midnight times are refused', () => {
    expect(() => isTradingDay(dayMsOf('1989-12-29'))).toThrow('NYSE calendar covers 1990–2030, got 1989-12-29');
    expect(() => isTradingDay(dayMsOf('2031-01-02'))).toThrow('got 2031-01-02');
    expect(() => isTradingDay(dayMsOf('2024-03-27') + 3_600_000)).toThrow('expected a UTC-midnight date');
  });
});

describe('session times', () => {
  test('a regular session runs 09:30–16:00 New York time', () => {
    const { openTs, closeTs } = sessionOpenClose('2024-07-01');
    expect(iso(openTs)).toBe('2024-07-01T13:30:00.000Z');
    expect(iso(closeTs)).toBe('2024-07-01T20:00:00.000Z');
  });

  test('daylight time starts on the second Sunday of March from 2007', () => {
    expect(iso(sessionOpenClose('2007-03-09').openTs)).toBe('2007-03-09T14:30:00.000Z');
    expect(iso(sessionOpenClose('2007-03-12').openTs)).toBe('2007-03-12T13:30:00.000Z');
  });

  test('daylight time ends on the first Sunday of November from 2007', () => {
    expect(iso(sessionOpenClose('2007-11-02').openTs)).toBe('2007-11-02T13:30:00.000Z');
    expect(iso(sessionOpenClose('2007-11-05').openTs)).toBe('2007-11-05T14:30:00.000Z');
  });

  test('before 2007 daylight time ran from the first Sunday of April to the last Sunday of October', () => {
    expect(iso(sessionOpenClose('2006-03-13').openTs)).toBe('2006-03-13T14:30:00.000Z');
    expect(iso(sessionOpenClose('2006-03-31').openTs)).toBe('2006-03-31T14:30:00.000Z');
    expect(iso(sessionOpenClose('2006-04-03').openTs)).toBe('2006-04-03T13:30:00.000Z');
    expect(iso(sessionOpenClose('2006-10-27').openTs)).toBe('2006-10-27T13:30:00.000Z');
    expect(iso(sessionOpenClose('2006-10-30').openTs)).toBe('2006-10-30T14:30:00.000Z');
  });

  test('the day after Thanksgiving closes at 13:00 (14:00 in 1992, a full day before)', () => {
    expect(iso(sessionOpenClose('2020-11-27').closeTs)).toBe('2020-11-27T18:00:00.000Z');
    expect(iso(sessionOpenClose('1992-11-27').closeTs)).toBe('1992-11-27T19:00:00.000Z');
    expect(iso(sessionOpenClose('1991-11-29').closeTs)).toBe('1991-11-29T21:00:00.000Z');
  });

  test('Christmas Eve on a weekday closes early, and the Thursday before a Friday holiday does not', () => {
    expect(iso(sessionOpenClose('2018-12-24').closeTs)).toBe('2018-12-24T18:00:00.000Z');
    expect(iso(sessionOpenClose('1991-12-24').closeTs)).toBe('1991-12-24T19:00:00.000Z');
    expect(iso(sessionOpenClose('2021-12-23').closeTs)).toBe('2021-12-23T21:00:00.000Z');
    expect(iso(sessionOpenClose('2003-12-26').closeTs)).toBe('2003-12-26T18:00:00.000Z');
  });

  test('the Independence Day half day moved from Friday July 5 to Wednesday July 3 in 2013', () => {
    expect(iso(sessionOpenClose('2002-07-05').closeTs)).toBe('2002-07-05T17:00:00.000Z');
    expect(iso(sessionOpenClose('2002-07-03').closeTs)).toBe('2002-07-03T20:00:00.000Z');
    expect(iso(sessionOpenClose('2013-07-03').closeTs)).toBe('2013-07-03T17:00:00.000Z');
    expect(iso(sessionOpenClose('2013-07-05').closeTs)).toBe('2013-07-05T20:00:00.000Z');
    expect(iso(sessionOpenClose('2012-07-03').closeTs)).toBe('2012-07-03T17:00:00.000Z');
    expect(iso(sessionOpenClose('1990-07-03').closeTs)).toBe('1990-07-03T20:00:00.000Z');
    expect(iso(sessionOpenClose('2015-07-02').closeTs)).toBe('2015-07-02T20:00:00.000Z');
  });

  test('asking for the session of a holiday names the holiday', () => {
    expect(() => sessionOpenClose('2024-12-25')).toThrow('2024-12-25 is not an NYSE trading day (Christmas Day)');
    expect(() => sessionOpenClose('2024-03-30')).toThrow('(Saturday)');
  });
});

describe('the calendar against the real Yahoo files', () => {
  // Every session between each file's first and last row is present: no known data gaps (checked 1995–2015).
  const KNOWN_DATA_GAPS: Record<string, string[]> = {
    'nvda-1999-2014.csv': [],
    'orcl-1995-2014.csv': [],
    'yhoo-1996-2015.csv': [],
  };

  for (const [file, knownGaps] of Object.entries(KNOWN_DATA_GAPS)) {
    test(`${file} has a row for exactly every NYSE session in its range`, () => {
      const dates = readFileSync(resolve(DATA_DIR, file), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.slice(0, 10));
      const notTrading = dates.filter((date) => !isTradingDay(dayMsOf(date)));
      expect(notTrading).toEqual([]);
      const present = new Set(dates);
      const sessions = tradingDaysBetween(dayMsOf(dates[0]!), dayMsOf(dates[dates.length - 1]!)).map(dateKeyOf);
      expect(sessions.filter((session) => !present.has(session))).toEqual(knownGaps);
      expect(dates.length).toBe(sessions.length - knownGaps.length);
    });
  }
});
