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
  /** Live sessions: the venue's fills against the fill model's, order by order. */
  fillGap?: FillGapReport;
}

/** The session `replay` means without --session: the one a live process runs (the newest of those), else the newest. */
export function findSession(db: Db, sessionId?: string, now: number = Date.now()): RunRow | undefined {
  if (sessionId) return db.select().from(runs).where(eq(runs.id, sessionId)).get();
  const sessions = db.select().from(runs).where(inArray(runs.mode, ['paper', 'live'])).orderBy(desc(runs.startedAt)).all();
  return sessions.find((s) => sessionRunning(s, now)) ?? sessions[0];
}

export async function replaySession(db: Db, session: RunRow): Promise<ReplayResult> {
  const snapshot = session.config as unknown as SessionSnapshot;
  const rows = loadJournal(db, session.id);
  const memory = openDb(':memory:');
  try {
    const live = snapshot.venue !== undefined;
    // A live session goes through the backtest path: the simulator fills where the venue did.
    const pipeline = await sessionPipeline(session.id, snapshot, createEventWriter(memory, session.id), undefined, live ? 'simulated' : 'snapshot');
    replayJournal(pipeline, rows);
    pipeline.stop();
    const bars = rows.reduce((n, r) => n + (r.kind === 'bars' ? (r.payload as { bars: unknown[] }).bars.length : 0), 0);
    if (live) {
      const read = (d: Db) => d.select().from(fills).where(eq(fills.runId, session.id)).orderBy(asc(fills.seq)).all();
      return { session, entries: rows.length, bars, differences: [], fillGap: fillGap(read(db), read(memory)) };
    }
    return { session, entries: rows.length, bars, differences: diffRunTables(db, memory, session.id, REPLAY_TABLES) };
  } finally {
    closeDb(memory);
  }
}
