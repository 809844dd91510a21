// The live crash drill: `bun run live` against the 127.0.0.1 Binance stand-in (1s bars generated from real
// BTC/USD closes up to the wall clock, orders at the same server), SIGKILLed at 20+ moments — some of them while
// the stand-in holds an order's answer, between "sent" and "acknowledged" — and restarted with the same command
// each time. Beside it, an uninterrupted process trades the same bars against a stand-in of its own.
//
// What must hold: the stand-in's orders and fills equal the uninterrupted run's, one for one (nothing doubled,
// nothing lost, nothing decided differently); every venue fill is booked once in the session DB; the venue's
// position and cash equal the session's; every restart replays its journal and reconciles. A killed process is
// down for real seconds and reaches the venue late with the orders of the bars it catches up on; a real venue
// would fill those at a later price. The stand-ins take that latency out: a market order fills at the close of
// the bar it was decided on (read from the session's journal, where `sent` is written before the request
// leaves), so any difference left is the session's own.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import type { OrderServer } from '../../support/ccxt-order-server.ts';
import { liveDirs, startLive, startLiveStandIn, until, type LiveDirs, type LiveStandIn } from '../../support/live-process.ts';
import type { RunningCommand } from '../../support/paper-process.ts';

const SERIES = { from: '2019-06-01', bars: 320, warmBars: 30 };
/** Every order's answer is held this long after the stand-in stored and filled it. */
const HOLD_MS = 1_500;
const LIVE_FLAGS = ['--confirm-live'];

function query(path: string, sql: string): Record<string, unknown>[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.query(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

/** Open time of the newest bar the session journaled (undefined before the first). */
function lastBarTs(dirs: LiveDirs): number | undefined {
  try {
    const row = query(dirs.db, 'SELECT MAX(ts) AS ts FROM equity_snapshots')[0];
    return (row?.ts as number | null) ?? undefined;
  } catch {
    return undefined;
  }
}

function signals(standIn: LiveStandIn, dirs: LiveDirs) {
  return query(dirs.db, 'SELECT ts, action FROM signals ORDER BY seq').map((r) => ({ bar: standIn.barIndex(r.ts as number), action: r.action }));
}

/** Market orders fill at the close of the bar they were decided on (the session journals it before sending). */
function priceAtDecision(standIn: LiveStandIn, dirs: LiveDirs): void {
  standIn.server.priceMarketOrders((clientOrderId) => {
    const row = query(dirs.db, `SELECT json_extract(payload, '$.decidedTs') AS ts FROM journal WHERE kind = 'sent' AND json_extract(payload, '$.clientOrderId') = '${clientOrderId.replace(/'/g, "''")}'`)[0];
    if (typeof row?.ts !== 'number') throw new Error(`stand-in: order ${clientOrderId} arrived without a journaled sent entry`);
    return standIn.closeBy(row.ts);
  });
}

/** The stand-in's orders and fills with the session id taken out of the client ids: comparable across sessions. */
function venueBook(server: OrderServer) {
  const local = (id: string) => id.replace(/^live-[^-]+-[^-]+-/, '');
  const byOrder = new Map(server.orders.map((o) => [o.orderId, local(o.clientOrderId)]));
  return {
    orders: server.orders.map((o) => ({ id: local(o.clientOrderId), side: o.side, type: o.type, qty: o.origQty, status: o.status, executed: o.executedQty })),
    fills: server.fills.map((f) => ({ order: byOrder.get(f.orderId), price: f.price, qty: f.qty, commission: f.commission, asset: f.commissionAsset })),
  };
}

/** `clientOrderId-tradeId` of every fill at the stand-in, as the executor names a booked fill. */
function venueFillIds(server: OrderServer): string[] {
  const byOrder = new Map(server.orders.map((o) => [o.orderId, o.clientOrderId]));
  return server.fills.map((f) => `${byOrder.get(f.orderId)}-${f.id}`).sort();
}

/** Runs until the last generated bar is journaled, then stops it with SIGTERM. */
async function finish(run: RunningCommand, standIn: LiveStandIn, dirs: LiveDirs): Promise<number> {
  const lastBar = standIn.originTs + (standIn.bars - 1) * 1_000;
  await until('the last bar journaled', () => (lastBarTs(dirs) ?? 0) >= lastBar, standIn.endTs - Date.now() + 120_000);
  // Let the last bar's order (if any) come back from the stand-in.
  await until('no order in flight', () => query(dirs.db, "SELECT COUNT(*) AS n FROM orders o WHERE NOT EXISTS (SELECT 1 FROM order_updates u WHERE u.client_order_id = o.client_order_id AND u.status IN ('filled', 'cancelled', 'rejected'))")[0]!.n === 0, 60_000);
  run.kill('SIGTERM');
  return run.exited;
}

// This drill found (and now guards) three bugs: exits of a holding net of a coin fee were off the venue's step
// and left orders open forever; reconciliation reported float noise against 8-decimal balances; a fee taken in
// the coin bought made every exit fail for insufficient balance.
describe('live crash drill', () => {
  test("SIGKILL at 20+ moments, some between sent and acknowledged: the venue's orders and fills equal an uninterrupted session's", async () => {
    const reference = { standIn: startLiveStandIn(SERIES), dirs: liveDirs() };
    const drilled = { standIn: startLiveStandIn(SERIES), dirs: liveDirs() };
    for (const { standIn, dirs } of [reference, drilled]) {
      standIn.server.planOrders(() => ({ holdMs: HOLD_MS }));
      priceAtDecision(standIn, dirs);
    }
    const straight = startLive(reference.standIn, reference.dirs, LIVE_FLAGS);
    const output: string[] = [];
    try {
      let kills = 0;
      let inFlightKills = 0;
      for (let attempt = 0; kills < 22 && attempt < 60; attempt++) {
        const run = startLive(drilled.standIn, drilled.dirs, LIVE_FLAGS);
        try {
          await run.waitFor(/^session \S+ (started|resumed)/, 90_000);
          const server = drilled.standIn.server;
          if (kills % 2 === 1 && Date.now() < drilled.standIn.endTs - 5_000) {
            // Wait for the next order to arrive, then kill while its answer is held.
            const before = server.ordersReceived();
            const arrived = await until('an order at the stand-in', () => server.ordersReceived() > before, 45_000).then(() => Date.now(), () => undefined);
            if (arrived !== undefined) {
              await Bun.sleep(Math.random() * (HOLD_MS / 2));
              if (Date.now() < arrived + HOLD_MS) inFlightKills++;
            }
          } else {
            await Bun.sleep(Math.random() * 2_500);
          }
        } finally {
          run.kill('SIGKILL');
          if ((await run.exited) !== 0) kills++;
          output.push(...run.lines, await run.stderr());
        }
      }
      console.error(`drill: ${kills} kills, ${inFlightKills} inside a held order answer`);
      expect(kills).toBeGreaterThanOrEqual(20);
      // Orders are sparse (mean reversion on 320 bars: about a dozen), so only a few kills can land inside a held answer.
      expect(inFlightKills).toBeGreaterThanOrEqual(2);

      const last = startLive(drilled.standIn, drilled.dirs, LIVE_FLAGS);
      await last.waitFor(/^reconcile venue and journal agree/, 90_000);
      expect(await finish(last, drilled.standIn, drilled.dirs)).toBe(0);
      expect(await finish(straight, reference.standIn, reference.dirs)).toBe(0);
      output.push(...last.lines, await last.stderr());
      expect(await straight.stderr()).toBe('');
      // Every restart that got as far as reconciling found venue and journal in agreement.
      expect(output.filter((l) => l.startsWith('reconcile differences'))).toEqual([]);

      for (const { standIn, dirs } of [reference, drilled]) {
        const server = standIn.server;
        // Nothing doubled: each client order id reached the venue once.
        const ids = server.orders.map((o) => o.clientOrderId);
        expect(server.ordersReceived()).toBe(ids.length);
        expect(new Set(ids).size).toBe(ids.length);
        expect(ids.sort()).toEqual(query(dirs.db, 'SELECT client_order_id FROM orders').map((r) => r.client_order_id as string).sort());
        // Nothing lost: each venue fill is booked exactly once.
        expect(query(dirs.db, 'SELECT fill_id FROM fills').map((r) => r.fill_id as string).sort()).toEqual(venueFillIds(server));
        // The venue holds what the session holds.
        const position = query(dirs.db, "SELECT qty FROM positions WHERE symbol = 'BTC/USDT' ORDER BY seq DESC LIMIT 1")[0]?.qty as number | undefined;
        expect(position ?? 0).toBeCloseTo(server.balances().BTC!, 10);
        const cash = query(dirs.db, 'SELECT cash FROM equity_snapshots ORDER BY seq DESC LIMIT 1')[0]!.cash as number;
        expect(cash).toBeCloseTo(server.balances().USDT!, 6);
      }
      expect(reference.standIn.server.fills.length).toBeGreaterThanOrEqual(4);
      expect(drilled.standIn.server.fills.length).toBeGreaterThanOrEqual(4);
      // Every restart replayed its journal and found the recorded rows as derived (a mismatch stops with an error).
      const resumes = output.filter((l) => /^session \S+ resumed from its journal: \d+ entries replayed and checked/.test(l));
      expect(resumes.length).toBeGreaterThanOrEqual(20);
      // The stand-in's orders and fills equal the uninterrupted run's, one for one; so do the decisions per bar.
      const straightBook = venueBook(reference.standIn.server);
      expect(straightBook.orders.length).toBeGreaterThanOrEqual(4);
      expect(venueBook(drilled.standIn.server)).toEqual(straightBook);
      expect(signals(drilled.standIn, drilled.dirs)).toEqual(signals(reference.standIn, reference.dirs));
    } finally {
      straight.kill('SIGKILL');
      reference.standIn.server.stop();
      drilled.standIn.server.stop();
    }
  }, 1_200_000);
});
