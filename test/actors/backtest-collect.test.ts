// `bun run backtest --collect`: missing candles are collected from the local replay server before the run.
import { afterAll, expect, test } from 'bun:test';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collectForBacktest } from '../../actors/adapters/collect-command.ts';
import { upsertInstrument } from '../../db/candles.ts';
import { closeDb, openDb } from '../../db/client.ts';
import { startReplayServer } from '../support/replay-server.ts';
import { tempDir } from '../support/real-data.ts';

const REPO_ROOT = resolve(import.meta.dir, '../..');
const dir = tempDir('qs-backtest-collect-');
const server = startReplayServer();
afterAll(() => {
  server.stop();
  rmSync(dir, { recursive: true, force: true });
});

const silent = { log: () => {}, note: () => {} };

function countCandles(dbPath: string): number {
  const db = openDb(dbPath);
  try {
    return db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM candles').get()!.n;
  } finally {
    closeDb(db);
  }
}

test('backtest --collect downloads the missing candles, then runs over them; a second run needs no venue', async () => {
  const dbPath = join(dir, 'market.db');
  closeDb(openDb(dbPath)); // what `bun run db:init` does
  const args = [
    'bun', 'scripts/backtest.ts', '--strategy', 'mean_reversion', '--symbols', 'BTC/USDT', '--timeframe', '1Hour',
    // Exactly the recorded hours, so the second run finds the range complete.
    '--from', '2024-01-30T16:00:00Z', '--to', '2024-01-30T18:00:00Z', '--collect', '--base-url', server.url, '--db', dbPath,
    '--out', join(dir, 'runs'), '--quiet', '--json',
  ];
  const first = Bun.spawn(args, { cwd: REPO_ROOT, stdout: 'pipe', stderr: 'pipe' });
  const [stdout, stderr, code] = await Promise.all([new Response(first.stdout).text(), new Response(first.stderr).text(), first.exited]);
  expect(stderr).toContain('binance BTC/USDT 1h: stored 3 candles (2024-01-30 16:00Z .. 2024-01-30 18:00Z)');
  expect(code).toBe(0);
  expect(stdout).toMatch(/^bars +3$/m);
  expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({ trades: 0, final_equity: 100_000 });
  expect(countCandles(dbPath)).toBe(3);

  const requests = server.requests.length;
  const second = Bun.spawn(args, { cwd: REPO_ROOT, stdout: 'pipe', stderr: 'pipe' });
  expect(await second.exited).toBe(0);
  expect(server.requests.length).toBe(requests);
}, 120_000);

test('--collect refuses a symbol already stored from another exchange', async () => {
  const dbPath = join(dir, 'other.db');
  const db = openDb(dbPath);
  upsertInstrument(db, { exchange: 'coinbase', symbol: 'BTC/USDT', kind: 'crypto', priceBasis: 'raw', source: 'csv:btc.csv (generic)' });
  closeDb(db);
  const attempt = collectForBacktest({ symbols: ['BTC/USDT'], timeframe: '1h', fromTs: Date.parse('2024-01-30'), dbPath, baseUrl: server.url }, silent);
  await expect(attempt).rejects.toThrow(
    'BTC/USDT is stored from coinbase (csv:btc.csv (generic), raw prices); --collect would add a second series from binance',
  );
});

test('--collect needs --from', async () => {
  await expect(collectForBacktest({ symbols: ['BTC/USDT'], timeframe: '1h', dbPath: join(dir, 'x.db') }, silent)).rejects.toThrow(
    '--collect needs --from (the first bar to collect)',
  );
});
