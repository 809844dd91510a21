// `bun run halt` / `bun run resume`: the operator's commands to a paper or live session. They go into the
// session database's inbox; the running session takes them within a second, journals and applies them.
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { and, desc, eq, gt, inArray } from 'drizzle-orm';
import { closeDb, openDb, type Db } from '../../db/client.ts';
import { issueCommand, waitingCommands, type CommandKind } from '../../db/journal.ts';
import { operatorCommands, riskEvents, runs, type RunRow } from '../../db/schema.ts';
import { sleep } from '../session/bar-source.ts';
import { sessionRunning } from '../session/session-owner.ts';

export interface OperatorCommandRequest {
  dbPath: string;
  kind: CommandKind;
  flatten: boolean;
  reason: string;
  sessionId?: string;
  /** How long to wait for a running session to take the command. */
  waitMs?: number;
}

const MAX_LISTED = 5;

const utc = (ts: number): string => `${new Date(ts).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

function listed(sessions: RunRow[]): string {
  const shown = sessions.slice(0, MAX_LISTED).map((s) => `${s.id} (${s.mode}, ${s.status})`);
  return shown.join(', ') + (sessions.length > MAX_LISTED ? ` and ${sessions.length - MAX_LISTED} more` : '');
}

/**
 * The session a command without --session means: the one a live process runs; with none running, the one
 * unfinished session. Where several could be meant, none is guessed: the error lists them and asks for --session.
 */
function targetSession(db: Db, dbPath: string, kind: CommandKind, now: number): RunRow {
  const sessions = db.select().from(runs).where(inArray(runs.mode, ['paper', 'live'])).orderBy(desc(runs.startedAt)).all();
  if (sessions.length === 0) throw new Error(`${dbPath}: no paper or live session in this database`);
  const running = sessions.filter((s) => sessionRunning(s, now));
  if (running.length === 1) return running[0]!;
  if (running.length > 1) throw new Error(`${dbPath}: ${running.length} sessions are running: ${listed(running)}; pass --session ID to say which to ${kind}`);
  const unfinished = sessions.filter((s) => s.status !== 'finished');
  if (unfinished.length === 1) return unfinished[0]!;
  if (unfinished.length > 1) {
    throw new Error(`${dbPath}: no session is running and ${unfinished.length} are unfinished: ${listed(unfinished)}; pass --session ID to say which to ${kind}`);
  }
  const newest = sessions[0]!;
  throw new Error(`${dbPath}: no session is running or unfinished (the newest, ${newest.id}, finished${newest.finishedAt ? ` at ${utc(newest.finishedAt)}` : ''}); there is nothing to ${kind}`);
}

/** The breaker's state from the session's recorded breaker events (`trading` before the first), and the last event's seq. */
function breakerNow(db: Db, runId: string): { state: string; lastEvent: number } {
  const last = db
    .select({ seq: riskEvents.seq, state: riskEvents.state })
    .from(riskEvents)
    .where(and(eq(riskEvents.runId, runId), inArray(riskEvents.kind, BREAKER_EVENTS)))
    .orderBy(desc(riskEvents.seq))
    .get();
  return { state: last?.state ?? 'trading', lastEvent: last?.seq ?? 0 };
}

const BREAKER_EVENTS: ('breaker_tripped' | 'breaker_lifted' | 'breaker_reset')[] = ['breaker_tripped', 'breaker_lifted', 'breaker_reset'];

function breakerEventsAfter(db: Db, runId: string, seq: number): number {
  return db
    .select({ seq: riskEvents.seq })
    .from(riskEvents)
    .where(and(eq(riskEvents.runId, runId), inArray(riskEvents.kind, BREAKER_EVENTS), gt(riskEvents.seq, seq)))
    .all().length;
}

/**
 * A resume lifts only a manual halt and a reset only a drawdown halt: when the breaker is in neither and no
 * command waits before this one, the command will change nothing unless the breaker moves before the session
 * takes it (checked then: no breaker event since).
 */
function kindNoOp(db: Db, runId: string, kind: CommandKind): { why: string; lastEvent: number } | undefined {
  if (kind === 'halt' || waitingCommands(db, runId).length > 0) return undefined;
  const { state, lastEvent } = breakerNow(db, runId);
  if (kind === 'resume' && state !== 'halted.manual') {
    return { lastEvent, why: `the session was not halted by the operator (its breaker is ${state}${state === 'halted.drawdown' ? '; `bun run resume --reset` lifts a drawdown halt' : ''})` };
  }
  if (kind === 'reset' && state !== 'halted.drawdown') {
    return { lastEvent, why: `the session is not in a drawdown halt (its breaker is ${state}${state === 'halted.manual' ? '; `bun run resume` without --reset lifts a manual halt' : ''})` };
  }
  return undefined;
}

/** Why a session that is not running is not: the line says it plainly, with its last sign of life. */
function notRunning(session: RunRow): string {
  const state = session.status === 'running' ? 'its process has ended' : session.status;
  return `${state}${session.heartbeatAt !== null ? `, last heartbeat ${utc(session.heartbeatAt)}` : ''}`;
}

export async function sendOperatorCommand(req: OperatorCommandRequest): Promise<string> {
  if (!existsSync(req.dbPath)) throw new Error(`${req.dbPath}: no such session database (${startSessionHint(req.dbPath)})`);
  const db = openDb(req.dbPath);
  try {
    const now = Date.now();
    const session = req.sessionId ? db.select().from(runs).where(eq(runs.id, req.sessionId)).get() : targetSession(db, req.dbPath, req.kind, now);
    if (session === undefined) throw new Error(`${req.dbPath}: no session ${req.sessionId}`);
    if (session.mode === 'backtest') throw new Error(`${session.id} is a backtest, not a session`);
    if (session.status === 'finished') throw new Error(`session ${session.id} has finished; there is nothing to ${req.kind}`);
    const noOp = kindNoOp(db, session.id, req.kind);
    const id = issueCommand(db, {
      runId: session.id,
      kind: req.kind,
      flatten: req.flatten,
      reason: req.reason,
      issuedAt: now,
    });
    const what = `${req.kind}${req.flatten ? ' --flatten' : ''}`;
    if (!sessionRunning(session, now)) {
      return `session ${session.id} is not running (${notRunning(session)}); the ${what} is queued and takes effect when it resumes`;
    }
    const deadline = Date.now() + (req.waitMs ?? 3_000);
    while (Date.now() < deadline) {
      const row = db.select().from(operatorCommands).where(eq(operatorCommands.id, id)).get();
      if (row?.journalSeq !== null && row?.journalSeq !== undefined) {
        const unchanged = noOp !== undefined && breakerEventsAfter(db, session.id, noOp.lastEvent) === 0;
        return `${what} taken by session ${session.id} (journal entry ${row.journalSeq})${unchanged ? `: nothing changed — ${noOp.why}` : ''}`;
      }
      await sleep(50);
    }
    return `${what} queued for session ${session.id}, not yet taken: is the session still running?`;
  } finally {
    closeDb(db);
  }
}

/** How a session database comes to exist: a live one by `bun run live`, any other by a paper session. */
export function startSessionHint(dbPath: string): string {
  return basename(dbPath) === 'live_trading.db' ? 'start one with `bun run live`' : 'start one with `bun run paper:demo` or `bun run paper`';
}
