import { describe, expect, test } from 'bun:test';
import {
  acceptPage,
  expectedBarCount,
  nextExpectedBarTs,
  planCollection,
  type PageInput,
  type VenueCandle,
} from '../../../machines/data/collection-plan.ts';

const HOUR = 3_600_000;
const at = (iso: string): number => Date.parse(iso);
const CRYPTO_1H = { kind: 'crypto' as const, timeframe: '1h' };
const STOCK_1D = { kind: 'stock' as const, timeframe: '1d' };
const STOCK_1H = { kind: 'stock' as const, timeframe: '1h' };

function iso(ts: number): string {
  return new Date(ts).toISOString();
}

function bar(ts: number, price = 100, extra: Partial<VenueCandle> = {}): VenueCandle {
  return { ts, open: price, high: price + 2, low: price - 2, close: price + 1, volume: 5, ...extra };
}

describe('planCollection for crypto', () => {
  const from = at('2024-01-30T00:00:00Z');
  const to = at('2024-01-30T23:59:59.999Z');

  test('asks for the whole range, capped at now, when nothing is stored', () => {
    const now = at('2024-01-30T18:30:00Z');
    expect(planCollection({ ...CRYPTO_1H, fromTs: from, toTs: to, nowTs: now })).toEqual([{ startTs: from, endTs: now }]);
  });

  test('plans nothing for a range that starts in the future', () => {
    expect(planCollection({ ...CRYPTO_1H, fromTs: from, toTs: to, nowTs: from - 1 })).toEqual([]);
  });

  test('plans nothing when every bar up to the last closed one is stored', () => {
    const stored = { firstTs: from, lastTs: at('2024-01-30T17:00:00Z'), gaps: [] };
    // 18:00 is still forming at 18:30: no request until it closes.
    expect(planCollection({ ...CRYPTO_1H, fromTs: from, toTs: to, nowTs: at('2024-01-30T18:30:00Z'), stored })).toEqual([]);
  });

  test('resumes after the last stored bar once the next one has closed', () => {
    const stored = { firstTs: from, lastTs: at('2024-01-30T16:00:00Z'), gaps: [] };
    const now = at('2024-01-30T19:30:00Z');
    expect(planCollection({ ...CRYPTO_1H, fromTs: from, toTs: to, nowTs: now, stored })).toEqual([
      { startTs: at('2024-01-30T16:00:00Z') + 1, endTs: now },
    ]);
  });

  test('fills the head before the first stored bar and every hole between stored bars', () => {
    const stored = {
      firstTs: at('2024-01-30T05:00:00Z'),
      lastTs: at('2024-01-30T12:00:00Z'),
      gaps: [{ prevTs: at('2024-01-30T07:00:00Z'), nextTs: at('2024-01-30T10:00:00Z') }],
    };
    const plan = planCollection({ ...CRYPTO_1H, fromTs: from, toTs: at('2024-01-30T12:59:59Z'), nowTs: at('2024-02-01T00:00:00Z'), stored });
    expect(plan.map((range) => [iso(range.startTs), iso(range.endTs)])).toEqual([
      ['2024-01-30T00:00:00.000Z', '2024-01-30T04:59:59.999Z'],
      ['2024-01-30T07:00:00.001Z', '2024-01-30T09:59:59.999Z'],
    ]);
  });

  test('has no head when no whole bar fits between --from and the first stored bar', () => {
    const stored = { firstTs: at('2024-01-30T16:00:00Z'), lastTs: at('2024-01-30T18:00:00Z'), gaps: [] };
    const plan = planCollection({ ...CRYPTO_1H, fromTs: at('2024-01-30T15:30:00Z'), toTs: at('2024-01-30T18:00:00Z'), nowTs: at('2024-02-01T00:00:00Z'), stored });
    expect(plan).toEqual([]);
  });
});

describe('planCollection for stocks follows the NYSE calendar', () => {
  const now = at('2023-10-31T00:00:00Z');
  const open = (date: string): number => at(`${date}T13:30:00Z`);

  test('a weekend between stored sessions is not a hole', () => {
    const stored = { firstTs: open('2023-09-22'), lastTs: open('2023-09-25'), gaps: [{ prevTs: open('2023-09-22'), nextTs: open('2023-09-25') }] };
    expect(planCollection({ ...STOCK_1D, fromTs: at('2023-09-22T00:00:00Z'), toTs: at('2023-09-25T23:59:59Z'), nowTs: now, stored })).toEqual([]);
  });

  test('Independence Day between stored sessions is not a hole', () => {
    const stored = { firstTs: open('2023-07-03'), lastTs: open('2023-07-05'), gaps: [{ prevTs: open('2023-07-03'), nextTs: open('2023-07-05') }] };
    expect(planCollection({ ...STOCK_1D, fromTs: at('2023-07-03T00:00:00Z'), toTs: at('2023-07-05T23:59:59Z'), nowTs: now, stored })).toEqual([]);
  });

  test('a missing trading session is a hole', () => {
    const stored = { firstTs: open('2023-09-25'), lastTs: open('2023-09-27'), gaps: [{ prevTs: open('2023-09-25'), nextTs: open('2023-09-27') }] };
    const plan = planCollection({ ...STOCK_1D, fromTs: at('2023-09-25T00:00:00Z'), toTs: at('2023-09-27T23:59:59Z'), nowTs: now, stored });
    expect(plan).toEqual([{ startTs: open('2023-09-25') + 1, endTs: open('2023-09-27') - 1 }]);
  });

  test('a range starting on a Saturday has no head before Monday', () => {
    const stored = { firstTs: open('2023-09-25'), lastTs: open('2023-09-27'), gaps: [] };
    const toTs = at('2023-09-27T23:59:59Z');
    expect(planCollection({ ...STOCK_1D, fromTs: at('2023-09-23T00:00:00Z'), toTs, nowTs: now, stored })).toEqual([]);
    expect(planCollection({ ...STOCK_1D, fromTs: at('2023-09-22T00:00:00Z'), toTs, nowTs: now, stored })).toEqual([
      { startTs: at('2023-09-22T00:00:00Z'), endTs: open('2023-09-25') - 1 },
    ]);
  });

  test('the next session is collected only after its close', () => {
    const stored = { firstTs: open('2023-09-25'), lastTs: open('2023-09-27'), gaps: [] };
    const fromTs = at('2023-09-25T00:00:00Z');
    const toTs = at('2023-09-29T23:59:59Z');
    expect(planCollection({ ...STOCK_1D, fromTs, toTs, nowTs: at('2023-09-28T19:59:00Z'), stored })).toEqual([]);
    expect(planCollection({ ...STOCK_1D, fromTs, toTs, nowTs: at('2023-09-28T20:00:00Z'), stored })).toEqual([
      { startTs: open('2023-09-27') + 1, endTs: at('2023-09-28T20:00:00Z') },
    ]);
  });
});

describe('nextExpectedBarTs', () => {
  test('a crypto bar follows one bar length later, on the grid of a known bar', () => {
    const phase = at('2024-01-30T16:00:00Z');
    expect(iso(nextExpectedBarTs(at('2024-01-30T16:00:00Z'), CRYPTO_1H, phase))).toBe('2024-01-30T17:00:00.000Z');
    expect(iso(nextExpectedBarTs(at('2024-01-30T00:00:00Z') - 1, CRYPTO_1H, phase))).toBe('2024-01-30T00:00:00.000Z');
  });

  test('a daily stock bar after Friday is Monday 09:30 New York, after Thanksgiving eve the Friday', () => {
    expect(iso(nextExpectedBarTs(at('2023-09-22T13:30:00Z'), STOCK_1D, 0))).toBe('2023-09-25T13:30:00.000Z');
    expect(iso(nextExpectedBarTs(at('2023-11-22T14:30:00Z'), STOCK_1D, 0))).toBe('2023-11-24T14:30:00.000Z');
  });

  test('an intraday stock bar after the last one of a session is the first overlapping the next session', () => {
    const phase = at('2023-09-25T13:00:00Z');
    expect(iso(nextExpectedBarTs(at('2023-09-25T14:00:00Z'), STOCK_1H, phase))).toBe('2023-09-25T15:00:00.000Z');
    // The 19:00Z bar is the last to overlap the session (close 20:00Z); the next one is Tuesday 13:00Z (09:00 New York,
    // overlapping the 09:30 open).
    expect(iso(nextExpectedBarTs(at('2023-09-25T19:00:00Z'), STOCK_1H, phase))).toBe('2023-09-26T13:00:00.000Z');
    expect(iso(nextExpectedBarTs(at('2023-09-29T19:00:00Z'), STOCK_1H, phase))).toBe('2023-10-02T13:00:00.000Z');
  });
});

describe('expectedBarCount', () => {
  test('counts hours for crypto, sessions for daily stock bars', () => {
    expect(expectedBarCount({ startTs: at('2024-01-30T00:00:00Z'), endTs: at('2024-01-30T23:59:59.999Z') }, CRYPTO_1H)).toBe(24);
    expect(expectedBarCount({ startTs: at('2023-09-23T00:00:00Z'), endTs: at('2023-10-01T23:59:59Z') }, STOCK_1D)).toBe(5);
    expect(expectedBarCount({ startTs: 10, endTs: 5 }, CRYPTO_1H)).toBe(0);
  });
});

describe('acceptPage', () => {
  const start = at('2024-01-30T16:00:00Z');
  const page = (candles: VenueCandle[], extra: Partial<PageInput> = {}): PageInput => ({
    ...CRYPTO_1H,
    candles,
    range: { startTs: start, endTs: at('2024-01-30T23:59:59.999Z') },
    nowTs: at('2024-01-31T00:00:00Z'),
    source: 'binance BTC/USDT 1h',
    context: [],
    exhausted: false,
    ...extra,
  });

  test('stores closed bars in range with their close time and asks for the next page after the last one', () => {
    const outcome = acceptPage(page([bar(start), bar(start + HOUR)]));
    expect(outcome.rows.map((row) => [iso(row.ts), iso(row.closeTs)])).toEqual([
      ['2024-01-30T16:00:00.000Z', '2024-01-30T17:00:00.000Z'],
      ['2024-01-30T17:00:00.000Z', '2024-01-30T18:00:00.000Z'],
    ]);
    expect(outcome.done).toBe(false);
    expect(outcome.nextStartTs).toBe(start + HOUR + 1);
  });

  test('never stores the still-forming last bar, and stops there', () => {
    const outcome = acceptPage(page([bar(start), bar(start + HOUR), bar(start + 2 * HOUR)], { nowTs: at('2024-01-30T18:30:00Z') }));
    expect(outcome.rows.map((row) => iso(row.ts))).toEqual(['2024-01-30T16:00:00.000Z', '2024-01-30T17:00:00.000Z']);
    expect(outcome.forming).toBe(1);
    expect(outcome.done).toBe(true);
  });

  test('a bar closing exactly now is closed', () => {
    const outcome = acceptPage(page([bar(start)], { nowTs: start + HOUR }));
    expect(outcome.rows).toHaveLength(1);
    expect(outcome.forming).toBe(0);
  });

  test('reports invalid bars with their time and stores only the valid ones', () => {
    const outcome = acceptPage(
      page([
        bar(start),
        bar(start + HOUR, 100, { high: 90, low: 95 }),
        bar(start + 2 * HOUR, 100, { low: 0 }),
        bar(start + 3 * HOUR, 100, { close: Number.NaN }),
        bar(start + 4 * HOUR),
      ]),
    );
    expect(outcome.rows.map((row) => iso(row.ts))).toEqual(['2024-01-30T16:00:00.000Z', '2024-01-30T20:00:00.000Z']);
    expect(outcome.rejected).toEqual([
      'binance BTC/USDT 1h (2024-01-30 17:00Z): high 90 < low 95',
      'binance BTC/USDT 1h (2024-01-30 18:00Z): low 0 is not positive',
      'binance BTC/USDT 1h (2024-01-30 19:00Z): close NaN is not a finite number',
    ]);
  });

  test('judges gaps against the stored bars before the page', () => {
    const outcome = acceptPage(page([bar(start)], { context: [bar(start - 3 * HOUR)] }));
    expect(outcome.warnings).toEqual(['binance BTC/USDT 1h (2024-01-30 16:00Z): gap: 2 missing 1h bars 2024-01-30 14:00Z .. 2024-01-30 15:00Z']);
    expect(outcome.rows).toHaveLength(1);
  });

  test('leaves bars after the range end for later and finishes the range', () => {
    const outcome = acceptPage(page([bar(start), bar(start + HOUR)], { range: { startTs: start, endTs: start + HOUR - 1 } }));
    expect(outcome.rows.map((row) => iso(row.ts))).toEqual(['2024-01-30T16:00:00.000Z']);
    expect(outcome.done).toBe(true);
  });

  test('finishes a range whose next bar would open after its end, without another request', () => {
    expect(acceptPage(page([bar(start)], { range: { startTs: start, endTs: start + HOUR - 1 } })).done).toBe(true);
    expect(acceptPage(page([bar(start)], { range: { startTs: start, endTs: start + HOUR } })).done).toBe(false);
  });

  test('an empty page or an exhausted venue finishes the range', () => {
    expect(acceptPage(page([])).done).toBe(true);
    expect(acceptPage(page([bar(start)], { exhausted: true })).done).toBe(true);
  });

  test('continues after bars the source skipped', () => {
    // A page of extended-hours bars only: the venue has more, after them.
    const outcome = acceptPage(page([], { cursorTs: start + 5 * HOUR }));
    expect(outcome).toMatchObject({ rows: [], done: false, nextStartTs: start + 5 * HOUR + 1 });
    expect(acceptPage(page([], { cursorTs: start + 5 * HOUR, exhausted: true })).done).toBe(true);
    const skippedOnly = acceptPage(page([bar(start)], { cursorTs: start + 5 * HOUR }));
    expect(skippedOnly.nextStartTs).toBe(start + 5 * HOUR + 1);
  });

  test('refuses a venue that answers with bars before the requested start', () => {
    expect(() => acceptPage(page([bar(start - 2 * HOUR)]))).toThrow(
      'binance BTC/USDT 1h: the venue answered a request from 2024-01-30 16:00Z with bars from 2024-01-30 14:00Z; paging cannot advance',
    );
  });

  test('rejects a daily stock bar on a day the exchange was closed', () => {
    const outcome = acceptPage({
      ...STOCK_1D,
      candles: [bar(at('2023-07-04T13:30:00Z')), bar(at('2023-07-05T13:30:00Z'))],
      range: { startTs: at('2023-07-01T00:00:00Z'), endTs: at('2023-07-31T00:00:00Z') },
      nowTs: at('2023-08-01T00:00:00Z'),
      source: 'alpaca SPY 1d',
      context: [],
      exhausted: false,
    });
    expect(outcome.rejected).toEqual(['alpaca SPY 1d (2023-07-04): 2023-07-04 is not an NYSE trading day (Independence Day)']);
    expect(outcome.rows.map((row) => [iso(row.ts), iso(row.closeTs)])).toEqual([['2023-07-05T13:30:00.000Z', '2023-07-05T20:00:00.000Z']]);
  });
});
