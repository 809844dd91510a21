// A session's journal and its operator-command inbox. Each append is its own committed transaction: an input
// is durable before the pipeline acts on it.
import { and, asc, eq, isNull } from 'drizzle-orm';
import type { Db } from './client.ts';
import { journal, operatorCommands, type JournalRow, type OperatorCommandRow } from './schema.ts';

export type JournalKind = JournalRow['kind'];

export interface JournalAppend {
  runId: string;
  kind: JournalKind;
  ts: number;
  wallTs: number;
  payload: unknown;
}

export function appendJournal(db: Db, entry: JournalAppend): number {
  const row = db.insert(journal).values(entry).returning({ seq: journal.seq }).get();
  return row.seq;
}

export function loadJournal(db: Db, runId: string): JournalRow[] {
  return db.select().from(journal).where(eq(journal.runId, runId)).orderBy(asc(journal.seq)).all();
}

export type CommandKind = OperatorCommandRow['kind'];

export function issueCommand(
  db: Db,
  command: { runId: string; kind: CommandKind; flatten: boolean; reason: string; issuedAt: number },
): number {
  return db.insert(operatorCommands).values(command).returning({ id: operatorCommands.id }).get().id;
}

export function waitingCommands(db: Db, runId: string): OperatorCommandRow[] {
  return db
    .select()
    .from(operatorCommands)
    .where(and(eq(operatorCommands.runId, runId), isNull(operatorCommands.journalSeq)))
    .orderBy(asc(operatorCommands.id))
    .all();
}

/** Journals a waiting command and marks it taken, in one transaction: taken exactly once, even across a crash. */
export function takeCommand(db: Db, command: OperatorCommandRow, entry: Omit<JournalAppend, 'runId' | 'kind'>): number {
  return db.transaction((tx) => {
    const seq = tx
      .insert(journal)
      .values({ ...entry, runId: command.runId, kind: 'command' })
      .returning({ seq: journal.seq })
      .get().seq;
    tx.update(operatorCommands).set({ journalSeq: seq }).where(eq(operatorCommands.id, command.id)).run();
    return seq;
  });
}

export function commandByJournalSeq(db: Db, seq: number): OperatorCommandRow | undefined {
  return db.select().from(operatorCommands).where(eq(operatorCommands.journalSeq, seq)).get();
}
