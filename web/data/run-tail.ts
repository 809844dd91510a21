// In-memory tails of a run's long histories (equity curve, fills, state transitions), read once and then
// extended by rowid range (`seq > last`), so a panel never rescans a million rows to show one new point.
import type { Db } from '../../db/client.ts';
import type { EquityPoint } from '../../machines/metrics/performance.ts';
import type { FillRow } from './queries.ts';

export interface EquityTail {
  lastSeq: number;
  seqs: number[];
  /** Seconds since epoch (uPlot's time unit). */
  x: number[];
  equity: number[];
  drawdown: number[];
  points: EquityPoint[];
  peak: number;
}

export interface TransitionLog {
  lastSeq: number;
  seqs: number[];
  ts: number[];
  actors: string[];
  from: string[];
  to: string[];
  events: string[];
  /** Indexes into the arrays above, per actor, in order. */
  byActor: Map<string, number[]>;
}

export interface FillTail {
  lastSeq: number;
  fills: FillRow[];
}

type Row<T> = T & { seq: number };

function tailRows<T>(db: Db, sql: string, runId: string, after: number): Row<T>[] {
  // `+run_id` stops SQLite from preferring the (run_id, ts) index: the rowid range is the cheap path here.
  return db.$client.query<Row<T>, [number, string]>(sql).all(after, runId);
}

export function newEquityTail(): EquityTail {
  return { lastSeq: 0, seqs: [], x: [], equity: [], drawdown: [], points: [], peak: Number.NEGATIVE_INFINITY };
}

/** Appends the run's equity rows written since the last call; returns how many arrived. */
export function extendEquity(db: Db, runId: string, tail: EquityTail): number {
  const rows = tailRows<{ ts: number; equity: number; grossExposure: number }>(
    db,
    `SELECT seq, ts, equity, gross_exposure AS grossExposure FROM equity_snapshots
     WHERE seq > ? AND +run_id = ? ORDER BY seq`,
    runId,
    tail.lastSeq,
  );
  for (const row of rows) {
    tail.peak = Math.max(tail.peak, row.equity);
    tail.seqs.push(row.seq);
    tail.x.push(row.ts / 1000);
    tail.equity.push(row.equity);
    tail.drawdown.push(tail.peak > 0 ? row.equity / tail.peak - 1 : 0);
    tail.points.push({ ts: row.ts, equity: row.equity, grossExposure: row.grossExposure });
  }
  if (rows.length > 0) tail.lastSeq = rows[rows.length - 1]!.seq;
  return rows.length;
}

/** Index of the first point with seq > `seq` (binary search: seqs only grow). */
export function equityIndexAfter(tail: EquityTail, seq: number): number {
  let lo = 0;
  let hi = tail.seqs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tail.seqs[mid]! <= seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function newFillTail(): FillTail {
  return { lastSeq: 0, fills: [] };
}

export function extendFills(db: Db, runId: string, tail: FillTail): number {
  const rows = tailRows<Omit<FillRow, 'seq'>>(
    db,
    `SELECT seq, fill_id AS fillId, client_order_id AS clientOrderId, ts, symbol, side, qty, price, fee, slippage, purpose
     FROM fills WHERE seq > ? AND +run_id = ? ORDER BY seq`,
    runId,
    tail.lastSeq,
  );
  for (const row of rows) tail.fills.push(row);
  if (rows.length > 0) tail.lastSeq = rows[rows.length - 1]!.seq;
  return rows.length;
}

export function newTransitionLog(): TransitionLog {
  return { lastSeq: 0, seqs: [], ts: [], actors: [], from: [], to: [], events: [], byActor: new Map() };
}

export function extendTransitions(db: Db, runId: string, log: TransitionLog): number {
  const rows = tailRows<{ ts: number; actor: string; fromState: string; toState: string; event: string }>(
    db,
    `SELECT seq, ts, actor, from_state AS fromState, to_state AS toState, event FROM state_transitions
     WHERE seq > ? AND +run_id = ? ORDER BY seq`,
    runId,
    log.lastSeq,
  );
  for (const row of rows) {
    const index = log.seqs.length;
    log.seqs.push(row.seq);
    log.ts.push(row.ts);
    log.actors.push(row.actor);
    log.from.push(row.fromState);
    log.to.push(row.toState);
    log.events.push(row.event);
    let list = log.byActor.get(row.actor);
    if (list === undefined) log.byActor.set(row.actor, (list = []));
    list.push(index);
  }
  if (rows.length > 0) log.lastSeq = rows[rows.length - 1]!.seq;
  return rows.length;
}

/** How many of `indexes` (ascending) are < `step`: the actor's transitions that happened by that step. */
export function countBefore(indexes: readonly number[], step: number): number {
  let lo = 0;
  let hi = indexes.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (indexes[mid]! < step) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface RunTails {
  equity: EquityTail;
  fills: FillTail;
  transitions: TransitionLog;
}

/** One set of tails per (database file, run), dropped when the catalog closes the file. */
export class TailCache {
  private readonly tails = new Map<string, RunTails>();

  private key(path: string, runId: string): string {
    return `${path}\u0000${runId}`;
  }

  get(path: string, runId: string): RunTails {
    const key = this.key(path, runId);
    let tails = this.tails.get(key);
    if (tails === undefined) {
      tails = { equity: newEquityTail(), fills: newFillTail(), transitions: newTransitionLog() };
      this.tails.set(key, tails);
    }
    return tails;
  }

  dropFile(path: string): void {
    for (const key of this.tails.keys()) if (key.startsWith(`${path}\u0000`)) this.tails.delete(key);
  }
}
