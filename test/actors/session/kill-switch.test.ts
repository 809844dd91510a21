// The kill switch from the command line during a running paper:demo: bun run halt --flatten, bun run resume.
import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { tempDir } from '../../support/real-data.ts';
import { runCommand, startCommand } from '../../support/paper-process.ts';

const dir = tempDir('qs-kill-switch-');
const db = join(dir, 'paper_trading.db');
const demo = startCommand('paper-demo', ['--db', db, '--speed', '10', '--bars', '400']);
afterAll(() => demo.kill('SIGKILL'));

function query<T>(sql: string): T[] {
  const sqlite = new Database(db, { readonly: true });
  try {
    return sqlite.query(sql).all() as T[];
  } finally {
    sqlite.close();
  }
}

describe('halt and resume during paper:demo', () => {
  test('halt --flatten: taken by the running session, entries stop, the position is closed at the next bar', async () => {
    // Act while a position is open: right after an entry fill.
    await demo.waitFor(/^fill .* BUY .*\(entry\)/, 120_000);
    const halt = await runCommand('halt', ['--db', db, '--flatten', '--reason', 'test drill']);
    expect(halt.stderr).toBe('');
    expect(halt.code).toBe(0);
    expect(halt.stdout).toMatch(/^halt --flatten taken by session \S+ \(journal entry \d+\)/);
    await demo.waitFor(/^operator halt --flatten: test drill/, 10_000);
    await demo.waitFor(/breaker tripped → halted\.manual: test drill/, 10_000);
    await demo.waitFor(/^fill .* SELL .*\(exit\)/, 30_000);

    const events = query<{ state: string; reason: string }>("SELECT state, reason FROM risk_events WHERE kind = 'breaker_tripped'");
    expect(events).toContainEqual({ state: 'halted.manual', reason: 'test drill' });
    const flatten = query<{ client_order_id: string; reduce_only: number }>("SELECT client_order_id, reduce_only FROM orders WHERE client_order_id LIKE '%flatten%'");
    expect(flatten).toHaveLength(1);
    expect(flatten[0]!.reduce_only).toBe(1);
    const stops = query<{ status: string }>(
      "SELECT u.status FROM order_updates u JOIN orders o ON o.client_order_id = u.client_order_id WHERE o.purpose = 'stop_loss' AND u.reason LIKE 'operator halt%'",
    );
    expect(stops.length).toBeGreaterThan(0);
    // Flat once the flatten order filled: the latest position row of BTC/USD has quantity 0.
    const latest = query<{ qty: number }>("SELECT qty FROM positions WHERE symbol = 'BTC/USD' AND source = 'fill' ORDER BY seq DESC LIMIT 1");
    expect(latest[0]!.qty).toBe(0);
  }, 180_000);

  test('while halted every entry signal is rejected by the system layer', async () => {
    await demo.waitFor(/rejected by system\/circuit_breaker: halted\.manual: test drill/, 120_000);
    const approvedAfterHalt = query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM risk_decisions WHERE approved = 1 AND ts > (SELECT ts FROM risk_events WHERE state = 'halted.manual' LIMIT 1)`,
    );
    expect(approvedAfterHalt[0]!.n).toBe(0);
  }, 180_000);

  test('resume lifts the halt and the session trades again', async () => {
    const resume = await runCommand('resume', ['--db', db]);
    expect(resume.code).toBe(0);
    expect(resume.stdout).toMatch(/^resume taken by session/);
    await demo.waitFor(/breaker lifted → trading: operator resume/, 10_000);
    const lifted = demo.lines.findIndex((l) => /breaker lifted → trading/.test(l));
    // A new entry after the resume line.
    const deadline = Date.now() + 120_000;
    while (!demo.lines.slice(lifted).some((l) => /^fill .* BUY .*\(entry\)/.test(l)) && Date.now() < deadline) await Bun.sleep(200);
    expect(demo.lines.slice(lifted).some((l) => /^fill .* BUY .*\(entry\)/.test(l))).toBe(true);
  }, 180_000);
});
