// `bun run paper` as a user runs it, against the replay server on the real clock: the bar that closed just
// before the start is published late (after the warm-up was collected), so the session has a live bar to
// fetch at once instead of waiting for the next minute.
import { Database } from 'bun:sqlite';
import { afterEach, expect, test } from 'bun:test';
import { join } from 'node:path';
import { initMarketDb, MINUTE, realDailyPrices } from '../support/live-venue.ts';
import { runCommand, startCommand } from '../support/paper-process.ts';
import { tempDir } from '../support/real-data.ts';
import { startReplayServer, type ReplayServer } from '../support/replay-server.ts';

const servers: ReplayServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop();
});

function journalBars(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query("SELECT COUNT(*) AS n FROM journal WHERE kind = 'bars'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

test('bun run paper: fails with one line past its retries, resumes when run again, stops on SIGINT, replays with 0 differences', async () => {
  const startedAt = Date.now();
  const lastClosedOpen = Math.floor(startedAt / MINUTE) * MINUTE - MINUTE;
  const originTs = lastClosedOpen - 60 * MINUTE;
  let sessionPolling = false;
  const server = startReplayServer({
    live: {
      now: () => Date.now(),
      originTs,
      prices: { BTCUSDT: realDailyPrices('2017-04-01', 200), ETHUSDT: realDailyPrices('2018-04-01', 200, 0.05) },
      // The warm-up collection does not see the last closed bar yet; the session's first poll does.
      hidden: (_symbol, ts) => !sessionPolling && ts >= lastClosedOpen,
    },
  });
  servers.push(server);
  // The session asks from a bar's open time; the collector from its range start or 1 ms after a stored bar.
  server.script('klines', (_n, url) => {
    if (Number(url.searchParams.get('startTime')) % MINUTE === 0) sessionPolling = true;
    return sessionPolling && failing ? { status: 503, body: 'Service Unavailable' } : undefined;
  });
  let failing = true;
  const dir = tempDir();
  const db = join(dir, 'paper.db');
  const marketDb = initMarketDb(join(dir, 'market.db'));
  const args = ['--source', 'ccxt', '--exchange', 'binance', '--symbols', 'BTC/USDT,ETH/USDT', '--timeframe', '1m',
    '--base-url', server.url, '--db', db, '--market-db', marketDb, '--max-retries', '1'];

  const failed = await runCommand('paper', args);
  expect(failed.code).toBe(1);
  const errors = failed.stderr.trim().split('\n').filter((l) => l.startsWith('error: '));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^error: binance (BTC|ETH)\/USDT 1m: exchange not available, gave up after 2 attempts .* \(session paper-\S+ stopped; its journal is intact: run the same command to resume\)$/);
  expect(failed.stdout).toMatch(/session paper-\S+ started in .*paper\.db: mean_reversion on BTC\/USDT, ETH\/USDT 1m, 42 warm-up bars/);
  expect(journalBars(db)).toBe(0);

  failing = false;
  const resumed = startCommand('paper', args);
  await resumed.waitFor(/^session paper-\S+ resumed from its journal/, 60_000);
  // The late bar is fetched at once; bounded generously for a loaded machine.
  for (let i = 0; i < 600 && journalBars(db) === 0; i++) await Bun.sleep(100);
  expect(journalBars(db)).toBeGreaterThanOrEqual(1);
  resumed.kill('SIGINT');
  expect(await resumed.exited).toBe(0);
  expect(resumed.lines.some((l) => l.startsWith('stopped; run the same command again to resume session paper-'))).toBe(true);
  expect(resumed.lines.some((l) => l.startsWith('equity '))).toBe(true);

  const replay = await runCommand('replay', ['--db', db]);
  expect(replay.stdout).toContain('0 differences');
  expect(replay.code).toBe(0);
}, 180_000);
