// `bun run paper` on venue bars, offline: the replay server generates Binance klines (real BTC/USD daily
// candles, one per fake minute) up to a fake clock that the session's own sleeps advance.
import { Database } from 'bun:sqlite';
import { afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { runCommand } from '../../support/paper-process.ts';
import { FakeClock, initMarketDb, MINUTE, realDailyPrices, runFakeSession } from '../../support/live-venue.ts';
import { tempDir } from '../../support/real-data.ts';
import { startReplayServer, type LiveBars, type ReplayServer } from '../../support/replay-server.ts';

/** The first live bar opens here; 40 bars before it are history (the warm-up needs 21). */
const T0 = Date.UTC(2024, 0, 30, 16, 0, 0);
const HISTORY = 40;
const ORIGIN = T0 - HISTORY * MINUTE;
const BARS = 150;
const PRICES = {
  // 2017-06-01 onwards trades (paper:demo's default stretch); ETH moves like BTC a year later, at 1/20.
  BTCUSDT: realDailyPrices('2017-04-22', HISTORY + BARS + 40),
  ETHUSDT: realDailyPrices('2018-04-22', HISTORY + BARS + 40, 0.05),
};

const servers: ReplayServer[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop();
});

function setup(extra: Partial<LiveBars> = {}) {
  const clock = new FakeClock(T0 + 5_000);
  const server = startReplayServer({ live: { now: clock.now, originTs: ORIGIN, prices: PRICES, ...extra } });
  servers.push(server);
  const dir = tempDir();
  const dbPath = join(dir, 'paper.db');
  const marketDbPath = initMarketDb(join(dir, 'market.db'));
  const request = {
    source: 'ccxt' as const,
    exchange: 'binance',
    symbols: ['BTC/USDT', 'ETH/USDT'],
    timeframe: '1m',
    strategyName: 'mean_reversion',
    baseUrl: server.url,
    marketDbPath,
    dbPath,
    timeoutMs: 1_000,
  };
  const run = (bars = BARS, more: Partial<typeof request> & { maxRetries?: number } = {}) =>
    runFakeSession(clock, T0 + bars * MINUTE + 30_000, { ...request, ...more });
  return { clock, server, dbPath, marketDbPath, run };
}

interface JournalBar {
  symbol: string;
  ts: number;
  closeTs: number;
  wallTs: number;
}

function read(dbPath: string) {
  const db = new Database(dbPath, { readonly: true });
  try {
    const journal = db.query('SELECT kind, ts, wall_ts AS wallTs, payload FROM journal ORDER BY seq').all() as Array<{ kind: string; ts: number; wallTs: number; payload: string }>;
    const bars: JournalBar[] = journal
      .filter((e) => e.kind === 'bars')
      .flatMap((e) => (JSON.parse(e.payload) as { bars: JournalBar[] }).bars.map((b) => ({ ...b, wallTs: e.wallTs })));
    const q = (sql: string) => db.query(sql).all() as Array<Record<string, unknown>>;
    return {
      journal,
      bars,
      warmup: (JSON.parse(journal.find((e) => e.kind === 'warmup')!.payload) as { bars: JournalBar[] }).bars,
      runs: q('SELECT mode, status, config, summary FROM runs'),
      signals: q('SELECT ts, symbol, action, price, reason FROM signals ORDER BY seq'),
      fills: q('SELECT ts, symbol, side, qty, price, fee FROM fills ORDER BY seq'),
      riskEvents: q('SELECT ts, kind, state, reason FROM risk_events ORDER BY seq'),
    };
  } finally {
    db.close();
  }
}

/** Every bar of both symbols from the first live bar to `lastOpen`, each exactly once, in close order. */
function expectEveryBarOnce(bars: JournalBar[], lastOpen: number): void {
  for (const symbol of ['BTC/USDT', 'ETH/USDT']) {
    const times = bars.filter((b) => b.symbol === symbol).map((b) => b.ts);
    const expected = Array.from({ length: (lastOpen - T0) / MINUTE + 1 }, (_, i) => T0 + i * MINUTE);
    expect(times).toEqual(expected);
  }
  const closes = bars.map((b) => b.closeTs);
  expect(closes).toEqual([...closes].sort((a, b) => a - b));
  // Never a bar before it closed.
  for (const b of bars) expect(b.closeTs).toBeLessThanOrEqual(b.wallTs);
}

const lastOpenOf = (bars: number) => T0 + (bars - 1) * MINUTE;

describe('paper on venue bars (replay server, fake clock)', () => {
  test('a session warms up from collected candles, then trades every bar as it closes', async () => {
    const { dbPath, marketDbPath, run } = setup();
    const result = await run();
    expect(result.error).toBeUndefined();
    expect(result.end).toBe('stopped');
    const r = read(dbPath);
    expect(r.runs).toHaveLength(1);
    expect(r.runs[0]!.mode).toBe('paper');
    expect(r.runs[0]!.status).toBe('stopped');
    // Warm-up: the 21 bars before the first live bar of each symbol, collected into the market DB first.
    expect(r.warmup.filter((b) => b.symbol === 'BTC/USDT').map((b) => b.ts)).toEqual(
      Array.from({ length: 21 }, (_, i) => T0 - (21 - i) * MINUTE),
    );
    const market = new Database(marketDbPath, { readonly: true });
    const stored = market.query("SELECT COUNT(*) AS n FROM candles WHERE symbol = 'ETH/USDT' AND timeframe = '1m'").get() as { n: number };
    market.close();
    expect(stored.n).toBeGreaterThanOrEqual(21);
    expectEveryBarOnce(r.bars, lastOpenOf(BARS));
    // Prices are the venue's, precision the venue's (Binance LOT_SIZE of ETHUSDT).
    expect(r.bars[0]!).toMatchObject({ symbol: 'BTC/USDT', ts: T0 });
    const config = JSON.parse(String(r.runs[0]!.config)) as { markets: Record<string, { amountStep: number; priceStep: number }>; source: unknown };
    expect(config.markets['ETH/USDT']!.amountStep).toBe(0.0001);
    expect(config.markets['BTC/USDT']!.priceStep).toBe(0.01);
    expect(config.source).toEqual({ kind: 'ccxt', exchange: 'binance' });
    // Signals from the first live bars on (the indicators were warm), and simulated fills.
    expect(r.signals.length).toBeGreaterThan(0);
    expect(r.fills.length).toBeGreaterThanOrEqual(2);
    expect(result.lines.some((l) => l.startsWith('fill '))).toBe(true);

    const replay = await runCommand('replay', ['--db', dbPath]);
    expect(replay.stdout).toContain('0 differences');
    expect(replay.code).toBe(0);
  }, 120_000);
});
