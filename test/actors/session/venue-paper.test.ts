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

  test('a 429, a 503 and a timeout mid-session are retried: no bar lost or doubled, the same trades', async () => {
    const reference = setup();
    expect((await reference.run()).error).toBeUndefined();
    const { server, dbPath, run } = setup();
    server.script('klines', (n) => {
      if (n === 60) return { status: 429, headers: { 'Retry-After': '3' }, body: '{"code":-1003,"msg":"Too many requests."}' };
      if (n === 120) return { status: 503, body: 'Service Unavailable' };
      if (n === 180) return { delayMs: 3_000 };
      return undefined;
    });
    const result = await run();
    expect(result.error).toBeUndefined();
    expect(result.notes.some((l) => /^retry 1 in 3\.0s: binance \S+ 1m: rate limited/.test(l))).toBe(true);
    expect(result.notes.some((l) => / exchange not available /.test(l))).toBe(true);
    expect(result.notes.some((l) => / request timed out /.test(l))).toBe(true);
    const r = read(dbPath);
    const ref = read(reference.dbPath);
    expectEveryBarOnce(r.bars, lastOpenOf(BARS));
    expect(r.signals).toEqual(ref.signals);
    expect(r.fills).toEqual(ref.fills);
  }, 180_000);

  test('bars the venue publishes late are fetched from its history before the next ones go on', async () => {
    const { dbPath, run } = setup({
      // The whole venue is behind: bars 20 and 21 appear only 30 s after bar 21 closed.
      // ETH's bar 30 appears 20 s after its close: BTC's bar 30 waits for it.
      hidden: (symbol, ts, now) =>
        (ts >= T0 + 20 * MINUTE && now < T0 + 22 * MINUTE + 30_000)
        || (symbol === 'ETHUSDT' && ts === T0 + 30 * MINUTE && now < T0 + 31 * MINUTE + 20_000),
    });
    const result = await run(40);
    expect(result.error).toBeUndefined();
    const r = read(dbPath);
    expectEveryBarOnce(r.bars, lastOpenOf(40));
    const bar = (symbol: string, i: number) => r.bars.find((b) => b.symbol === symbol && b.ts === T0 + i * MINUTE)!;
    expect(bar('BTC/USDT', 20).wallTs).toBeGreaterThanOrEqual(T0 + 22 * MINUTE + 30_000);
    expect(bar('BTC/USDT', 30).wallTs).toBeGreaterThanOrEqual(T0 + 31 * MINUTE + 20_000);
    expect(result.lines.filter((l) => l.startsWith('feed    refused'))).toEqual([]);
  }, 120_000);

  test('a bar the venue sends twice is processed once', async () => {
    const { server, dbPath, run } = setup({ repeated: (symbol, ts) => symbol === 'BTCUSDT' && ts === T0 + 10 * MINUTE });
    const result = await run(20);
    expect(result.error).toBeUndefined();
    const twice = server.requests.some((r) => r.route === 'klines' && r.url.searchParams.get('symbol') === 'BTCUSDT' && Number(r.url.searchParams.get('startTime')) === T0 + 10 * MINUTE);
    expect(twice).toBe(true);
    expectEveryBarOnce(read(dbPath).bars, lastOpenOf(20));
    expect(result.lines.filter((l) => l.startsWith('feed'))).toEqual([]);
  }, 120_000);

  test('no bar for 2 timeframes: feed_stale, nothing traded, then feed_fresh when bars return', async () => {
    const { dbPath, run } = setup({ hidden: (_symbol, ts, now) => ts >= T0 + 50 * MINUTE && now < T0 + 55 * MINUTE + 20_000 });
    const result = await run(60);
    expect(result.error).toBeUndefined();
    const r = read(dbPath);
    expectEveryBarOnce(r.bars, lastOpenOf(60));
    const feed = r.riskEvents.filter((e) => String(e.kind).startsWith('feed'));
    expect(feed.map((e) => e.kind)).toEqual(['feed_stale', 'feed_fresh']);
    // Journal order: stale while bar 49 is the last, fresh just before the late bars 50.. are processed.
    const kinds = r.journal.map((e) => (e.kind === 'feed' ? `feed:${(JSON.parse(e.payload) as { stale: boolean }).stale}` : e.kind));
    const staleAt = kinds.indexOf('feed:true');
    const freshAt = kinds.indexOf('feed:false');
    expect(r.journal[staleAt]!.wallTs - (T0 + 50 * MINUTE)).toBeGreaterThan(2 * MINUTE - 5_000);
    expect(kinds.slice(staleAt + 1, freshAt).every((k) => k !== 'bars')).toBe(true);
    const afterFresh = JSON.parse(r.journal[freshAt + 1]!.payload) as { bars: JournalBar[] };
    expect(afterFresh.bars.map((b) => b.ts)).toEqual([T0 + 50 * MINUTE, T0 + 50 * MINUTE]);
    expect(result.lines.some((l) => l.startsWith('feed    stale: no new bar for'))).toBe(true);
    expect(result.lines).toContain('feed    fresh: bars are arriving again');
  }, 120_000);

  test('an error past its retries stops the session with one line; running it again resumes it', async () => {
    const { server, dbPath, run } = setup();
    server.script('klines', (n) => (n >= 60 ? { status: 503, body: 'Service Unavailable' } : undefined));
    const failed = await run(BARS, { maxRetries: 2 });
    expect(failed.error).toBeDefined();
    const message = failed.error!.message;
    expect(message).not.toContain('\n');
    expect(message).toMatch(/^binance (BTC|ETH)\/USDT 1m: exchange not available, gave up after 3 attempts \(.*\) \(session paper-\S+ stopped; its journal is intact: run the same command to resume\)$/);
    const before = read(dbPath);
    expect(before.runs[0]!.status).toBe('failed');
    expect(before.bars.length).toBeGreaterThan(0);

    server.script('klines', () => undefined);
    const resumed = await run(60, { maxRetries: 2 });
    expect(resumed.error).toBeUndefined();
    expect(resumed.lines[0]).toMatch(/^session paper-\S+ resumed from its journal: \d+ entries replayed and checked/);
    const after = read(dbPath);
    expect(after.runs).toHaveLength(1);
    expect(after.runs[0]!.status).toBe('stopped');
    expectEveryBarOnce(after.bars, lastOpenOf(60));
  }, 120_000);

  test('alpaca: SPY and AAPL minute bars during the regular session, keys from the environment', async () => {
    const start = Date.UTC(2024, 2, 5, 15, 0, 0); // Tuesday 10:00 New York
    const clock = new FakeClock(start + 5_000);
    const server = startReplayServer({
      live: { now: clock.now, originTs: start - 60 * MINUTE, prices: { SPY: PRICES.BTCUSDT.map((p) => ({ ...p, volume: p.volume * 1000 })), AAPL: PRICES.ETHUSDT } },
    });
    servers.push(server);
    const dir = tempDir();
    const dbPath = join(dir, 'paper.db');
    const result = await runFakeSession(clock, start + 30 * MINUTE + 30_000, {
      source: 'alpaca',
      symbols: ['SPY', 'AAPL'],
      timeframe: '1Min',
      strategyName: 'mean_reversion',
      baseUrl: server.url,
      marketDbPath: initMarketDb(join(dir, 'market.db')),
      dbPath,
      env: { APCA_API_KEY_ID: 'test-key', APCA_API_SECRET_KEY: 'test-secret' },
    });
    expect(result.error).toBeUndefined();
    const r = read(dbPath);
    expect(r.runs[0]!.mode).toBe('paper');
    expect(JSON.parse(String(r.runs[0]!.config)).timeframe).toBe('1m');
    expect(r.warmup.filter((b) => b.symbol === 'SPY')).toHaveLength(21);
    for (const symbol of ['SPY', 'AAPL']) {
      expect(r.bars.filter((b) => b.symbol === symbol).map((b) => b.ts)).toEqual(Array.from({ length: 30 }, (_, i) => start + i * MINUTE));
    }
    expect(result.lines.join('\n')).not.toContain('test-secret');
  }, 120_000);
});
