// Appends pipeline messages to a run's tables: buffered, then written in one transaction per batch through
// prepared inserts (sql.placeholder), so a crash loses at most the unflushed batch.
import { and, asc, count, eq, gt, sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { MessageType, PipelineMessage } from '../actors/messages.ts';
import type { Db } from './client.ts';
import {
  alerts,
  equitySnapshots,
  fills,
  orders,
  orderUpdates,
  positions,
  riskDecisions,
  riskEvents,
  signals,
  stateTransitions,
} from './schema.ts';

export type Row = Record<string, string | number | boolean | null>;

export const EVENT_TABLES = {
  Signal: signals,
  RiskDecision: riskDecisions,
  Order: orders,
  OrderUpdate: orderUpdates,
  Fill: fills,
  PositionUpdate: positions,
  EquitySnapshot: equitySnapshots,
  RiskEvent: riskEvents,
  StateTransition: stateTransitions,
  AlertRaised: alerts,
} as const;

export type RecordedType = keyof typeof EVENT_TABLES;

function prepareInsert(db: Db, table: SQLiteTable, columns: readonly string[]): (row: Row) => void {
  const values = Object.fromEntries(columns.map((c) => [c, sql.placeholder(c)]));
  // The table is chosen at runtime from EVENT_TABLES, so the typed builder cannot see its columns here.
  const statement = db.insert(table).values(values as never).prepare();
  return (row) => {
    statement.run(row);
  };
}

function toRow(runId: string, m: PipelineMessage): Row | undefined {
  switch (m.type) {
    case 'Signal':
      return {
        runId, id: m.id, ts: m.ts, strategy: m.strategy, symbol: m.symbol, action: m.action,
        confidence: m.confidence, price: m.price, stopLoss: m.stopLoss ?? null, takeProfit: m.takeProfit ?? null,
        reason: m.reason,
      };
    case 'RiskDecision':
      return m.approved
        ? {
            runId, signalId: m.signalId, ts: m.ts, symbol: m.symbol, approved: true, qty: m.qty,
            limitedBy: m.limitedBy ?? null, layer: null, rule: null, reason: null,
          }
        : {
            runId, signalId: m.signalId, ts: m.ts, symbol: m.symbol, approved: false, qty: null,
            limitedBy: null, layer: m.layer, rule: m.rule, reason: m.reason,
          };
    case 'Order':
      return {
        runId, clientOrderId: m.clientOrderId, signalId: m.signalId, ts: m.ts, symbol: m.symbol, side: m.side,
        orderType: m.orderType, qty: m.qty, price: m.price ?? null, referencePrice: m.referencePrice,
        purpose: m.purpose, reduceOnly: m.reduceOnly, stopLoss: m.stopLoss ?? null,
        takeProfit: m.takeProfit ?? null, parentId: m.parentId ?? null,
      };
    case 'OrderUpdate':
      return {
        runId, clientOrderId: m.clientOrderId, ts: m.ts, symbol: m.symbol, status: m.status,
        reason: m.reason ?? null,
      };
    case 'Fill':
      return {
        runId, fillId: m.fillId, clientOrderId: m.clientOrderId, ts: m.ts, symbol: m.symbol, side: m.side,
        qty: m.qty, price: m.price, fee: m.fee, slippage: m.slippage, purpose: m.purpose,
      };
    case 'PositionUpdate':
    case 'PositionMark':
      return {
        runId, ts: m.ts, symbol: m.symbol, qty: m.qty, avgPrice: m.avgPrice, lastPrice: m.lastPrice,
        realizedPnl: m.realizedPnl, unrealizedPnl: m.unrealizedPnl,
        source: m.type === 'PositionMark' ? 'mark' : 'fill',
      };
    case 'EquitySnapshot':
      return {
        runId, ts: m.ts, cash: m.cash, positionsValue: m.positionsValue, equity: m.equity,
        grossExposure: m.grossExposure, realizedPnl: m.realizedPnl, unrealizedPnl: m.unrealizedPnl, fees: m.fees,
      };
    case 'RiskEvent':
      return { runId, ts: m.ts, kind: m.kind, level: m.level, state: m.state, reason: m.reason };
    case 'StateTransition':
      return { runId, ts: m.ts, actor: m.actor, fromState: m.from, toState: m.to, event: m.event };
    case 'AlertRaised': {
      const a = m.alert;
      return { runId, key: a.key, level: a.level, title: a.title, body: a.body, barTs: a.barTs, wallTs: a.wallTs };
    }
    default:
      return undefined;
  }
}

export interface EventWriter {
  append(message: PipelineMessage): void;
  /** False for a message type this writer drops unread; the router then does not deliver it to the recorder. */
  records?(type: MessageType): boolean;
  /** Writes everything buffered in one transaction. */
  flush(): void;
  readonly buffered: number;
  readonly written: number;
}

/** One batch of rows per event table, in the order they were appended. */
export type RowBatch = Map<RecordedType, Row[]>;

const COLUMNS = new Map(
  Object.entries(EVENT_TABLES).map(([type, table]) => [type as RecordedType, Object.keys(table).filter((c) => c !== 'seq')]),
);

export function eventColumns(type: RecordedType): readonly string[] {
  return COLUMNS.get(type)!;
}

/** Where the batcher puts rows: lists per table (written on this thread) or a packer (another thread). */
export interface BatchBuilder {
  push(type: RecordedType, row: Row): void;
}

export function newRowBatch(): RowBatch {
  return new Map(Object.keys(EVENT_TABLES).map((type) => [type as RecordedType, [] as Row[]]));
}

class RowLists implements BatchBuilder {
  readonly rows = newRowBatch();
  push(type: RecordedType, row: Row): void {
    this.rows.get(type)!.push(row);
  }
}

/** Prepared inserts per event table; `write` stores one batch in one transaction. */
export function createBatchInserter(db: Db): (batch: RowBatch) => void {
  const inserts = new Map<string, (row: Row) => void>();
  for (const [type, table] of Object.entries(EVENT_TABLES)) {
    inserts.set(type, prepareInsert(db, table, eventColumns(type as RecordedType)));
  }
  return (batch) => {
    db.$client.transaction(() => {
      for (const [type, rows] of batch) {
        const run = inserts.get(type)!;
        for (const row of rows) run(row);
      }
    })();
  };
}

/**
 * Turns messages into rows and hands them over in batches of `batchSize` (and on flush). Equity snapshots are
 * coalesced per timestamp (several symbols closing at the same moment produce one point: the last, complete
 * one). `write` receives each full batch; the batcher then starts a fresh one from `newBatch`. With `only`, messages of
 * other types are not turned into rows at all (a sweep combination keeps only equity points and fills).
 */
export function createEventBatcher<B extends BatchBuilder>(
  runId: string,
  batchSize: number,
  newBatch: () => B,
  write: (batch: B, rows: number) => void,
  only?: ReadonlySet<RecordedType>,
): EventWriter {
  let batch = newBatch();
  let pendingEquity: PipelineMessage | undefined;
  // Marks arrive on every bar of an open position; only the latest per symbol is worth a row, written with
  // each batch. A fill supersedes a pending mark so the newest row of a symbol is never an older state.
  const pendingMarks = new Map<string, PipelineMessage>();
  let buffered = 0;
  let written = 0;

  const push = (type: RecordedType, row: Row) => {
    batch.push(type, row);
    buffered++;
    if (buffered >= batchSize) writeBatch();
  };

  const writeBatch = () => {
    for (const mark of pendingMarks.values()) {
      batch.push('PositionUpdate', toRow(runId, mark)!);
      buffered++;
    }
    pendingMarks.clear();
    if (buffered === 0) return;
    const full = batch;
    const rows = buffered;
    batch = newBatch();
    buffered = 0;
    write(full, rows);
    written += rows;
  };

  const records = (type: MessageType) => only === undefined || only.has((type === 'PositionMark' ? 'PositionUpdate' : type) as RecordedType);
  return {
    records,
    append(message) {
      if (!records(message.type)) return;
      if (message.type === 'EquitySnapshot') {
        // Only the last snapshot of each timestamp becomes a row; convert it only then.
        if (pendingEquity !== undefined && pendingEquity.ts !== message.ts) {
          push('EquitySnapshot', toRow(runId, pendingEquity)!);
        }
        pendingEquity = message;
        return;
      }
      if (message.type === 'PositionMark') {
        pendingMarks.set(message.symbol, message);
        return;
      }
      if (message.type === 'PositionUpdate') pendingMarks.delete(message.symbol);
      const row = toRow(runId, message);
      if (row !== undefined) push(message.type as RecordedType, row);
    },
    flush() {
      if (pendingEquity !== undefined) {
        batch.push('EquitySnapshot', toRow(runId, pendingEquity)!);
        buffered++;
        pendingEquity = undefined;
      }
      writeBatch();
    },
    get buffered() {
      return buffered;
    },
    get written() {
      return written;
    },
  };
}

/** Writes on the calling thread, one transaction per batch: paper and live flush after every input. */
export function createEventWriter(db: Db, runId: string, batchSize = 20_000): EventWriter {
  const insert = createBatchInserter(db);
  return createEventBatcher(runId, batchSize, () => new RowLists(), (batch) => insert(batch.rows));
}

/** The number of equity points a run recorded. */
export function countEquity(db: Db, runId: string): number {
  return db.select({ n: count() }).from(equitySnapshots).where(eq(equitySnapshots.runId, runId)).get()?.n ?? 0;
}

/** A run's equity points in recorded order, read `chunkSize` rows at a time (for curves too long to hold). */
export function* streamEquity(db: Db, runId: string, chunkSize = 2048): Generator<{ ts: number; equity: number; grossExposure: number }> {
  let after = 0;
  for (;;) {
    const chunk = db
      .select({ seq: equitySnapshots.seq, ts: equitySnapshots.ts, equity: equitySnapshots.equity, grossExposure: equitySnapshots.grossExposure })
      .from(equitySnapshots)
      // `+run_id`: walk the primary key; the (run_id, ts) index would sort the whole run for every chunk.
      .where(and(sql`+${equitySnapshots.runId} = ${runId}`, gt(equitySnapshots.seq, after)))
      .orderBy(asc(equitySnapshots.seq))
      .limit(chunkSize)
      .all();
    for (const { seq: _seq, ...point } of chunk) yield point;
    if (chunk.length < chunkSize) return;
    after = chunk[chunk.length - 1]!.seq;
  }
}
