// Collection through CCXT's real HTTP stack against a local server replaying recorded Binance responses.
import { describe, expect, test } from 'bun:test';
import { createCcxtSource, rewriteApiUrls } from '../../actors/adapters/ccxt-source.ts';
import { collectCandles, type CollectOptions } from '../../actors/adapters/collect.ts';
import { CollectError } from '../../actors/adapters/with-retries.ts';
import { getInstrument } from '../../db/candles.ts';
import { candles } from '../../db/schema.ts';
import recorded from '../fixtures/ccxt/binance-klines-btcusdt-1h.json';
import { collectHarnesses } from '../support/collect-harness.ts';

const FROM = Date.parse('2024-01-30T00:00:00Z');
const TO = Date.parse('2024-01-30T23:59:59.999Z');
const AFTER_ALL_CLOSED = Date.parse('2024-01-31T00:00:00Z');
const FIRST = recorded.httpResponse[0]![0] as number;
const HOUR = 3_600_000;
const BASE_DELAY_MS = 10;

const harness = collectHarnesses(AFTER_ALL_CLOSED);

function setup() {
  const { server, db, sleeps, deps, stored } = harness();
  const source = (timeoutMs = 5_000) => createCcxtSource({ exchangeId: 'binance', baseUrl: server.url, timeoutMs, rateLimitMs: 1 });
  const options = (extra: Partial<CollectOptions> = {}): CollectOptions => ({
    symbols: ['BTC/USDT'],
    timeframe: '1h',
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

describe('collecting Binance candles through CCXT', () => {
  test('pages through three pages and stores exactly the recorded candles', async () => {
    const { server, db, deps, source, options, stored } = setup();
    const [report] = await collectCandles(db, source(), options(), deps());

    expect(server.count('klines')).toBe(4); // three one-bar pages, then an empty one
    expect(stored().map((row) => [row.ts, row.open, row.high, row.low, row.close, row.volume])).toEqual(recorded.parsedResponse);
    expect(stored().map((row) => [row.ts, row.open, row.high, row.low, row.close, row.volume, row.closeTs - 1])).toEqual(
      recorded.httpResponse.map((row): number[] => [row[0] as number, ...row.slice(1, 6).map(Number), row[6] as number]),
    );
    expect(stored().every((row) => row.exchange === 'binance' && row.symbol === 'BTC/USDT' && row.timeframe === '1h')).toBe(true);
    expect(getInstrument(db, 'BTC/USDT', 'binance')).toEqual({
      exchange: 'binance',
      symbol: 'BTC/USDT',
      kind: 'crypto',
      priceBasis: 'raw',
      source: 'ccxt:binance',
    });
    expect(report).toMatchObject({ stored: 3, requests: 4, retries: 0, rejected: [], totalInRange: 3 });
    expect(server.requests.every((request) => request.route !== 'unknown')).toBe(true);
  });

  test('asks Binance for each page from just after the last bar it stored', async () => {
    const { server, db, deps, source, options } = setup();
    await collectCandles(db, source(), options(), deps());
    const starts = server.requests.filter((r) => r.route === 'klines').map((r) => Number(r.url.searchParams.get('startTime')));
    expect(starts).toEqual([FROM, FIRST + 1, FIRST + HOUR + 1, FIRST + 2 * HOUR + 1]);
    expect(server.requests.find((r) => r.route === 'klines')!.url.searchParams.get('symbol')).toBe('BTCUSDT');
  });

  test('never stores the still-forming last bar', async () => {
    const { db, deps, source, options, stored } = setup();
    const [report] = await collectCandles(db, source(), options(), deps(FIRST + 2 * HOUR + 30 * 60_000));
    expect(stored().map((row) => row.ts)).toEqual([FIRST, FIRST + HOUR]);
    expect(report!.forming).toBe(1);
  });

  test('a second run continues from the last stored candle', async () => {
    const { server, db, deps, source, options, stored } = setup();
    await collectCandles(db, source(), options({ fromTs: FIRST }), deps(FIRST + HOUR + 30 * 60_000));
    expect(stored().map((row) => row.ts)).toEqual([FIRST]);
    const before = server.count('klines');
    await collectCandles(db, source(), options({ fromTs: FIRST }), deps());
    const resumed = server.requests.filter((r) => r.route === 'klines').slice(before);
    expect(Number(resumed[0]!.url.searchParams.get('startTime'))).toBe(FIRST + 1);
    expect(stored().map((row) => row.ts)).toEqual([FIRST, FIRST + HOUR, FIRST + 2 * HOUR]);
  });

  test('fills a hole between stored candles with one request for just the hole', async () => {
    const { server, db, deps, source, options, stored } = setup();
    const range = { fromTs: FIRST, toTs: FIRST + 2 * HOUR };
    await collectCandles(db, source(), options(range), deps());
    const complete = stored();
    db.$client.run('DELETE FROM candles WHERE ts = ?', [FIRST + HOUR]);
    const before = server.count('klines');
    const [report] = await collectCandles(db, source(), options({ ...range, pageSize: 1000 }), deps());
    const hole = server.requests.filter((r) => r.route === 'klines').slice(before);
    expect(hole.map((r) => [Number(r.url.searchParams.get('startTime')), Number(r.url.searchParams.get('endTime'))])).toEqual([
      [FIRST + 1, FIRST + 2 * HOUR - 1],
    ]);
    expect(report).toMatchObject({ ranges: 1, stored: 1 });
    expect(stored()).toEqual(complete);
  });

  test('re-running a complete range sends no request and changes nothing', async () => {
    const { server, db, deps, source, options, stored } = setup();
    const range = { fromTs: FIRST, toTs: FIRST + 2 * HOUR };
    await collectCandles(db, source(), options(range), deps());
    const table = stored();
    const requests = server.requests.length;
    const [report] = await collectCandles(db, source(), options(range), deps());
    expect(server.requests.length).toBe(requests);
    expect(stored()).toEqual(table);
    expect(report).toMatchObject({ ranges: 0, requests: 0, stored: 0, totalInRange: 3 });
  });

  test('resumes after a failure mid-way and ends with the table of an uninterrupted run', async () => {
    const interrupted = setup();
    interrupted.server.script('klines', (n) => (n >= 3 ? { status: 503, body: 'Service Unavailable' } : undefined));
    const error = await failure(collectCandles(interrupted.db, interrupted.source(), interrupted.options(), interrupted.deps()));
    expect(error).toBeInstanceOf(CollectError);
    expect(error.message).toStartWith('binance BTC/USDT 1h after 2024-01-30 17:00Z: exchange not available, gave up after 4 attempts (binance GET ');
    expect(interrupted.stored()).toHaveLength(2);

    interrupted.server.script('klines', () => undefined);
    await collectCandles(interrupted.db, interrupted.source(), interrupted.options(), interrupted.deps());

    const uninterrupted = setup();
    await collectCandles(uninterrupted.db, uninterrupted.source(), uninterrupted.options(), uninterrupted.deps());
    expect(interrupted.stored()).toEqual(uninterrupted.stored());
    expect(interrupted.stored()).toHaveLength(3);
  });

  test('a 429 waits as long as Retry-After says, then carries on', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('klines', (n) => (n === 2 ? { status: 429, headers: { 'Retry-After': '3' }, body: '{"code":-1003,"msg":"Too many requests."}' } : undefined));
    const [report] = await collectCandles(db, source(), options(), deps());
    expect(sleeps).toEqual([3_000]);
    expect(report!.retries).toBe(1);
    expect(stored().map((row) => row.ts)).toEqual(recorded.parsedResponse.map((row) => row[0]));
  });

  test('a 5xx is retried after the backoff, then succeeds', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('klines', (n) => (n <= 2 ? { status: 502, body: 'Bad Gateway' } : undefined));
    await collectCandles(db, source(), options(), deps());
    expect(sleeps).toEqual([BASE_DELAY_MS, 2 * BASE_DELAY_MS]);
    expect(stored()).toHaveLength(3);
  });

  test('a request that times out is retried', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('klines', (n) => (n === 1 ? { delayMs: 1_500 } : undefined));
    await collectCandles(db, source(300), options(), deps());
    expect(sleeps).toEqual([BASE_DELAY_MS]);
    expect(stored()).toHaveLength(3);
  });

  test('malformed JSON is retried instead of being taken for the end of the data', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    server.script('klines', (n) => (n === 2 ? { body: '[[1706634000000,"43488.71000000","4383' } : undefined));
    await collectCandles(db, source(), options(), deps());
    expect(sleeps).toEqual([BASE_DELAY_MS]);
    expect(stored()).toHaveLength(3);
  });

  test('a venue that keeps sending malformed JSON stops the run with the body in the message', async () => {
    const { server, db, deps, source, options, stored } = setup();
    server.script('klines', () => ({ body: '<html>502 Bad Gateway</html>' }));
    const error = await failure(collectCandles(db, source(), options({ retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } }), deps()));
    expect(error.message).toBe(
      'binance BTC/USDT 1h from 2024-01-30 00:00Z: malformed response, gave up after 2 attempts '
        + '(binance answered with a body that is not JSON: <html>502 Bad Gateway</html>)',
    );
    expect(stored()).toEqual([]);
  });

  test('an unknown symbol stops before any candle is requested or stored', async () => {
    const { server, db, sleeps, deps, source, options, stored } = setup();
    const error = await failure(collectCandles(db, source(), options({ symbols: ['BTC/USDT', 'NOPE/USDT'] }), deps()));
    expect(error).toBeInstanceOf(CollectError);
    expect(error.message).toBe('binance: unknown symbol NOPE/USDT (not among its 2 markets; spelled like BTC/USDT?)');
    expect(server.count('klines')).toBe(0);
    expect(sleeps).toEqual([]);
    expect(stored()).toEqual([]);
  });

  test('a symbol the exchange itself rejects is not retried', async () => {
    const { server, db, sleeps, deps, source, options } = setup();
    server.script('klines', () => ({ status: 400, body: '{"code":-1121,"msg":"Invalid symbol."}' }));
    const error = await failure(collectCandles(db, source(), options(), deps()));
    expect(error.message).toStartWith('binance BTC/USDT 1h from 2024-01-30 00:00Z: unknown symbol (binance {"code":-1121,"msg":"Invalid symbol."})');
    expect(sleeps).toEqual([]);
    expect(server.count('klines')).toBe(1);
  });

  test('a timeframe the exchange does not offer stops with the list it does', async () => {
    const { db, deps, source, options } = setup();
    const error = await failure(collectCandles(db, source(), options({ timeframe: '2w' }), deps()));
    expect(error.message).toStartWith('binance has no 2w candles (it offers 1s, 1m, 3m, 5m, 15m, 30m, 1h');
  });

  test('a bar with high below low is reported with its time and not stored', async () => {
    const { server, db, deps, source, options, stored } = setup();
    const [first, second, third] = recorded.httpResponse;
    const swapped = [second![0], second![1], second![3], second![2], ...second!.slice(4)];
    server.script('klines', () => ({ body: JSON.stringify([first, swapped, third]), headers: { 'content-type': 'application/json' } }));
    const [report] = await collectCandles(db, source(), options({ pageSize: 1000, toTs: FIRST + 2 * HOUR }), deps());
    expect(report!.rejected).toEqual(['binance BTC/USDT 1h (2024-01-30 17:00Z): high 43084 < low 43832.08']);
    expect(stored().map((row) => row.ts)).toEqual([FIRST, FIRST + 2 * HOUR]);
  });

  test('a market with no candles in the range stores nothing and says so', async () => {
    const { db, deps, source, options } = setup();
    const [report] = await collectCandles(db, source(), options({ symbols: ['ETH/USDT'] }), deps());
    expect(report).toMatchObject({ symbol: 'ETH/USDT', stored: 0, totalInRange: 0 });
  });
});

describe('rewriteApiUrls', () => {
  test('moves every Binance API root under the base URL, keeping the host as a path segment', () => {
    const api = { public: 'https://api.binance.com/api/v3', fapiPublic: 'https://fapi.binance.com/fapi/v1', nested: { x: 'https://{hostname}/v1' } };
    expect(rewriteApiUrls(api, 'http://127.0.0.1:9/', 'example.com')).toEqual({
      public: 'http://127.0.0.1:9/api.binance.com/api/v3',
      fapiPublic: 'http://127.0.0.1:9/fapi.binance.com/fapi/v1',
      nested: { x: 'http://127.0.0.1:9/example.com/v1' },
    });
  });
});
