// paper:demo's flags as a user gives them: a --speed so slow that a bar interval passes setTimeout's limit waits
// (it does not run at full speed); a speed with no interval at all is refused in one line.
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
