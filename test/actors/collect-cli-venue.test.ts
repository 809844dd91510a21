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
