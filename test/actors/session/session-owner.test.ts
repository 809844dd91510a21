// One process per session: a second `paper:demo` (or `live`) on a session another live process runs is refused
// in one line and writes nothing; two started at the same moment cannot both win; a SIGKILLed owner never blocks
// the restart.
import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { sessionRunning, thisProcess } from '../../../actors/session/session-owner.ts';
import { query, runCommand, startCommand, type RunningCommand } from '../../support/paper-process.ts';
import { liveDirs, startLive, startLiveStandIn } from '../../support/live-process.ts';
import { tempDir } from '../../support/real-data.ts';

const dir = tempDir('qs-session-owner-');
const started: RunningCommand[] = [];
afterAll(() => {
  for (const run of started) run.kill('SIGKILL');
});

function start(args: string[]): RunningCommand {
  const run = startCommand('paper-demo', args);
  started.push(run);
  return run;
}

/** Bars journaled twice (two processes feeding one session) and equity points recorded twice. */
function duplicates(path: string): { bars: number; equity: number } {
  return {
    bars: query<{ n: number }>(path, "SELECT COUNT(*) - COUNT(DISTINCT ts) AS n FROM journal WHERE kind = 'bars'")[0]!.n,
    equity: query<{ n: number }>(path, 'SELECT COUNT(*) - COUNT(DISTINCT ts) AS n FROM equity_snapshots')[0]!.n,
  };
}

describe('a session runs in one process at a time', () => {
  test('a second paper:demo on a running session is refused in one line naming the owner; a SIGKILLed owner is resumed at once', async () => {
    const db = join(dir, 'dup.db');
    const args = ['--speed', '4', '--bars', '400', '--db', db, '--quiet'];
    const a = start(args);
    await a.waitFor(/^session \S+ started/, 60_000);
    await Bun.sleep(1_500);
    const b = await runCommand('paper-demo', args);
    expect(b.code).not.toBe(0);
    expect(b.stdout).not.toMatch(/resumed from its journal/);
    const line = b.stderr.trim().split('\n');
    expect(line).toHaveLength(1);
    expect(line[0]).toMatch(new RegExp(`session paper-\\S+ is already running in process ${a.pid} \\(last heartbeat \\d+\\.\\d s ago\\); stop it first`));
    // A is still the one trading: more bars arrive, none twice.
    const bars = () => query<{ n: number }>(db, "SELECT COUNT(*) AS n FROM journal WHERE kind = 'bars'")[0]!.n;
    const before = bars();
    await Bun.sleep(1_000);
    expect(bars()).toBeGreaterThan(before);
    expect(duplicates(db)).toEqual({ bars: 0, equity: 0 });

    // SIGKILL leaves the claim behind; the owner's PID is gone, so the same command resumes right away.
    a.kill('SIGKILL');
    await a.exited;
    const c = start(args);
    await c.waitFor(/^session \S+ resumed from its journal/, 60_000);
    await Bun.sleep(600);
    c.kill('SIGINT');
    expect(await c.exited).toBe(0);
    expect(query(db, 'SELECT status, owner_pid FROM runs')).toEqual([{ status: 'stopped', owner_pid: null }]);
    expect(duplicates(db)).toEqual({ bars: 0, equity: 0 });
    const replay = await runCommand('replay', ['--db', db]);
    expect(replay.stdout).toContain('\n0 differences');
    expect(replay.code).toBe(0);
  }, 180_000);

  test('two processes starting at the same moment: one session, one runner, the other refused', async () => {
    for (const stage of ['new', 'resume'] as const) {
      const db = join(dir, 'race.db');
      const args = ['--speed', '10', '--bars', '400', '--db', db, '--quiet'];
      const runs = [start(args), start(args)];
      const outcomes = await Promise.all(
        runs.map((r) => r.waitFor(/^session \S+ (started|resumed)/, 60_000).then(() => 'runs', async () => ((await r.exited) !== 0 ? 'refused' : 'exited'))),
      );
      expect([...outcomes].sort()).toEqual(['refused', 'runs']);
      const loser = runs[outcomes.indexOf('refused')]!;
      expect((await loser.stderr()).trim()).toMatch(/is already running in process \d+|at the same moment; run this command again/);
      const winner = runs[outcomes.indexOf('runs')]!;
      await Bun.sleep(800);
      winner.kill('SIGINT');
      expect(await winner.exited).toBe(0);
      expect(query(db, 'SELECT COUNT(*) AS n FROM runs')).toEqual([{ n: 1 }]);
      expect(duplicates(db)).toEqual({ bars: 0, equity: 0 });
    }
  }, 180_000);

  test('bun run live on a session another live process runs is refused before it asks the venue for anything, --new-session too', async () => {
    const standIn = startLiveStandIn({ from: '2019-06-01', bars: 200, warmBars: 30 });
    const dirs = liveDirs();
    const first = startLive(standIn, dirs, ['--confirm-live']);
    started.push(first);
    try {
      await first.waitFor(/^session \S+ started/, 60_000);
      await first.waitFor(/^reconcile venue and journal agree/, 60_000);
      // The venue's markets and balances: the first process read them at its start; a refused one reads nothing.
      const venueReads = (): number => standIn.server.requests.filter((r) => r.route === 'exchangeInfo' || r.route === 'account').length;
      const readsBefore = venueReads();
      const second = startLive(standIn, dirs, ['--confirm-live']);
      started.push(second);
      expect(await second.exited).not.toBe(0);
      expect((await second.stderr()).trim()).toMatch(new RegExp(`session live-\\S+ is already running in process ${first.pid} .*; stop it first \\(Ctrl-C in its terminal \\(kill ${first.pid}\\)\\) and run this command again to resume it$`));
      expect(second.lines.join('\n')).not.toMatch(/^session \S+ (started|resumed)/m);
      expect(second.lines.join('\n')).not.toMatch(/^venue /m);
      // --new-session would open a second live session on the same account beside the running one.
      const third = startLive(standIn, dirs, ['--confirm-live', '--new-session']);
      started.push(third);
      expect(await third.exited).not.toBe(0);
      expect((await third.stderr()).trim()).toMatch(
        new RegExp(`live session live-\\S+ on ccxt is already running in process ${first.pid}; two live sessions on one account would trade against each other's positions: stop it first \\(kill ${first.pid}\\), or keep another account's session in another --db$`),
      );
      expect(third.lines.join('\n')).not.toMatch(/^venue /m);
      expect(venueReads()).toBe(readsBefore);
      expect(query(dirs.db, 'SELECT COUNT(*) AS n FROM runs')).toEqual([{ n: 1 }]);
      expect(query(dirs.db, 'SELECT owner_pid FROM runs')).toEqual([{ owner_pid: first.pid }]);
    } finally {
      first.kill('SIGKILL');
      standIn.server.stop();
    }
  }, 180_000);
});

describe('sessionRunning', () => {
  const me = thisProcess();
  const row = { status: 'running' as const, heartbeatAt: 0, ownerPid: me.pid, ownerHost: me.host, ownerStart: me.start };
  const now = 1_000_000;

  test('a running session owned by a live process on this host is running, whatever its heartbeat', () => {
    expect(sessionRunning(row, now)).toBe(true);
  });

  test('an owner whose PID now belongs to another process (another start time) is not running', () => {
    expect(sessionRunning({ ...row, ownerStart: `${me.start.split(':')[0]}:1` }, now)).toBe(me.start === '');
  });

  test('an owner whose PID is gone is not running, even with a fresh heartbeat', async () => {
    const child = Bun.spawn(['true']);
    await child.exited;
    expect(sessionRunning({ ...row, ownerPid: child.pid, ownerStart: '', heartbeatAt: now }, now)).toBe(false);
  });

  test('stopped sessions are not running; without an owner on this host the heartbeat decides', () => {
    expect(sessionRunning({ ...row, status: 'stopped' }, now)).toBe(false);
    expect(sessionRunning({ ...row, ownerPid: null, heartbeatAt: now - 1_000 }, now)).toBe(true);
    expect(sessionRunning({ ...row, ownerPid: null, heartbeatAt: now - 60_000 }, now)).toBe(false);
    expect(sessionRunning({ ...row, ownerHost: 'elsewhere', heartbeatAt: now - 60_000 }, now)).toBe(false);
    expect(sessionRunning({ ...row, ownerHost: 'elsewhere', heartbeatAt: now - 1_000 }, now)).toBe(true);
  });
});
