// Alpaca through `bun run live`'s own code: the process prints its plan against the Alpaca stand-ins and refuses
// without --confirm-live; one order placed, filled and recorded once runs at the library level (liveSession +
// runPaperSession, the real Alpaca adapter and the two stand-ins) on a fake clock inside NYSE hours — a process on
// the wall clock would wait for a regular session and real minutes, which a test cannot.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { liveSession } from '../../../actors/adapters/live-session.ts';
import { runPaperSession } from '../../../actors/adapters/paper-session.ts';
import { DEFAULT_RETRY_POLICY } from '../../../machines/data/retry-policy.ts';
import { startAlpacaTradingServer } from '../../support/alpaca-trading-server.ts';
import { FakeClock, initMarketDb, MINUTE, realDailyPrices } from '../../support/live-venue.ts';
import { runCommand } from '../../support/paper-process.ts';
import { tempDir } from '../../support/real-data.ts';
import { startReplayServer } from '../../support/replay-server.ts';

const KEY_ID = 'PKqsALPACAkey4d2f8a1c6e3b9d0f';
const SECRET = 'qsALPACAsecret9e1c5a7b3d2f6e8c0a4b1d9f7e3c5a2b';
const OPEN = Date.UTC(2024, 2, 5, 14, 30);

/** One origin for the SDK's trading and data requests (--base-url sends both there): /v2/stocks → bars. */
function frontOf(tradingUrl: string, barsUrl: string) {
  return Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(request) {
      const url = new URL(request.url);
      const to = url.pathname.startsWith('/v2/stocks/') ? barsUrl : tradingUrl;
      return fetch(`${to}${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body: request.body });
    },
  });
}

function standIns(clock: FakeClock) {
  const prices = realDailyPrices('2019-06-01', 120, 0.05);
  const trading = startAlpacaTradingServer({ keyId: KEY_ID, secretKey: SECRET, prices: { SPY: 500 }, cash: 100_000 });
  const bars = startReplayServer({ live: { now: clock.now, originTs: OPEN, prices: { SPY: prices } } });
  const front = frontOf(trading.url, bars.url);
  return { trading, bars, url: `http://127.0.0.1:${front.port}`, stop: () => (front.stop(true), trading.stop(), bars.stop()) };
}

describe('live on Alpaca', () => {
  test('the process prints the plan for an Alpaca account and refuses without --confirm-live, no order sent', async () => {
    const s = standIns(new FakeClock(OPEN + 30 * MINUTE));
    try {
      const dir = tempDir();
      const run = await runCommand(
        'live',
        ['--source', 'alpaca', '--symbols', 'SPY', '--timeframe', '1Min', '--base-url', s.url, '--db', join(dir, 'live.db'), '--market-db', initMarketDb(join(dir, 'market.db'))],
        { APCA_API_KEY_ID: KEY_ID, APCA_API_SECRET_KEY: SECRET },
      );
      expect(run.code).not.toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^venue +Alpaca at ${s.url.replace(/\./g, '\\.')}`, 'm'));
      expect(run.stdout).toMatch(/^account +100000 USD available/m);
      expect(run.stdout).toMatch(/^symbols +SPY on 1m bars/m);
      expect(run.stderr).toContain('--confirm-live');
      expect(s.trading.ordersReceived()).toBe(0);
      expect(`${run.stdout}${run.stderr}`.includes(SECRET) || `${run.stdout}${run.stderr}`.includes(KEY_ID)).toBe(false);
    } finally {
      s.stop();
    }
  }, 120_000);

  test('a live session on SPY 1Min places an order at the Alpaca stand-in, it fills, and the fill is recorded once', async () => {
    const clock = new FakeClock(OPEN + 1 * MINUTE);
    const s = standIns(clock);
    const dir = tempDir();
    const dbPath = join(dir, 'live.db');
    const stop = new AbortController();
    clock.onAdvance = () => {
      if (s.trading.fills().length > 0 && clock.t > OPEN + 100 * MINUTE) stop.abort();
      if (clock.t > OPEN + 118 * MINUTE) stop.abort();
    };
    const lines: string[] = [];
    try {
      const session = await liveSession({
        source: 'alpaca', symbols: ['SPY'], timeframe: '1Min', strategyName: 'mean_reversion', baseUrl: s.url,
        marketDbPath: initMarketDb(join(dir, 'market.db')), env: { APCA_API_KEY_ID: KEY_ID, APCA_API_SECRET_KEY: SECRET },
        clock, sleep: clock.sleep, unthrottled: true, note: (l) => lines.push(l),
      });
      const end = await runPaperSession({
        dbPath, newSession: true, ...session, clock, stop: stop.signal, pollMs: 20, log: (l) => lines.push(l),
        live: {
          venue: session.venue, quoteCurrency: session.quoteCurrency, adopt: false, tolerance: { qtyPct: 0.001, cash: 1 },
          reconcileEveryMs: 5 * MINUTE, orderPollMs: 2_000, retry: DEFAULT_RETRY_POLICY, sleep: async () => {},
        },
      });
      expect(end).toBe('stopped');
    } finally {
      s.stop();
    }
    const fills = s.trading.fills();
    expect(s.trading.ordersReceived()).toBeGreaterThan(0);
    expect(fills.length).toBeGreaterThan(0);
    const ids = s.trading.orders().map((o) => o.client_order_id);
    expect(new Set(ids).size).toBe(ids.length);
    const db = new Database(dbPath, { readonly: true });
    const booked = db.query('SELECT fill_id FROM fills').all() as { fill_id: string }[];
    db.close();
    expect(booked.length).toBe(fills.length);
    expect(new Set(booked.map((f) => f.fill_id)).size).toBe(booked.length);
    expect(lines.some((l) => l.startsWith('fill '))).toBe(true);
  }, 180_000);
});
