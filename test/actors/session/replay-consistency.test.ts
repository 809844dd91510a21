// `bun run replay` on a session that is still running reads its journal and its recorded rows as one moment:
// 0 differences, however fast the session writes. On a session whose process died between journaling an input
// and writing what it derived, the missing rows say that a restart recovers them — and it does.
import { Database } from 'bun:sqlite';
import { afterAll, describe, expect, test } from 'bun:test';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { UNFLUSHED_BY_CRASH } from '../../../actors/session/replay-session.ts';
import { eventTableNames } from '../../../db/run-diff.ts';
import { query, runCommand, startCommand, type RunningCommand } from '../../support/paper-process.ts';
import { tempDir } from '../../support/real-data.ts';

const dir = tempDir('qs-replay-consistency-');
const started: RunningCommand[] = [];
afterAll(() => {
  for (const run of started) run.kill('SIGKILL');
});

describe('replay reads one consistent moment', () => {
  test('on a running session, every replay finds 0 differences', async () => {
    const db = join(dir, 'running.db');
    const session = startCommand('paper-demo', ['--speed', '400', '--from', '2012-01-01', '--bars', '4000', '--db', db, '--quiet']);
    started.push(session);
    await session.waitFor(/^session \S+ started/, 60_000);
    await Bun.sleep(1_500);
    for (let i = 0; i < 4; i++) {
      const r = await runCommand('replay', ['--db', db]);
      expect(r.stdout.split('\n').filter((l) => !/^session |^0 differences$/.test(l))).toEqual([]);
      expect(r.stdout).toContain('\n0 differences');
      expect(r.code).toBe(0);
    }
    // It was running all along.
    expect(session.lines.some((l) => /^stopped|^session .* \(finished\)/.test(l))).toBe(false);
    session.kill('SIGKILL');
  }, 180_000);

  test('after a crash before the derived rows were written, replay says a restart recovers them; the restart does', async () => {
    // Which bar of the demo stretch fills an order: the session is made to die right after journaling it.
    const probe = join(dir, 'probe.db');
    expect((await runCommand('paper-demo', ['--speed', '0', '--bars', '120', '--db', probe, '--quiet'])).code).toBe(0);
    const bars = query<{ ts: number }>(probe, "SELECT json_extract(payload, '$.bars[0].ts') AS ts FROM journal WHERE kind = 'bars' ORDER BY seq").map((r) => r.ts);
    const lastFill = query<{ ts: number }>(probe, 'SELECT MAX(ts) AS ts FROM fills')[0]!.ts;
    const k = bars.indexOf(lastFill) + 1;
    expect(k).toBeGreaterThan(1);
    // The rows a session derives before that bar (a session of k - 1 bars), and a session of k bars.
    const shorter = join(dir, 'shorter.db');
    const db = join(dir, 'crashed.db');
    const args = ['--speed', '0', '--bars', String(k), '--db', db, '--quiet'];
    expect((await runCommand('paper-demo', ['--speed', '0', '--bars', String(k - 1), '--db', shorter, '--quiet'])).code).toBe(0);
    expect((await runCommand('paper-demo', args)).code).toBe(0);
    // The crash: bar k journaled, nothing it derived written, no end entry, an owner whose process is gone.
    const sqlite = new Database(db);
    sqlite.query("DELETE FROM journal WHERE kind = 'end'").run();
    for (const table of eventTableNames()) {
      const own = table === 'state_transitions' ? "actor <> 'session'" : table === 'alerts' ? "key NOT LIKE 'session:%'" : '1';
      const keep = query<{ n: number }>(shorter, `SELECT COUNT(*) AS n FROM "${table}" WHERE ${own}`)[0]!.n;
      sqlite.query(`DELETE FROM "${table}" WHERE ${own} AND seq NOT IN (SELECT seq FROM "${table}" WHERE ${own} ORDER BY seq LIMIT ?)`).run(keep);
    }
    const gone = Bun.spawn(['true']);
    await gone.exited;
    sqlite.query("UPDATE runs SET status = 'running', finished_at = NULL, owner_pid = ?, owner_host = ?, owner_start = '', heartbeat_at = ?").run(gone.pid, hostname(), Date.now() - 60_000);
    sqlite.close();

    const replay = await runCommand('replay', ['--db', db]);
    expect(replay.code).toBe(1);
    const differences = replay.stdout.split('\n').filter((l) => /^\w+ #\d+ /.test(l));
    expect(differences.length).toBeGreaterThan(0);
    for (const line of differences) expect(line).toContain(`(row) recorded ${JSON.stringify(UNFLUSHED_BY_CRASH)}, replayed "present"`);
    expect(differences.some((l) => l.startsWith('fills '))).toBe(true);
    expect(replay.stdout).toMatch(/^session \S+ \(paper, not running: its process has ended\): /);
    expect(replay.stdout).toContain(`\n${differences.length} of them are rows the session's process had not written when it ended: running its command again recovers them`);

    const restart = await runCommand('paper-demo', args);
    expect(restart.stderr).toBe('');
    expect(restart.stdout).toMatch(/^session \S+ resumed from its journal: \d+ entries replayed and checked, recovered unflushed rows \(.*fills \d/m);
    const again = await runCommand('replay', ['--db', db]);
    expect(again.stdout).toContain('\n0 differences');
    expect(again.code).toBe(0);
  }, 180_000);
});
