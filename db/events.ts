// Appends pipeline messages to a run's tables: buffered, then written in one transaction per batch through
// prepared inserts (sql.placeholder), so a crash loses at most the unflushed batch.
import { sql } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { PipelineMessage } from '../actors/messages.ts';
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

type Row = Record<string, string | number | boolean | null>;

interface Sink {
  rows: Row[];
  run: (row: Row) => void;
}

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
  /** Writes everything buffered in one transaction. */
  flush(): void;
  readonly buffered: number;
  readonly written: number;
}

/**
 * Equity snapshots are coalesced per timestamp (several symbols closing at the same moment produce one
 * point: the last, complete one).
 */
export function createEventWriter(db: Db, runId: string, batchSize = 20_000): EventWriter {
  const sinks = new Map<string, Sink>();
  for (const [type, table] of Object.entries(EVENT_TABLES)) {
    const columns = Object.keys(table).filter((c) => c !== 'seq');
    sinks.set(type, { rows: [], run: prepareInsert(db, table, columns) });
  }
  let pendingEquity: PipelineMessage | undefined;
  // Marks arrive on every bar of an open position; only the latest per symbol is worth a row, written with
  // each batch. A fill supersedes a pending mark so the newest row of a symbol is never an older state.
  const pendingMarks = new Map<string, PipelineMessage>();
  let buffered = 0;
  let written = 0;

  const push = (type: string, row: Row) => {
    sinks.get(type)!.rows.push(row);
    buffered++;
    if (buffered >= batchSize) writeBatch();
  };

  const writeBatch = () => {
    for (const mark of pendingMarks.values()) {
      sinks.get('PositionUpdate')!.rows.push(toRow(runId, mark)!);
      buffered++;
    }
    pendingMarks.clear();
    if (buffered === 0) return;
    db.$client.transaction(() => {
      for (const sink of sinks.values()) {
        for (const row of sink.rows) sink.run(row);
        sink.rows.length = 0;
      }
    })();
    written += buffered;
    buffered = 0;
  };

  const writer: EventWriter = {
    append(message) {
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
      if (row !== undefined) push(message.type, row);
    },
    flush() {
      if (pendingEquity !== undefined) {
        sinks.get('EquitySnapshot')!.rows.push(toRow(runId, pendingEquity)!);
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
  return writer;
}
