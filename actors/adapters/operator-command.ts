// `bun run halt` / `bun run resume`: the operator's commands to a paper or live session. They go into the
// session database's inbox; the running session takes them within a second, journals and applies them.
import { existsSync } from 'node:fs';
import { desc, eq, inArray } from 'drizzle-orm';
import { closeDb, openDb } from '../../db/client.ts';
import { issueCommand, type CommandKind } from '../../db/journal.ts';
import { operatorCommands, runs } from '../../db/schema.ts';
import { sleep } from '../session/bar-source.ts';

export interface OperatorCommandRequest {
  dbPath: string;
  kind: CommandKind;
  flatten: boolean;
  reason: string;
  sessionId?: string;
  /** How long to wait for a running session to take the command. */
  waitMs?: number;
}

/** A session whose heartbeat is older than this is not running. */
const ALIVE_MS = 5_000;

export async function sendOperatorCommand(req: OperatorCommandRequest): Promise<string> {
  if (!existsSync(req.dbPath)) throw new Error(`${req.dbPath}: no such session database (start one with \`bun run paper:demo\` or \`bun run paper\`)`);
  const db = openDb(req.dbPath);
  try {
    const session = req.sessionId
      ? db.select().from(runs).where(eq(runs.id, req.sessionId)).get()
      : db.select().from(runs).where(inArray(runs.mode, ['paper', 'live'])).orderBy(desc(runs.startedAt)).get();
    if (session === undefined) {
      throw new Error(req.sessionId ? `${req.dbPath}: no session ${req.sessionId}` : `${req.dbPath}: no paper or live session in this database`);
    }
    if (session.mode === 'backtest') throw new Error(`${session.id} is a backtest, not a session`);
    if (session.status === 'finished') throw new Error(`session ${session.id} has finished; there is nothing to ${req.kind}`);
    const id = issueCommand(db, {
      runId: session.id,
      kind: req.kind,
      flatten: req.flatten,
      reason: req.reason,
      issuedAt: Date.now(),
    });
    const what = `${req.kind}${req.flatten ? ' --flatten' : ''}`;
    const alive = session.status === 'running' && session.heartbeatAt !== null && Date.now() - session.heartbeatAt < ALIVE_MS;
    if (!alive) return `${what} queued for session ${session.id} (${session.status}, not running now): it takes effect when the session resumes`;
    const deadline = Date.now() + (req.waitMs ?? 3_000);
    while (Date.now() < deadline) {
      const row = db.select().from(operatorCommands).where(eq(operatorCommands.id, id)).get();
      if (row?.journalSeq !== null && row?.journalSeq !== undefined) {
        return `${what} taken by session ${session.id} (journal entry ${row.journalSeq})`;
      }
      await sleep(50);
    }
    return `${what} queued for session ${session.id}, not yet taken: is the session still running?`;
  } finally {
    closeDb(db);
  }
}
