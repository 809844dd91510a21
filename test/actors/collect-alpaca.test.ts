// Collection through the Alpaca SDK's real HTTP stack against a local server replaying recorded stock bars.
import { describe, expect, test } from 'bun:test';
import { createAlpacaSource } from '../../actors/adapters/alpaca-source.ts';
import { collectCandles, type CollectOptions } from '../../actors/adapters/collect.ts';
import { CollectError } from '../../actors/adapters/with-retries.ts';
import { validateStoredCandles } from '../../actors/adapters/csv-import.ts';
import { getInstrument } from '../../db/candles.ts';
import recorded from '../fixtures/alpaca/stock-bars.json';
import { collectHarnesses } from '../support/collect-harness.ts';

const FROM = Date.parse('2023-09-20T00:00:00Z');
const TO = Date.parse('2023-09-30T23:59:59.999Z');
const LATER = Date.parse('2023-10-31T00:00:00Z');
const BASE_DELAY_MS = 10;

const harness = collectHarnesses(LATER);

function setup() {
  const { server, db, sleeps, deps, stored } = harness();
  const source = (timeoutMs = 5_000) =>
    createAlpacaSource({ keyId: 'test-key', secret: 'test-secret', baseUrl: server.url, timeoutMs, rateLimit: false });
  const options = (extra: Partial<CollectOptions> = {}): CollectOptions => ({
    symbols: ['TSLA'],
    timeframe: '1Day',
    fromTs: FROM,
    toTs: TO,
    pageSize: 1,
    retry: { maxRetries: 3, baseDelayMs: BASE_DELAY_MS, maxDelayMs: 1_000, maxRetryAfterMs: 60_000 },
    ...extra,
  });
  return { server, db, sleeps, deps, source, options, stored };
}

async function failure(run: Promise<unknown>): Promise<Error> {
  try {
    await run;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the collection to fail');
}

const iso = (ts: number): string => new Date(ts).toISOString();
const TSLA_SEPTEMBER = recorded.bars.TSLA.filter((bar) => bar.t.startsWith('2023-09'));

describe('collecting Alpaca stock bars', () => {
  test('pages through three pages and stores each daily bar at its session open, closing at the session close', async () => {
    const { server, db, deps, source, options, stored } = setup();
    const [report] = await collectCandles(db, source(), options(), deps());

    expect(server.count('bars')).toBe(3); // the third page comes back with next_page_token null
    expect(stored().map((row) => [iso(row.ts), iso(row.closeTs), row.open, row.high, row.low, row.close, row.volume])).toEqual(
      TSLA_SEPTEMBER.map((bar) => [`${bar.t.slice(0, 10)}T13:30:00.000Z`, `${bar.t.slice(0, 10)}T20:00:00.000Z`, bar.o, bar.h, bar.l, bar.c, bar.v]),
    );
    expect(stored().every((row) => row.exchange === 'alpaca' && row.symbol === 'TSLA' && row.timeframe === '1d')).toBe(true);
    expect(getInstrument(db, 'TSLA', 'alpaca')).toMatchObject({ kind: 'stock', priceBasis: 'raw', source: 'alpaca:v2/stocks/bars adjustment=raw' });
    expect(report).toMatchObject({ stored: 3, requests: 3, totalInRange: 3 });
    const query = server.requests[0]!.url.searchParams;
    expect([query.get('symbols'), query.get('timeframe'), query.get('adjustment'), query.get('limit')]).toEqual(['TSLA', '1Day', 'raw', '1']);
  });

  test('weekends and holidays are not gaps: only missing trading sessions are reported', async () => {
    const { db, deps, source, options } = setup();
    await collectCandles(db, source(), options({ symbols: ['AAPL'], fromTs: Date.parse('2022-02-01T00:00:00Z'), toTs: Date.parse('2022-03-09T23:59:59Z'), pageSize: 10 }), deps());
    const report = validateStoredCandles(db, { symbol: 'AAPL', timeframe: '1d' });
    expect(report.errors).toEqual([]);
    // Feb 3 .. Mar 8 2022 spans 34 days; 23 of them were NYSE sessions (weekends and Presidents' Day are not missing).
    expect(report.warnings.map((issue) => issue.message)).toEqual([
      'alpaca AAPL 1d row 3 (2022-03-09): gap: 23 missing sessions 2022-02-03 .. 2022-03-08',
    ]);
  });

  test('a re-run from a Saturday plans nothing for the weekend before the first session', async () => {
    const { server, db, deps, source, options } = setup();
    const range = { fromTs: Date.parse('2023-09-23T00:00:00Z'), toTs: Date.parse('2023-09-27T23:59:59Z') };
    await collectCandles(db, source(), options(range), deps());
    const requests = server.requests.length;
    const [report] = await collectCandles(db, source(), options(range), deps());
    expect(server.requests.length).toBe(requests);
    expect(report).toMatchObject({ ranges: 0, totalInRange: 3 });
  });

  test('the session still trading is not stored', async () => {
    const { db, deps, source, options, stored } = setup();
    const [report] = await collectCandles(db, source(), options(), deps(Date.parse('2023-09-27T19:59:00Z')));
    expect(stored().map((row) => iso(row.ts))).toEqual(['2023-09-25T13:30:00.000Z', '2023-09-26T13:30:00.000Z']);
    expect(report!.forming).toBe(1);
  });

  test('a 429 waits as long as Retry-After says, then carries on', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('bars', (n) => (n === 2 ? { status: 429, headers: { 'Retry-After': '2' }, body: '{"message":"too many requests."}' } : undefined));
    await collectCandles(db, source(), options(), deps());
    expect(sleeps).toEqual([2_000]);
    expect(stored()).toHaveLength(3);
  });

  test('a 5xx is retried after the backoff, then succeeds', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('bars', (n) => (n === 1 ? { status: 503, body: 'upstream unavailable' } : undefined));
    await collectCandles(db, source(), options(), deps());
    expect(sleeps).toEqual([BASE_DELAY_MS]);
    expect(stored()).toHaveLength(3);
  });

  test('a request that times out is retried', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('bars', (n) => (n === 1 ? { delayMs: 1_500 } : undefined));
    await collectCandles(db, source(300), options(), deps());
    expect(sleeps).toEqual([BASE_DELAY_MS]);
    expect(stored()).toHaveLength(3);
  });

  test('malformed JSON is retried', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('bars', (n) => (n === 1 ? { body: '{"bars":{"TSLA":[{"t":', headers: { 'content-type': 'application/json' } } : undefined));
    await collectCandles(db, source(), options(), deps());
    expect(sleeps).toEqual([BASE_DELAY_MS]);
    expect(stored()).toHaveLength(3);
  });

  test('rejected credentials stop at once with a clear message', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('bars', () => ({ status: 401, body: '{"message":"forbidden."}', headers: { 'content-type': 'application/json' } }));
    const error = await failure(collectCandles(db, source(), options(), deps()));
    expect(error).toBeInstanceOf(CollectError);
    expect(error.message).toBe('alpaca TSLA 1d from 2023-09-20: authentication failed (forbidden.)');
    expect(sleeps).toEqual([]);
    expect(stored()).toEqual([]);
  });

  test('missing keys are refused before any request', () => {
    expect(() => createAlpacaSource({ keyId: undefined, secret: 'x' })).toThrow(
      'alpaca: set APCA_API_KEY_ID and APCA_API_SECRET_KEY (in .env, see .env.example)',
    );
  });

  test('a crypto pair is refused before any request', async () => {
    const { server, db, deps, source, options } = setup();
    const error = await failure(collectCandles(db, source(), options({ symbols: ['BTC/USD'] }), deps()));
    expect(error.message).toBe('alpaca: "BTC/USD" is not a US stock symbol (a crypto pair: use --source ccxt)');
    expect(server.count('bars')).toBe(0);
  });

  test('an unknown symbol yields no bars and is reported as such', async () => {
    const { db, deps, source, options } = setup();
    const [report] = await collectCandles(db, source(), options({ symbols: ['NOPE'] }), deps());
    expect(report).toMatchObject({ symbol: 'NOPE', stored: 0, totalInRange: 0 });
  });
});
