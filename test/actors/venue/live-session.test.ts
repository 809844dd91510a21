// The live executor in a real session (journal, recovery) against an in-memory venue: orders go out once,
// fills are booked from the venue's trades, protective stops live at the venue or are watched per bar.
import { describe, expect, test } from 'bun:test';
import { demoSession } from '../../../actors/adapters/paper-demo-session.ts';
import { LiveOrders } from '../../../actors/session/live-orders.ts';
import { Session } from '../../../actors/session/session-runtime.ts';
import type { VenueExecutorState } from '../../../actors/venue-executor.actor.ts';
import { closeDb, openDb, type Db } from '../../../db/client.ts';
import { DEFAULT_RETRY_POLICY } from '../../../machines/data/retry-policy.ts';
import type { Bar } from '../../../machines/domain.ts';
import { FakeVenue } from '../../support/fake-venue.ts';
import { tempDir } from '../../support/real-data.ts';
import { join } from 'node:path';

const RUN = 'live-test';

async function setup(nativeStops: boolean, bars = 160) {
  const demo = await demoSession({ symbols: ['BTC/USD'], fromTs: Date.UTC(2017, 5, 1), bars: String(bars), speed: '0', strategyName: 'mean_reversion' });
  const snapshot = { ...demo.snapshot, mode: 'live' as const, venue: { name: 'fake', nativeStops } };
  const stretch: Bar[][] = [];
  const cursor = { lastTs: new Map<string, number>(), lastCloseTs: Number.NEGATIVE_INFINITY };
  for (;;) {
    const next = await demo.source.next(cursor, new AbortController().signal);
    if (next === undefined) break;
    stretch.push(next);
    cursor.lastCloseTs = next[0]!.closeTs;
  }
  const venue = new FakeVenue(nativeStops, snapshot.markets);
  return { snapshot, warmup: demo.warmup(), stretch, venue };
}

async function open(db: Db, s: Awaited<ReturnType<typeof setup>>, create: boolean, log: string[] = []) {
  const session = await Session.open({
    db,
    runId: RUN,
    snapshot: s.snapshot,
    create: create ? { warmup: s.warmup, startedAt: 0 } : undefined,
    clock: { now: () => 0 },
  });
  const live = new LiveOrders(session, s.venue, {
    retry: { ...DEFAULT_RETRY_POLICY, baseDelayMs: 1 },
    sleep: async () => {},
    log: (l) => log.push(l),
  });
  live.start();
  return { session, live };
}

/** One bar: stops at the venue see its range, market orders after its close fill at its close. */
async function step(s: Awaited<ReturnType<typeof setup>>, session: Session, live: LiveOrders, bars: Bar[]) {
  for (const b of bars) s.venue.showBar(b.symbol, b.low, b.high, b.ts);
  await live.poll();
  for (const b of bars) s.venue.setPrice(b.symbol, b.close, b.closeTs);
  session.recordBars(bars);
  await live.idle();
}

function executor(session: Session): VenueExecutorState {
  return session.pipeline.get('executor').getSnapshot().context as VenueExecutorState;
}

function rows(db: Db, sql: string): Record<string, unknown>[] {
  return db.$client.query(sql).all() as Record<string, unknown>[];
}

describe('live executor with native stops', () => {
  test('every order reaches the venue once, fills come from its trades, and each entry gets a stop order there', async () => {
    const s = await setup(true);
    const db = openDb(join(tempDir(), 'live.db'));
    const { session, live } = await open(db, s, true);
    for (const bars of s.stretch) await step(s, session, live, bars);
    expect(live.error).toBeUndefined();

    const ids = s.venue.received.map((r) => r.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
    const entries = s.venue.received.filter((r) => r.type === 'market' && r.side === 'buy');
    const stops = s.venue.received.filter((r) => r.type === 'stop');
    expect(entries.length).toBeGreaterThan(2);
    expect(stops.length).toBe(entries.length);

    const venueTrades = [...s.venue.orders.values()].flatMap((o) => o.trades);
    const fills = rows(db, 'SELECT fill_id, qty, price, fee FROM fills ORDER BY seq');
    expect(fills.length).toBe(venueTrades.length);
    expect(fills.map((f) => [f.qty, f.price, f.fee])).toEqual(venueTrades.map((t) => [t.qty, t.price, t.fee]));

    const positions = await s.venue.positions(['BTC/USD']);
    expect(executor(session).held.get('BTC/USD') ?? 0).toBeCloseTo(positions['BTC/USD']!, 12);
    closeDb(db);
  });

  test('a request that times out after the venue accepted it is looked up, not sent again: one order, one position', async () => {
    const s = await setup(true, 60);
    s.venue.scriptNext('timeout_after_accept');
    const db = openDb(join(tempDir(), 'timeout.db'));
    const log: string[] = [];
    const { session, live } = await open(db, s, true, log);
    for (const bars of s.stretch) await step(s, session, live, bars);
    const first = s.venue.received[0]!;
    expect(s.venue.received.filter((r) => r.clientOrderId === first.clientOrderId)).toHaveLength(1);
    expect(log.some((l) => l.includes('looking it up before anything else'))).toBe(true);
    const fills = rows(db, `SELECT qty FROM fills WHERE client_order_id = '${first.clientOrderId}'`);
    expect(fills).toHaveLength(1);
    closeDb(db);
  });

  test('a rejected order is recorded as rejected with the venue reason; a 429 is retried', async () => {
    const s = await setup(true, 60);
    s.venue.scriptNext('rate_limit_once', 'reject');
    const db = openDb(join(tempDir(), 'reject.db'));
    const log: string[] = [];
    const { session, live } = await open(db, s, true, log);
    for (const bars of s.stretch) await step(s, session, live, bars);
    expect(log.some((l) => l.includes('429') && l.includes('retrying'))).toBe(true);
    const rejected = rows(db, "SELECT reason FROM order_updates WHERE status = 'rejected'");
    expect(rejected[0]?.reason).toBe('insufficient balance');
    closeDb(db);
  });

  test('partial fills are booked trade by trade at their own prices', async () => {
    const s = await setup(true, 60);
    s.venue.scriptNext('partial_then_fill');
    const db = openDb(join(tempDir(), 'partial.db'));
    const { session, live } = await open(db, s, true);
    for (const bars of s.stretch) await step(s, session, live, bars);
    const first = s.venue.received[0]!.clientOrderId;
    const fills = rows(db, `SELECT qty, price FROM fills WHERE client_order_id = '${first}' ORDER BY seq`);
    expect(fills).toHaveLength(2);
    expect(fills[1]!.price).not.toBe(fills[0]!.price);
    closeDb(db);
  });
});

describe('fees the venue takes in the base asset', () => {
  test('a buy whose fee is paid in the coin bought leaves the session holding what the venue holds, and every exit fills', async () => {
    const s = await setup(false);
    s.venue.feesInBaseOnBuys = true;
    const db = openDb(join(tempDir(), 'base-fee.db'));
    const { session, live } = await open(db, s, true);
    for (const bars of s.stretch) await step(s, session, live, bars);
    expect(live.error).toBeUndefined();

    const buys = s.venue.received.filter((r) => r.side === 'buy');
    const sells = s.venue.received.filter((r) => r.side === 'sell');
    expect(buys.length).toBeGreaterThan(1);
    expect(sells.length).toBeGreaterThan(0);
    expect(rows(db, "SELECT COUNT(*) AS n FROM order_updates WHERE status = 'rejected'")).toEqual([{ n: 0 }]);
    const venue = await s.venue.positions(['BTC/USD']);
    expect(executor(session).held.get('BTC/USD') ?? 0).toBeCloseTo(venue['BTC/USD']!, 12);
    const portfolio = session.pipeline.get('portfolio').getSnapshot().context as { book: { cash: number } };
    expect(portfolio.book.cash).toBeCloseTo((await s.venue.balances()).total.USD!, 6);
    closeDb(db);
  }, 60_000);
});

describe('live executor with local stops', () => {
  test('without native stops a bar through the stop sends a market exit; nothing waits at the venue', async () => {
    const s = await setup(false);
    const db = openDb(join(tempDir(), 'local.db'));
    const { session, live } = await open(db, s, true);
    for (const bars of s.stretch) await step(s, session, live, bars);
    expect(s.venue.received.some((r) => r.type === 'stop')).toBe(false);
    const stopExits = rows(db, "SELECT COUNT(*) AS n FROM fills WHERE purpose = 'stop_loss'");
    expect(Number(stopExits[0]!.n)).toBeGreaterThan(0);
    closeDb(db);
  });
});

describe('live session recovery', () => {
  test('a session killed between "sent" and "acknowledged" restarts from its journal: the order is found by its id, not sent twice', async () => {
    const s = await setup(true);
    const path = join(tempDir(), 'crash.db');
    let db = openDb(path);
    let { session, live } = await open(db, s, true);
    let crashedAt = -1;
    for (let i = 0; i < s.stretch.length; i++) {
      const bars = s.stretch[i]!;
      if (i < s.stretch.length / 3) {
        await step(s, session, live, bars);
        continue;
      }
      // The next order the venue accepts never gets its answer back: the process "dies" waiting.
      const before = s.venue.received.length;
      s.venue.scriptNext('hang_after_accept');
      for (const b of bars) s.venue.showBar(b.symbol, b.low, b.high, b.ts);
      for (const b of bars) s.venue.setPrice(b.symbol, b.close, b.closeTs);
      session.recordBars(bars);
      await Bun.sleep(20);
      if (s.venue.received.length > before) {
        crashedAt = i;
        break;
      }
      s.venue.clearScript();
      await live.idle();
    }
    expect(crashedAt).toBeGreaterThan(0);
    const inFlight = s.venue.received.at(-1)!.clientOrderId;
    expect(rows(db, `SELECT kind FROM journal WHERE kind = 'sent' AND payload LIKE '%${inFlight}%'`)).toHaveLength(1);
    expect(rows(db, `SELECT COUNT(*) AS n FROM fills WHERE client_order_id = '${inFlight}'`)[0]!.n).toBe(0);
    session.onVenueRequest = undefined;
    closeDb(db);

    db = openDb(path);
    const log: string[] = [];
    ({ session, live } = await open(db, s, false, log));
    await live.idle();
    expect(rows(db, `SELECT COUNT(*) AS n FROM fills WHERE client_order_id = '${inFlight}'`)[0]!.n).toBe(1);
    for (const bars of s.stretch.slice(crashedAt + 1)) await step(s, session, live, bars);
    expect(live.error).toBeUndefined();
    const ids = s.venue.received.map((r) => r.clientOrderId);
    expect(new Set(ids).size).toBe(ids.length);
    const venueTrades = [...s.venue.orders.values()].flatMap((o) => o.trades);
    expect(rows(db, 'SELECT COUNT(*) AS n FROM fills')[0]!.n).toBe(venueTrades.length);
    const positions = await s.venue.positions(['BTC/USD']);
    expect(executor(session).held.get('BTC/USD') ?? 0).toBeCloseTo(positions['BTC/USD']!, 12);
    closeDb(db);
  });
});

describe('replay of a live session', () => {
  test('reports, per order, the venue price and fee next to the fill model and the mean and worst gap', async () => {
    const s = await setup(true);
    const db = openDb(join(tempDir(), 'replay-live.db'));
    const { session, live } = await open(db, s, true);
    for (const bars of s.stretch) await step(s, session, live, bars);
    const { replaySession, findSession } = await import('../../../actors/session/replay-session.ts');
    const r = await replaySession(db, findSession(db, RUN)!);
    expect(r.fillGap).toBeDefined();
    const gap = r.fillGap!;
    expect(gap.orders.length).toBeGreaterThan(2);
    // The fake venue fills market orders at the decision bar's close; the model at the next open with slippage.
    for (const o of gap.orders) {
      const venue = [...s.venue.orders.get(o.clientOrderId)!.trades];
      expect(o.venue.price).toBeCloseTo(venue.reduce((a, t) => a + t.qty * t.price, 0) / venue.reduce((a, t) => a + t.qty, 0), 9);
      expect(Number.isFinite(o.slippageGapBps)).toBe(true);
    }
    expect(gap.meanGapBps).not.toBeNull();
    expect(gap.worstGapBps!).toBeGreaterThanOrEqual(gap.meanGapBps!);
    closeDb(db);
  });
});

describe('reconciliation in a live session', () => {
  test('a venue position the journal does not know blocks entries with both values; --adopt takes the venue as the truth', async () => {
    const s = await setup(true, 80);
    const db = openDb(join(tempDir(), 'reconcile.db'));
    const { session, live } = await open(db, s, true);
    // Someone bought behind the session's back.
    s.venue.setPrice('BTC/USD', 2500, 0);
    await s.venue.place({ clientOrderId: 'manual-1', symbol: 'BTC/USD', side: 'buy', type: 'market', qty: 0.5 });
    const tolerance = { qtyPct: 0.001, cash: 1 };
    const found = await live.reconcile('USD', tolerance, false);
    const expected = ['position BTC/USD: session 0, venue 0.5', 'cash: session 100000, venue 98748.75'];
    expect(found).toEqual(expected);
    const event = rows(db, "SELECT level, reason FROM risk_events WHERE kind = 'reconcile_mismatch'");
    expect(event).toEqual([{ level: 'critical', reason: expected.join('; ') }]);
    for (const bars of s.stretch) await step(s, session, live, bars);
    const approvedWhileBlocked = rows(db, 'SELECT COUNT(*) AS n FROM risk_decisions WHERE approved = 1');
    expect(approvedWhileBlocked[0]!.n).toBe(0);
    expect(rows(db, "SELECT COUNT(*) AS n FROM risk_decisions WHERE reason LIKE 'reconciliation: position BTC/USD%'")[0]!.n).toBeGreaterThan(0);

    await live.reconcile('USD', tolerance, true);
    expect(rows(db, "SELECT kind FROM journal WHERE kind = 'adopt'")).toHaveLength(1);
    expect(executor(session).held.get('BTC/USD')).toBe(0.5);
    const pos = rows(db, "SELECT qty FROM positions WHERE symbol = 'BTC/USD' AND source = 'fill' ORDER BY seq DESC LIMIT 1");
    expect(pos[0]!.qty).toBe(0.5);
    expect(await live.reconcile('USD', tolerance, false)).toEqual([]);
    expect(rows(db, "SELECT kind FROM risk_events WHERE kind LIKE 'reconcile%' OR kind = 'venue_adopted' ORDER BY seq").map((r) => r.kind)).toEqual([
      'reconcile_mismatch',
      'venue_adopted',
    ]);
    closeDb(db);
  });
});

describe('a Binance-like venue: fee in the coin bought, quantities cut to its step', () => {
  test('exits sell what the venue can take, every order completes, the dust is flat to the strategy, and trading goes on', async () => {
    const s = await setup(false);
    // Binance's BTC/USDT: 0.00001 BTC steps; a 0.1% fee in BTC leaves holdings off the step.
    const qtyStep = 0.00001;
    const markets = { 'BTC/USD': { ...s.snapshot.markets['BTC/USD']!, amountStep: qtyStep, minQty: qtyStep } };
    const venue = new FakeVenue(false, markets, 0.001, 100_000, { qtyStep });
    const t = { ...s, snapshot: { ...s.snapshot, markets }, venue };
    const db = openDb(join(tempDir(), 'binance-like.db'));
    const { session, live } = await open(db, t, true);
    for (const bars of t.stretch) await step(t, session, live, bars);
    expect(live.error).toBeUndefined();
    // No order is left open: each one the venue finished, the session finished too.
    expect(executor(session).open.size).toBe(0);
    const sells = venue.received.filter((r) => r.side === 'sell');
    expect(sells.length).toBeGreaterThan(2);
    for (const r of sells) expect(Math.abs(r.qty / qtyStep - Math.round(r.qty / qtyStep))).toBeLessThan(1e-9);
    // Several round trips: the dust each exit leaves does not keep the strategy "long".
    const entries = venue.received.filter((r) => r.side === 'buy');
    expect(entries.length).toBeGreaterThan(2);
    const positions = await venue.positions(['BTC/USD']);
    expect(executor(session).held.get('BTC/USD') ?? 0).toBeCloseTo(positions['BTC/USD']!, 12);
    expect(await live.reconcile('USD', { qtyPct: 0.001, cash: 0.01 }, false)).toEqual([]);
    closeDb(db);
  });
});

test('an order the venue reports filled at a quantity cut to its own step is finished, not left open forever', async () => {
  const s = await setup(true, 60);
  // The venue's step is coarser than the session's market rules: it fills less than asked and calls it done.
  const venue = new FakeVenue(true, s.snapshot.markets, 0.001, 100_000, { qtyStep: 0.001 });
  const t = { ...s, venue };
  const db = openDb(join(tempDir(), 'venue-step.db'));
  const { session, live } = await open(db, t, true);
  for (const bars of t.stretch) await step(t, session, live, bars);
  const first = venue.received[0]!;
  const cut = rows(db, `SELECT status, reason FROM order_updates WHERE client_order_id = '${first.clientOrderId}'`);
  expect(cut).toEqual([{ status: 'cancelled', reason: `coinbase filled ${Math.floor(first.qty * 1000) / 1000} of ${first.qty} (its quantity step)` }]);
  expect(executor(session).open.has(first.clientOrderId)).toBe(false);
  closeDb(db);
});
