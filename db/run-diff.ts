// Compares a run's derived event tables in two databases row by row (seq order): a session's recorded rows
// against the rows a fresh pipeline derives from its journal. Used by crash recovery (recorded must be a
// prefix of derived; the missing tail is appended) and by `bun run replay` (every difference is reported).
import { getTableName } from 'drizzle-orm';
import type { Db } from './client.ts';
import { EVENT_TABLES, type RecordedType } from './events.ts';

type Value = string | number | null;
type Row = Record<string, Value>;

/** Session lifecycle transitions are wall-clock facts of one process, not derived from the journal. */
const SESSION_ACTOR = 'session';
/** Likewise the alerts raised about the session itself (started, stopped, failed): `session:...` keys. */
const SESSION_ALERT_PREFIX = 'session:';
/** When an alert was raised by the wall clock differs between the process that raised it and a replay. */
const WALL_CLOCK_COLUMNS = ['wall_ts'];

export interface FieldDifference {
  table: string;
  /** 1-based position of the row among the run's rows of that table. */
  row: number;
  /** The row's own id (fill id, client order id, signal id), when it has one. */
  key: string;
  field: string;
  recorded: Value | undefined;
  derived: Value | undefined;
}

const KEY_COLUMNS = ['fill_id', 'client_order_id', 'id', 'signal_id'];

function tableRows(db: Db, table: string, runId: string): Row[] {
  const rows = db.$client.query(`SELECT * FROM "${table}" WHERE run_id = ? ORDER BY seq`).all(runId) as Row[];
  const kept =
    table === 'state_transitions'
      ? rows.filter((r) => r.actor !== SESSION_ACTOR)
      : table === 'alerts'
        ? rows.filter((r) => !String(r.key).startsWith(SESSION_ALERT_PREFIX))
        : rows;
  for (const r of kept) delete r.seq;
  return kept;
}

function keyOf(row: Row | undefined): string {
  if (row === undefined) return '';
  for (const c of KEY_COLUMNS) if (row[c] !== undefined && row[c] !== null) return String(row[c]);
  return `ts ${row.ts}`;
}

function compareRow(table: string, index: number, recorded: Row | undefined, derived: Row | undefined): FieldDifference[] {
  const out: FieldDifference[] = [];
  const key = keyOf(derived ?? recorded);
  if (recorded === undefined || derived === undefined) {
    out.push({ table, row: index + 1, key, field: '(row)', recorded: recorded ? 'present' : 'missing', derived: derived ? 'present' : 'missing' });
    return out;
  }
  for (const field of Object.keys(derived)) {
    if (WALL_CLOCK_COLUMNS.includes(field)) continue;
    if (recorded[field] !== derived[field]) {
      out.push({ table, row: index + 1, key, field, recorded: recorded[field], derived: derived[field] });
    }
  }
  return out;
}

export function eventTableNames(types: readonly RecordedType[] = Object.keys(EVENT_TABLES) as RecordedType[]): string[] {
  return types.map((t) => getTableName(EVENT_TABLES[t]));
}

/** Every field that differs between the two databases' rows of the run, for the given tables. */
export function diffRunTables(recordedDb: Db, derivedDb: Db, runId: string, tables: readonly string[]): FieldDifference[] {
  const out: FieldDifference[] = [];
  for (const table of tables) {
    const recorded = tableRows(recordedDb, table, runId);
    const derived = tableRows(derivedDb, table, runId);
    const n = Math.max(recorded.length, derived.length);
    for (let i = 0; i < n; i++) out.push(...compareRow(table, i, recorded[i], derived[i]));
  }
  return out;
}

export interface TailCopy {
  /** Rows appended per table (what the crash lost between the journal write and the flush). */
  appended: Record<string, number>;
}

/**
 * Recovery: the recorded rows must equal the first rows derived from the journal (a crash can only lose an
 * unflushed tail); the missing tail is appended in one transaction. Any other difference is thrown, naming it.
 */
export function appendDerivedTail(recordedDb: Db, derivedDb: Db, runId: string): TailCopy {
  const appended: Record<string, number> = {};
  const inserts: { table: string; rows: Row[] }[] = [];
  for (const table of eventTableNames()) {
    const recorded = tableRows(recordedDb, table, runId);
    const derived = tableRows(derivedDb, table, runId);
    for (let i = 0; i < recorded.length; i++) {
      const diff = compareRow(table, i, recorded[i], derived[i]);
      if (diff.length > 0) {
        const d = diff[0]!;
        throw new Error(
          `journal replay disagrees with the recorded ${table} row ${d.row} (${d.key}): ${d.field} recorded ${String(d.recorded)}, ` +
            `derived ${String(d.derived)}; nothing was changed — compare with \`bun run replay\``,
        );
      }
    }
    const tail = derived.slice(recorded.length);
    appended[table] = tail.length;
    if (tail.length > 0) inserts.push({ table, rows: tail });
  }
  recordedDb.$client.transaction(() => {
    for (const { table, rows } of inserts) {
      const columns = Object.keys(rows[0]!);
      const statement = recordedDb.$client.prepare(
        `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      for (const row of rows) statement.run(...columns.map((c) => row[c] ?? null));
    }
  })();
  return { appended };
}
