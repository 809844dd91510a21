// `bun run replay`: a recorded session's journal through the backtest assembly — the same pipeline, the
// simulated executor, the session's own config snapshot — compared field by field with what it recorded.
import { asc, desc, eq, inArray } from 'drizzle-orm';
import { closeDb, openDb, type Db } from '../../db/client.ts';
import { createEventWriter } from '../../db/events.ts';
import { loadJournal } from '../../db/journal.ts';
import { diffRunTables, type FieldDifference } from '../../db/run-diff.ts';
import { fills, runs, type RunRow } from '../../db/schema.ts';
import { fillGap, type FillGapReport } from '../../machines/execution/fill-gap.ts';
import { replayJournal } from './journal-entries.ts';
import { sessionPipeline, type SessionSnapshot } from './session-config.ts';
import { sessionRunning } from './session-owner.ts';

export const REPLAY_TABLES = ['signals', 'risk_decisions', 'orders', 'order_updates', 'fills'] as const;

export interface ReplayResult {
  session: RunRow;
  entries: number;
  bars: number;
  differences: FieldDifference[];
  /**
   * Rows derived from the last journal entry that are not recorded yet. A running session journals an input,
   * then writes what it derived: those are being written, not differences, and are left out. A session whose
   * process ended there (a crash) never wrote them: they stay among the differences, each saying that running
   * the session's command again recovers them.
   */
  unflushed: { rows: number; running: boolean };
  /** Live sessions: the venue's fills against the fill model's, order by order. */
  fillGap?: FillGapReport;
}

export const UNFLUSHED_BY_CRASH = 'missing (not written before the session\'s process ended; running its command again recovers it)';

function rowCounts(db: Db, runId: string): Map<string, number> {
  return new Map(REPLAY_TABLES.map((t) => [t, db.$client.query<{ n: number }, [string]>(`SELECT COUNT(*) AS n FROM "${t}" WHERE run_id = ?`).get(runId)!.n]));
}

/** The session `replay` means without --session: the one a live process runs (the newest of those), else the newest. */
export function findSession(db: Db, sessionId?: string, now: number = Date.now()): RunRow | undefined {
  if (sessionId) return db.select().from(runs).where(eq(runs.id, sessionId)).get();
  const sessions = db.select().from(runs).where(inArray(runs.mode, ['paper', 'live'])).orderBy(desc(runs.startedAt)).all();
  return sessions.find((s) => sessionRunning(s, now)) ?? sessions[0];
}

export async function replaySession(db: Db, session: RunRow, now: number = Date.now()): Promise<ReplayResult> {
  const snapshot = session.config as unknown as SessionSnapshot;
  const memory = openDb(':memory:');
  // One read transaction over the journal and the recorded rows: a running session goes on writing while they
  // are read, and both must be of the same moment (rows of a later bar would otherwise show as differences).
  db.$client.exec('BEGIN');
  try {
    const rows = loadJournal(db, session.id);
    const running = sessionRunning(db.select().from(runs).where(eq(runs.id, session.id)).get() ?? session, now);
    const live = snapshot.venue !== undefined;
    // A live session goes through the backtest path: the simulator fills where the venue did.
    const pipeline = await sessionPipeline(session.id, snapshot, createEventWriter(memory, session.id), undefined, live ? 'simulated' : 'snapshot');
    // The last entry apart: what it derives is the only thing a session may not have written yet.
    replayJournal(pipeline, rows.slice(0, -1));
    const beforeLast = rowCounts(memory, session.id);
    replayJournal(pipeline, rows.slice(-1));
    pipeline.stop();
    const bars = rows.reduce((n, r) => n + (r.kind === 'bars' ? (r.payload as { bars: unknown[] }).bars.length : 0), 0);
    if (live) {
      const read = (d: Db) => d.select().from(fills).where(eq(fills.runId, session.id)).orderBy(asc(fills.seq)).all();
      return { session, entries: rows.length, bars, differences: [], unflushed: { rows: 0, running }, fillGap: fillGap(read(db), read(memory)) };
    }
    const all = diffRunTables(db, memory, session.id, REPLAY_TABLES);
    const unflushedRow = (d: FieldDifference): boolean => d.field === '(row)' && d.recorded === 'missing' && d.row > beforeLast.get(d.table)!;
    const unflushed = all.filter(unflushedRow).length;
    const differences = running
      ? all.filter((d) => !unflushedRow(d))
      : all.map((d) => (unflushedRow(d) ? { ...d, recorded: UNFLUSHED_BY_CRASH } : d));
    return { session, entries: rows.length, bars, differences, unflushed: { rows: unflushed, running } };
  } finally {
    db.$client.exec('COMMIT');
    closeDb(memory);
  }
}
