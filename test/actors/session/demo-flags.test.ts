// paper:demo's flags as a user gives them: a --speed so slow that a bar interval passes setTimeout's limit waits
// (it does not run at full speed); a speed with no interval at all is refused in one line; --bars counts each
// symbol's bars; a repeated symbol, or one with no data in the stretch, is refused in one line. And `resume`
// (or `resume --reset`) that finds nothing to lift says it changed nothing.
import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { sleep } from '../../../actors/adapters/sleep.ts';
import { runCommand, startCommand, type RunningCommand } from '../../support/paper-process.ts';
import { tempDir } from '../../support/real-data.ts';

const dir = tempDir('qs-demo-flags-');
const started: RunningCommand[] = [];
afterAll(() => {
  for (const run of started) run.kill('SIGKILL');
});

function barsJournaled(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query("SELECT COUNT(*) AS n FROM journal WHERE kind = 'bars'").get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('sleep', () => {
  test('a wait longer than a timer can hold (2^31 ms) does not end at once; an abort ends it', async () => {
    const stop = new AbortController();
    let done = false;
    const waiting = sleep(2 ** 31 + 1_000, stop.signal).then(() => (done = true));
    await Bun.sleep(100);
    expect(done).toBe(false);
    stop.abort();
    await waiting;
    expect(done).toBe(true);
  });
});

describe('paper:demo --speed', () => {
  test('0.0000001 bars per second (a bar every 115 days) releases no bar at once; Ctrl-C stops it cleanly', async () => {
    const db = join(dir, 'slow.db');
    const run = startCommand('paper-demo', ['--speed', '0.0000001', '--bars', '3', '--db', db, '--quiet']);
    started.push(run);
    await run.waitFor(/^session \S+ started/, 60_000);
    await Bun.sleep(1_500);
    expect(barsJournaled(db)).toBe(0);
    run.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(run.lines.join('\n')).toMatch(/^stopped; run the same command again to resume session/m);
  }, 60_000);

  test('a speed whose bar interval is beyond any number is refused in one line', async () => {
    const r = await runCommand('paper-demo', ['--speed', '1e-320', '--db', join(dir, 'never.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: --speed: "1e-320" is not a number of bars per second (0 = as fast as possible)');
  }, 60_000);
});

function journalBars(path: string): { symbol: string }[][] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query("SELECT payload FROM journal WHERE kind = 'bars' ORDER BY seq").all() as { payload: string }[]).map(
      (r) => (JSON.parse(r.payload) as { bars: { symbol: string }[] }).bars,
    );
  } finally {
    db.close();
  }
}

describe('paper:demo --symbols and --bars', () => {
  test('--bars counts each symbol: 5 bars of NVDA and of ORCL, the last journal entry holding both', async () => {
    const db = join(dir, 'two.db');
    const r = await runCommand('paper-demo', ['--symbols', 'NVDA,ORCL', '--from', '2010-01-04', '--bars', '5', '--speed', '0', '--db', db, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const entries = journalBars(db);
    const count = (symbol: string) => entries.flat().filter((b) => b.symbol === symbol).length;
    expect([count('NVDA'), count('ORCL')]).toEqual([5, 5]);
    expect(entries.at(-1)!.map((b) => b.symbol).sort()).toEqual(['NVDA', 'ORCL']);
  }, 60_000);

  test('a symbol given twice is refused in one line', async () => {
    const r = await runCommand('paper-demo', ['--symbols', 'BTC/USD,BTC/USD', '--speed', '0', '--bars', '5', '--db', join(dir, 'twice.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: --symbols: "BTC/USD" is listed twice');
  }, 60_000);

  test('a symbol with no bars in the stretch is refused in one line naming where its data ends', async () => {
    const r = await runCommand('paper-demo', ['--symbols', 'BTC/USD,NVDA', '--speed', '0', '--bars', '5', '--db', join(dir, 'dead.db')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: --from: no NVDA bars on or after 2017-06-01 (its data ends 2014-12-31); pick an earlier --from or leave NVDA out');
  }, 60_000);
});

describe('resume with nothing to lift', () => {
  test('resume on a session that is not halted, and resume --reset outside a drawdown halt, say nothing changed', async () => {
    const db = join(dir, 'resume.db');
    const run = startCommand('paper-demo', ['--speed', '4', '--bars', '400', '--db', db, '--quiet']);
    started.push(run);
    await run.waitFor(/^session \S+ started/, 60_000);
    const resume = await runCommand('resume', ['--db', db]);
    expect(resume.code).toBe(0);
    expect(resume.stdout.trim()).toMatch(/^resume taken by session \S+ \(journal entry \d+\): nothing changed — the session was not halted by the operator \(its breaker is trading\)$/);
    const reset = await runCommand('resume', ['--db', db, '--reset']);
    expect(reset.stdout.trim()).toMatch(/^reset taken by session \S+ \(journal entry \d+\): nothing changed — the session is not in a drawdown halt \(its breaker is trading\)$/);
    // Halted by the operator, the resume lifts it: no such note; a reset then would change nothing either.
    expect((await runCommand('halt', ['--db', db])).stdout).toMatch(/^halt taken/);
    await run.waitFor(/breaker tripped → halted\.manual|^operator halt/, 10_000).catch(() => undefined);
    const resetWhileManual = await runCommand('resume', ['--db', db, '--reset']);
    expect(resetWhileManual.stdout.trim()).toMatch(/nothing changed — the session is not in a drawdown halt \(its breaker is halted\.manual; `bun run resume` without --reset lifts a manual halt\)$/);
    const lifted = await runCommand('resume', ['--db', db]);
    expect(lifted.stdout.trim()).toMatch(/^resume taken by session \S+ \(journal entry \d+\)$/);
    run.kill('SIGINT');
    expect(await run.exited).toBe(0);
  }, 60_000);
});
