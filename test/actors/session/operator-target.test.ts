// Which session `bun run halt` / `resume` / `replay` and the dashboard's `/` mean when a session database holds
// several: the one a live process runs, never a newer finished or killed one; where several could be meant,
// halt and resume name them and ask for --session.
import { afterAll, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { findSession } from '../../../actors/session/replay-session.ts';
import { closeDb, openDb } from '../../../db/client.ts';
import { createDashboard } from '../../../web/app.ts';
import { runCommand, startCommand, type RunningCommand } from '../../support/paper-process.ts';
import { tempDir } from '../../support/real-data.ts';

const db = join(tempDir('qs-operator-target-'), 'paper_trading.db');
const started: RunningCommand[] = [];
afterAll(() => {
  for (const run of started) run.kill('SIGKILL');
});

async function startSession(extra: string[] = []): Promise<{ run: RunningCommand; id: string }> {
  const run = startCommand('paper-demo', ['--speed', '2', '--bars', '400', '--db', db, '--quiet', ...extra]);
  started.push(run);
  const line = await run.waitFor(/^session \S+ started/, 60_000);
  return { run, id: line.split(' ')[1]! };
}

describe('the session a command means', () => {
  let a: { run: RunningCommand; id: string };
  let killed: { run: RunningCommand; id: string };
  let finished: string;

  test('halt and resume go to the running session, not to a newer finished or killed one', async () => {
    a = await startSession();
    // A newer session killed with SIGKILL: its row still says running.
    killed = await startSession(['--new-session']);
    killed.run.kill('SIGKILL');
    await killed.run.exited;
    // The newest: a short session that finishes.
    const done = await runCommand('paper-demo', ['--speed', '0', '--bars', '10', '--db', db, '--quiet', '--new-session']);
    expect(done.code).toBe(0);
    finished = /^session (\S+) started/m.exec(done.stdout)![1]!;

    const halt = await runCommand('halt', ['--db', db, '--reason', 'target drill']);
    expect(halt.stderr).toBe('');
    expect(halt.stdout).toMatch(new RegExp(`^halt taken by session ${a.id} \\(journal entry \\d+\\)`));
    await a.run.waitFor(/^operator halt: target drill/, 10_000).catch(() => undefined);
    const resume = await runCommand('resume', ['--db', db]);
    expect(resume.stdout).toMatch(new RegExp(`^resume taken by session ${a.id}`));
    expect(resume.code).toBe(0);
  }, 180_000);

  test("replay and the dashboard's / open the running session too", async () => {
    const handle = openDb(db);
    try {
      expect(findSession(handle)?.id).toBe(a.id);
      expect(findSession(handle, finished)?.id).toBe(finished);
    } finally {
      closeDb(handle);
    }
    const dashboard = createDashboard({ dbPath: db, backtestsDir: join(tempDir(), 'none') });
    try {
      const response = await dashboard.app.request('http://localhost/');
      expect(response.status).toBe(302);
      expect(response.headers.get('location')).toContain(encodeURIComponent(a.id));
    } finally {
      dashboard.close();
    }
  }, 60_000);

  test('with two sessions running, halt names both and asks for --session; --session picks one', async () => {
    const d = await startSession(['--new-session']);
    const halt = await runCommand('halt', ['--db', db]);
    expect(halt.code).toBe(1);
    const line = halt.stderr.trim();
    expect(line.split('\n')).toHaveLength(1);
    expect(line).toContain(`2 sessions are running: ${d.id} (paper, running), ${a.id} (paper, running); pass --session ID to say which to halt`);
    const chosen = await runCommand('halt', ['--db', db, '--session', d.id]);
    expect(chosen.stdout).toMatch(new RegExp(`^halt taken by session ${d.id}`));
    d.run.kill('SIGINT');
    expect(await d.run.exited).toBe(0);
  }, 120_000);

  test('with none running, an unfinished one is not guessed among several; a killed one is said to be not running', async () => {
    a.run.kill('SIGINT');
    expect(await a.run.exited).toBe(0);
    const halt = await runCommand('halt', ['--db', db]);
    expect(halt.code).toBe(1);
    expect(halt.stderr).toMatch(/no session is running and 3 are unfinished: .*; pass --session ID to say which to halt/);
    const queued = await runCommand('halt', ['--db', db, '--session', killed.id]);
    expect(queued.code).toBe(0);
    expect(queued.stdout.trim()).toMatch(
      new RegExp(`^session ${killed.id} is not running \\(its process has ended, last heartbeat \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\); the halt is queued and takes effect when it resumes$`),
    );
    const stopped = await runCommand('resume', ['--db', db, '--session', a.id]);
    expect(stopped.stdout.trim()).toMatch(new RegExp(`^session ${a.id} is not running \\(stopped, last heartbeat .* UTC\\); the resume is queued`));
  }, 60_000);
});

describe('a session database that does not exist', () => {
  test('halt, resume and replay say so in one line and name the command that starts one: live for the live DB', async () => {
    const dir = tempDir('qs-no-session-');
    for (const [file, hint] of [['paper_trading.db', '`bun run paper:demo` or `bun run paper`'], ['live_trading.db', '`bun run live`']] as const) {
      const path = join(dir, file);
      for (const command of ['halt', 'resume', 'replay']) {
        const run = await runCommand(command, ['--db', path]);
        expect({ command, code: run.code, stderr: run.stderr.trim() }).toEqual({ command, code: 1, stderr: `error: ${path}: no such session database (start one with ${hint})` });
      }
    }
  }, 60_000);
});
