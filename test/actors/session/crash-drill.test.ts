// The crash drill: one paper:demo session killed with SIGKILL at 20+ random moments and restarted each time
// ends exactly where an uninterrupted session of the same bars ends.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { tempDir } from '../../support/real-data.ts';
import { runCommand, startCommand } from '../../support/paper-process.ts';

const DEMO = ['--bars', '300', '--from', '2017-06-01', '--quiet'];

/** The derived state of the only session in a DB, without ids (two sessions have different ids). */
function outcome(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    const q = (sql: string) => db.query(sql).all();
    return {
      fills: q('SELECT ts, symbol, side, qty, price, fee, slippage, purpose FROM fills ORDER BY seq'),
      orders: q('SELECT ts, symbol, side, order_type, qty, price, purpose, reduce_only FROM orders ORDER BY seq'),
      orderUpdates: q('SELECT ts, symbol, status, reason FROM order_updates ORDER BY seq'),
      signals: q('SELECT ts, symbol, action, confidence, price, stop_loss, reason FROM signals ORDER BY seq'),
      positions: q('SELECT ts, symbol, qty, avg_price, last_price, realized_pnl, source FROM positions ORDER BY seq'),
      equity: q('SELECT ts, cash, positions_value, equity, fees FROM equity_snapshots ORDER BY seq'),
      riskEvents: q('SELECT ts, kind, state, reason FROM risk_events ORDER BY seq'),
      transitions: q("SELECT ts, actor, from_state, to_state, event FROM state_transitions WHERE actor NOT LIKE 'session' ORDER BY seq").map(
        (r) => ({ ...(r as Record<string, unknown>), actor: String((r as { actor: string }).actor).replace(/paper-\d{8}-\d{6}-[0-9a-f]{6}-/, '') }),
      ),
      status: q('SELECT status FROM runs'),
    };
  } finally {
    db.close();
  }
}

describe('crash drill', () => {
  test('SIGKILL at 20+ random moments: the restarted session ends exactly like an uninterrupted one', async () => {
    const dir = tempDir();
    const reference = join(dir, 'reference.db');
    const drilled = join(dir, 'drilled.db');
    const straight = await runCommand('paper-demo', [...DEMO, '--speed', '0', '--db', reference]);
    expect(straight.stderr).toBe('');
    expect(straight.code).toBe(0);

    let kills = 0;
    let finished = false;
    const sessionFinished = (): boolean => {
      const db = new Database(drilled, { readonly: true });
      try {
        return (db.query('SELECT status FROM runs').get() as { status: string } | null)?.status === 'finished';
      } finally {
        db.close();
      }
    };
    for (let attempt = 0; attempt < 60 && !finished; attempt++) {
      const run = startCommand('paper-demo', [...DEMO, '--speed', '100', '--db', drilled]);
      await run.waitFor(/^session \S+ (started|resumed)|already reached the end/);
      if (kills >= 20) {
        finished = (await run.exited) === 0;
        expect(await run.stderr()).toBe('');
        continue;
      }
      await Bun.sleep(Math.random() * 150);
      run.kill('SIGKILL');
      const code = await run.exited;
      if (code !== 0) kills++;
      // A kill that lands after the last bar was journaled leaves a finished session: the drill is over.
      finished = code === 0 || sessionFinished();
    }
    expect(kills).toBeGreaterThanOrEqual(20);
    expect(finished).toBe(true);

    const a = outcome(reference);
    const b = outcome(drilled);
    expect(a.fills.length).toBeGreaterThan(4);
    expect(b.status).toEqual([{ status: 'finished' }]);
    expect(b.fills).toEqual(a.fills);
    expect(b.orders).toEqual(a.orders);
    expect(b.orderUpdates).toEqual(a.orderUpdates);
    expect(b.signals).toEqual(a.signals);
    expect(b.positions).toEqual(a.positions);
    expect(b.equity).toEqual(a.equity);
    expect(b.riskEvents).toEqual(a.riskEvents);
    expect(b.transitions).toEqual(a.transitions);

    // No event table holds a duplicate: every bar's equity point exactly once, every fill id once.
    const db = new Database(drilled, { readonly: true });
    const dupes = db.query('SELECT COUNT(*) - COUNT(DISTINCT fill_id) AS n FROM fills').get() as { n: number };
    const equityDupes = db.query('SELECT COUNT(*) - COUNT(DISTINCT ts) AS n FROM equity_snapshots').get() as { n: number };
    const journalBars = db.query("SELECT COUNT(*) AS n FROM journal WHERE kind = 'bars'").get() as { n: number };
    db.close();
    expect(dupes.n).toBe(0);
    expect(equityDupes.n).toBe(0);
    expect(journalBars.n).toBe(300);

    const replay = await runCommand('replay', ['--db', drilled]);
    expect(replay.stdout).toContain('0 differences');
    expect(replay.code).toBe(0);
  }, 600_000);
});
