// `bun run collect` as a user runs it, against the local replay server generating venue answers in the recorded
// shapes: paging through stretches the source leaves out, and venue answers that are not candles.
import { afterAll, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { closeDb, openDb } from '../../db/client.ts';
import { query, runCommand } from '../support/paper-process.ts';
import { tempDir } from '../support/real-data.ts';
import { startReplayServer, type Fault, type Ohlcv } from '../support/replay-server.ts';

/** Child processes each loading CCXT or the Alpaca SDK; generous so a slow machine is not taken for a failure. */
const PROCESS_TEST_TIMEOUT_MS = 120_000;
const HOUR = 3_600_000;
const ORIGIN = Date.parse('2024-01-01T00:00:00Z');
/** Hourly bars around the clock from ORIGIN, every one valid. */
const BARS = 24 * 40;

function series(base: number): Ohlcv[] {
  return Array.from({ length: BARS }, (_, i) => {
    const open = base + i * 0.1;
    const close = open + (i % 2 === 0 ? 0.05 : -0.05);
    return { open, high: Math.max(open, close) + 0.1, low: Math.min(open, close) - 0.1, close, volume: 10 + (i % 7) };
  });
}

const server = startReplayServer({
  live: { now: () => ORIGIN + BARS * HOUR, originTs: ORIGIN, prices: { BTCUSDT: series(40_000), SPY: series(470) } },
});
const dir = tempDir('qs-collect-cli-');
afterAll(() => {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
});

let dbCount = 0;
function createdDb(): string {
  const path = join(dir, `db-${++dbCount}.db`);
  closeDb(openDb(path));
  return path;
}

type Row = { ts: number; close_ts: number; open: number; high: number; low: number; close: number; volume: number };
const rowsOf = (dbPath: string): Row[] =>
  query<Row>(dbPath, 'SELECT ts, close_ts, open, high, low, close, volume FROM candles ORDER BY exchange, symbol, timeframe, ts');

const ALPACA_KEYS = { APCA_API_KEY_ID: 'test-key', APCA_API_SECRET_KEY: 'test-secret' };

test('stock bars are collected through pages that hold only extended-hours bars, as with one big page', async () => {
  const args = (dbPath: string, extra: string[]) => [
    '--source', 'alpaca', '--symbols', 'SPY', '--timeframe', '1Hour', '--from', '2024-01-02', '--to', '2024-01-19',
    '--base-url', server.url, '--db', dbPath, '--quiet', ...extra,
  ];
  const oneBigPage = createdDb();
  const whole = await runCommand('collect', args(oneBigPage, []), ALPACA_KEYS);
  expect(whole.code).toBe(0);
  // 2024-01-02 .. 2024-01-19: 13 sessions (15 January is Martin Luther King Jr. Day), 7 hourly bars each.
  expect(rowsOf(oneBigPage)).toHaveLength(13 * 7);

  // 20 bars a page: the page after a session's last bar holds evening and night bars only.
  const smallPages = createdDb();
  const paged = await runCommand('collect', args(smallPages, ['--limit', '20']), ALPACA_KEYS);
  expect(paged.stderr).toBe('');
  expect(paged.code).toBe(0);
  expect(paged.stdout).toContain('alpaca SPY 1h: stored 91 candles (2024-01-02 14:00Z .. 2024-01-19 20:00Z), 91 in range');
  expect(rowsOf(smallPages)).toEqual(rowsOf(oneBigPage));
}, PROCESS_TEST_TIMEOUT_MS);

const ccxtArgs = (dbPath: string) => [
  '--source', 'ccxt', '--exchange', 'binance', '--symbols', 'BTC/USDT', '--timeframe', '1h', '--from', '2024-01-02', '--to', '2024-01-04',
  '--limit', '24', '--max-retries', '1', '--base-url', server.url, '--db', dbPath,
];

// Answers Binance's klines endpoint cannot give: CCXT reads a body that is not a list as no candles, and drops a
// row it finds no time in, so each looked like the end of the data.
const NOT_CANDLES = [
  { what: 'an object instead of a list', body: '{}' },
  { what: 'a list of nulls', body: '[null]' },
  { what: 'rows that are not candles', body: '[{"open":1}]' },
  { what: 'an empty body', body: '' },
];

for (const { what, body } of NOT_CANDLES) {
  test(`a klines answer of ${what} is retried as malformed, and the run ends with every bar`, async () => {
    const clean = createdDb();
    expect((await runCommand('collect', [...ccxtArgs(clean), '--quiet'])).code).toBe(0);
    expect(rowsOf(clean)).toHaveLength(3 * 24);

    const dbPath = createdDb();
    const before = server.count('klines');
    server.script('klines', (n): Fault | undefined => (n === before + 2 ? { status: 200, body, headers: { 'content-type': 'application/json' } } : undefined));
    try {
      const result = await runCommand('collect', ccxtArgs(dbPath));
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('retry 1 in 1.0s: binance BTC/USDT 1h after 2024-01-02 23:00Z: malformed response');
      expect(rowsOf(dbPath)).toEqual(rowsOf(clean));
    } finally {
      server.script('klines', () => undefined);
    }
  }, PROCESS_TEST_TIMEOUT_MS);
}

test('a venue that keeps answering klines with something other than candles stops the run in one line, keeping what it stored', async () => {
  const dbPath = createdDb();
  const before = server.count('klines');
  server.script('klines', (n): Fault | undefined => (n >= before + 2 ? { status: 200, body: '[{"open":1}]' } : undefined));
  try {
    const result = await runCommand('collect', [...ccxtArgs(dbPath), '--quiet']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: binance BTC\/USDT 1h after 2024-01-02 23:00Z: malformed response, gave up after 2 attempts \(.*\{"open":1\}.*\)$/m);
    expect(rowsOf(dbPath)).toHaveLength(24);
  } finally {
    server.script('klines', () => undefined);
  }
}, PROCESS_TEST_TIMEOUT_MS);

const alpacaArgs = (dbPath: string) => [
  '--source', 'alpaca', '--symbols', 'SPY', '--timeframe', '1Hour', '--from', '2024-01-02', '--to', '2024-01-05',
  '--limit', '30', '--max-retries', '1', '--base-url', server.url, '--db', dbPath,
];

// Answers GET /v2/stocks/bars cannot give: without `bars` or `next_page_token` the SDK's reading of them passed for
// "no bars, no more pages", and an empty body failed as an unexpected error instead of being retried.
const NOT_BARS = [
  { what: 'an empty object', body: '{}' },
  { what: 'an empty body', body: '' },
  { what: 'a list', body: '[1,2]' },
  { what: 'bars that are not an object', body: '{"bars":"x","next_page_token":null}' },
];

for (const { what, body } of NOT_BARS) {
  test(`a stock bars answer of ${what} is retried as malformed, and the run ends with every bar`, async () => {
    const clean = createdDb();
    expect((await runCommand('collect', [...alpacaArgs(clean), '--quiet'], ALPACA_KEYS)).code).toBe(0);
    // 2 .. 5 January 2024: four sessions of 7 hourly bars.
    expect(rowsOf(clean)).toHaveLength(4 * 7);

    const dbPath = createdDb();
    const before = server.count('bars');
    server.script('bars', (n): Fault | undefined => (n === before + 2 ? { status: 200, body, headers: { 'content-type': 'application/json' } } : undefined));
    try {
      const result = await runCommand('collect', alpacaArgs(dbPath), ALPACA_KEYS);
      expect(result.stderr).toContain('retry 1 in 1.0s: alpaca SPY 1h after 2024-01-03 05:00Z: malformed response');
      expect(result.code).toBe(0);
      expect(rowsOf(dbPath)).toEqual(rowsOf(clean));
    } finally {
      server.script('bars', () => undefined);
    }
  }, PROCESS_TEST_TIMEOUT_MS);
}

test('a venue whose bars open between the stored bars of the series is refused in one line; the stored series stays valid', async () => {
  // BTC/USDT daily bars stamped at 12:00 UTC, imported under the venue's name; the venue's daily bars open at 00:00.
  const dbPath = createdDb();
  const csv = join(dir, 'noon-bars.csv');
  await Bun.write(csv, [
    'timestamp,open,high,low,close,volume',
    ...['2024-01-10', '2024-01-11', '2024-01-12'].map((day) => `${day}T12:00:00Z,100,101,99,100.5,5`),
  ].join('\n'));
  const imported = await runCommand('data-import', ['--file', csv, '--symbol', 'BTC/USDT', '--timeframe', '1d', '--market', 'crypto', '--exchange', 'binance', '--db', dbPath]);
  expect(imported.code).toBe(0);
  const before = rowsOf(dbPath);

  const result = await runCommand('collect', [
    '--source', 'ccxt', '--exchange', 'binance', '--symbols', 'BTC/USDT', '--timeframe', '1d', '--from', '2024-01-05', '--to', '2024-01-15',
    '--base-url', server.url, '--db', dbPath, '--quiet',
  ]);
  expect(result.code).toBe(1);
  expect(result.stderr.trim()).toBe(
    'error: binance BTC/USDT 1d: the venue\'s bar at 2024-01-05 00:00Z is not on the times of the stored bars (e.g. 2024-01-10 12:00Z);'
      + ' nothing of it is stored (bun run data:remove --symbol BTC/USDT --exchange binance --timeframe 1d removes the stored series)',
  );
  expect(rowsOf(dbPath)).toEqual(before);
  const validated = await runCommand('data-validate', ['--symbol', 'BTC/USDT', '--timeframe', '1d', '--db', dbPath]);
  expect(validated.code).toBe(0);
}, PROCESS_TEST_TIMEOUT_MS);
