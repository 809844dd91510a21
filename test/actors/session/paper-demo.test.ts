// bun run paper:demo as a user runs it, and bun run replay on what it recorded.
import { Database } from 'bun:sqlite';
import { describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { tempDir } from '../../support/real-data.ts';
import { runCommand, startCommand } from '../../support/paper-process.ts';

const dir = tempDir('qs-paper-demo-');
const db = join(dir, 'paper_trading.db');

describe('bun run paper:demo', () => {
  test('its default stretch prints signals, decisions, fills and a summary with a closed round trip within its first minute', async () => {
    // The defaults except the clock: 4 bars/s would take 100 s; the bars and the stretch are the defaults.
    const r = await runCommand('paper-demo', ['--speed', '0', '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // The session is named before its own first alert.
    expect(r.stdout.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^session paper-\S+ started in .*paper_trading\.db: mean_reversion on BTC\/USD 1d, \d+ warm-up bars/),
      expect.stringMatching(/^\S+ INFO +Session started — 0 open positions \[session:started\]$/),
    ]);
    expect(r.stdout).toMatch(/^signal {2}\d{4}-\d\d-\d\d BTC\/USD BUY @ [\d.]+ — z -\d/m);
    expect(r.stdout).toMatch(/^risk {4}\d{4}-\d\d-\d\d BTC\/USD approved qty/m);
    expect(r.stdout).toMatch(/^fill {4}\d{4}-\d\d-\d\d BTC\/USD BUY [\d.]+ @ \d+\.\d\d fee/m);
    const closed = /round trips closed (\d+)/.exec(r.stdout);
    expect(Number(closed?.[1])).toBeGreaterThanOrEqual(1);
    expect(r.stdout).toContain('(finished)');

    const sqlite = new Database(db, { readonly: true });
    try {
      const run = sqlite.query("SELECT mode, status FROM runs").all();
      expect(run).toEqual([{ mode: 'paper', status: 'finished' }]);
      // The first exit fill happens on a bar the default 4 bars/s clock releases within 60 s.
      const firstExit = sqlite.query("SELECT ts FROM fills WHERE side = 'sell' ORDER BY seq LIMIT 1").get() as { ts: number };
      const barsBefore = sqlite
        .query("SELECT COUNT(*) AS n FROM journal WHERE kind = 'bars' AND ts <= ?")
        .get(firstExit.ts + 86_400_000) as { n: number };
      expect(barsBefore.n).toBeLessThanOrEqual(4 * 60);
      const transitions = sqlite.query("SELECT to_state FROM state_transitions WHERE actor = 'session' ORDER BY seq").all();
      expect(transitions.map((t) => (t as { to_state: string }).to_state)).toEqual(['warmingUp', 'trading', 'stopping', 'stopped']);
    } finally {
      sqlite.close();
    }
  }, 120_000);

  test('replay reproduces the session: 0 differences', async () => {
    const r = await runCommand('replay', ['--db', db]);
    expect(r.stdout).toContain('0 differences');
    expect(r.code).toBe(0);
  }, 120_000);

  test('replay reports exactly the one recorded fill that was altered', async () => {
    const sqlite = new Database(db);
    const target = sqlite.query('SELECT seq, fill_id, price FROM fills ORDER BY seq LIMIT 1 OFFSET 2').get() as { seq: number; fill_id: string; price: number };
    sqlite.query('UPDATE fills SET price = price + 0.5 WHERE seq = ?').run(target.seq);
    sqlite.close();
    const r = await runCommand('replay', ['--db', db]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('fills '));
    expect(lines).toEqual([`fills #3 ${target.fill_id}: price recorded ${target.price + 0.5}, replayed ${target.price}`]);
    expect(r.stdout).toContain('\n1 differences');
  }, 120_000);

  test('running it again after its session finished starts a new session (a finished one is never traded again)', async () => {
    const r = await runCommand('paper-demo', ['--speed', '0', '--db', db, '--bars', '10']);
    // Different settings than the finished session: a new session starts (the finished one is never resumed).
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^session \S+ started/m);
  }, 120_000);

  test('resuming an unfinished session with different settings is refused in one line', async () => {
    const other = join(dir, 'other.db');
    const first = await runCommand('paper-demo', ['--speed', '0', '--db', other, '--bars', '30']);
    expect(first.code).toBe(0);
    const sqlite = new Database(other);
    sqlite.query("UPDATE runs SET status = 'stopped'").run();
    sqlite.close();
    const r = await runCommand('paper-demo', ['--speed', '0', '--db', other, '--bars', '40']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('was started with a different source.bars (from the command and its flags): recorded 30, now 40;');
    expect(r.stderr).toContain('--new-session');
  }, 120_000);
});

describe('graceful stop', () => {
  test('SIGINT stops the session cleanly as `stopped`; the same command resumes it and finishes the same bars', async () => {
    const path = join(dir, 'sigint.db');
    const args = ['--db', path, '--speed', '20', '--bars', '120'];
    const first = startCommand('paper-demo', args);
    await first.waitFor(/^fill /, 60_000);
    first.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.lines.join('\n')).toMatch(/^stopped; run the same command again to resume session \S+/m);
    const sqlite = () => new Database(path, { readonly: true });
    let db = sqlite();
    expect(db.query('SELECT status FROM runs').all()).toEqual([{ status: 'stopped' }]);
    const barsAtStop = (db.query("SELECT COUNT(*) AS n FROM journal WHERE kind = 'bars'").get() as { n: number }).n;
    db.close();
    expect(barsAtStop).toBeLessThan(120);

    const second = await runCommand('paper-demo', [...args, '--speed', '0']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^session \S+ resumed from its journal: \d+ entries replayed and checked/m);
    db = sqlite();
    expect(db.query('SELECT status FROM runs').all()).toEqual([{ status: 'finished' }]);
    expect((db.query("SELECT COUNT(*) AS n FROM journal WHERE kind = 'bars'").get() as { n: number }).n).toBe(120);
    expect((db.query('SELECT COUNT(*) - COUNT(DISTINCT ts) AS n FROM equity_snapshots').get() as { n: number }).n).toBe(0);
    db.close();
  }, 120_000);
});
