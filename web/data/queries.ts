// Read queries behind the dashboard panels. Every one walks the (run_id, ts) index backwards or a rowid
// range, so its cost does not grow with the size of the run: "latest N" never sorts the whole table.
import type { EquitySnapshot } from '../../actors/messages.ts';
import type { Db } from '../../db/client.ts';

/** An equity_snapshots row: the message as written, plus its rowid. */
export type EquityRow = Omit<EquitySnapshot, 'type'> & { seq: number };

export interface PositionRow {
  seq: number;
  ts: number;
  symbol: string;
  qty: number;
  avgPrice: number;
  lastPrice: number;
  realizedPnl: number;
  unrealizedPnl: number;
}

export interface SignalRow {
  seq: number;
  id: string;
  ts: number;
  symbol: string;
  action: string;
  confidence: number;
  price: number;
  stopLoss: number | null;
  takeProfit: number | null;
  reason: string;
}

export interface DecisionRow {
  signalId: string;
  approved: number;
  qty: number | null;
  limitedBy: string | null;
  layer: string | null;
  rule: string | null;
  reason: string | null;
}

export interface SignalWithDecision extends SignalRow {
  decision: DecisionRow | undefined;
}

export interface OrderRow {
  seq: number;
  clientOrderId: string;
  ts: number;
  symbol: string;
  side: string;
  orderType: string;
  qty: number;
  price: number | null;
  purpose: string;
}

export interface OrderWithStatus extends OrderRow {
  status: string;
  statusReason: string | null;
}

export interface FillRow {
  seq: number;
  fillId: string;
  clientOrderId: string;
  ts: number;
  symbol: string;
  side: string;
  qty: number;
  price: number;
  fee: number;
  slippage: number;
  purpose: string;
}

export interface RiskEventRow {
  seq: number;
  ts: number;
  kind: string;
  level: string;
  state: string;
  reason: string;
}

type Param = string | number;

function all<T>(db: Db, sql: string, ...params: Param[]): T[] {
  return db.$client.query<T, Param[]>(sql).all(...params);
}

function one<T>(db: Db, sql: string, ...params: Param[]): T | undefined {
  return db.$client.query<T, Param[]>(sql).get(...params) ?? undefined;
}

const EQUITY_COLUMNS = `seq, ts, cash, positions_value AS positionsValue, equity, gross_exposure AS grossExposure,
  realized_pnl AS realizedPnl, unrealized_pnl AS unrealizedPnl, fees`;

export function latestEquity(db: Db, runId: string): EquityRow | undefined {
  return one(db, `SELECT ${EQUITY_COLUMNS} FROM equity_snapshots WHERE run_id = ? ORDER BY ts DESC, seq DESC LIMIT 1`, runId);
}

/** The last snapshot strictly before `ts` (the close of the previous day, for daily P&L). */
export function equityBefore(db: Db, runId: string, ts: number): EquityRow | undefined {
  return one(
    db,
    `SELECT ${EQUITY_COLUMNS} FROM equity_snapshots WHERE run_id = ? AND ts < ? ORDER BY ts DESC, seq DESC LIMIT 1`,
    runId,
    ts,
  );
}

export function firstEquity(db: Db, runId: string): EquityRow | undefined {
  return one(db, `SELECT ${EQUITY_COLUMNS} FROM equity_snapshots WHERE run_id = ? ORDER BY ts, seq LIMIT 1`, runId);
}

/** The latest position row of each symbol (open or flat). */
export function latestPositions(db: Db, runId: string, symbols: readonly string[]): PositionRow[] {
  const rows: PositionRow[] = [];
  for (const symbol of symbols) {
    const row = one<PositionRow>(
      db,
      `SELECT seq, ts, symbol, qty, avg_price AS avgPrice, last_price AS lastPrice, realized_pnl AS realizedPnl,
         unrealized_pnl AS unrealizedPnl
       FROM positions WHERE run_id = ? AND symbol = ? ORDER BY ts DESC, seq DESC LIMIT 1`,
      runId,
      symbol,
    );
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

// Decisions and statuses follow their signal or order in time, so the ones for the latest N rows sit in the
// index range from the oldest of those rows on; the cap bounds the work if an old order keeps changing.
const FOLLOW_UP_CAP = 5000;

export function recentSignals(db: Db, runId: string, limit: number): SignalWithDecision[] {
  const signals = all<SignalRow>(
    db,
    `SELECT seq, id, ts, symbol, action, confidence, price, stop_loss AS stopLoss, take_profit AS takeProfit, reason
     FROM signals WHERE run_id = ? ORDER BY ts DESC, seq DESC LIMIT ?`,
    runId,
    limit,
  );
  if (signals.length === 0) return [];
  const since = signals[signals.length - 1]!.ts;
  const decisions = new Map<string, DecisionRow>();
  for (const d of all<DecisionRow>(
    db,
    `SELECT signal_id AS signalId, approved, qty, limited_by AS limitedBy, layer, rule, reason
     FROM risk_decisions WHERE run_id = ? AND ts >= ? ORDER BY ts, seq LIMIT ?`,
    runId,
    since,
    FOLLOW_UP_CAP,
  )) {
    decisions.set(d.signalId, d);
  }
  return signals.map((s) => ({ ...s, decision: decisions.get(s.id) }));
}

export function recentOrders(db: Db, runId: string, limit: number): OrderWithStatus[] {
  const orders = all<OrderRow>(
    db,
    `SELECT seq, client_order_id AS clientOrderId, ts, symbol, side, order_type AS orderType, qty, price, purpose
     FROM orders WHERE run_id = ? ORDER BY ts DESC, seq DESC LIMIT ?`,
    runId,
    limit,
  );
  if (orders.length === 0) return [];
  const since = orders[orders.length - 1]!.ts;
  const statuses = new Map<string, { status: string; reason: string | null }>();
  for (const u of all<{ clientOrderId: string; status: string; reason: string | null }>(
    db,
    `SELECT client_order_id AS clientOrderId, status, reason FROM order_updates
     WHERE run_id = ? AND ts >= ? ORDER BY ts, seq LIMIT ?`,
    runId,
    since,
    FOLLOW_UP_CAP,
  )) {
    statuses.set(u.clientOrderId, { status: u.status, reason: u.reason });
  }
  return orders.map((o) => {
    const s = statuses.get(o.clientOrderId);
    return { ...o, status: s?.status ?? 'submitted', statusReason: s?.reason ?? null };
  });
}

export function recentFills(db: Db, runId: string, limit: number): FillRow[] {
  return all<FillRow>(
    db,
    `SELECT seq, fill_id AS fillId, client_order_id AS clientOrderId, ts, symbol, side, qty, price, fee, slippage, purpose
     FROM fills WHERE run_id = ? ORDER BY ts DESC, seq DESC LIMIT ?`,
    runId,
    limit,
  );
}

export function recentRiskEvents(db: Db, runId: string, limit: number): RiskEventRow[] {
  return all<RiskEventRow>(
    db,
    `SELECT seq, ts, kind, level, state, reason FROM risk_events WHERE run_id = ? ORDER BY ts DESC, seq DESC LIMIT ?`,
    runId,
    limit,
  );
}

export function lastTrip(db: Db, runId: string): RiskEventRow | undefined {
  return one(
    db,
    `SELECT seq, ts, kind, level, state, reason FROM risk_events WHERE run_id = ? AND kind = 'breaker_tripped'
     ORDER BY ts DESC, seq DESC LIMIT 1`,
    runId,
  );
}

/** Whether the DB has this table: run DBs written before a migration (opened read-only) lack its tables. */
export function hasTable(db: Db, table: string): boolean {
  return one(db, `SELECT 1 AS x FROM sqlite_master WHERE type = 'table' AND name = ?`, table) !== undefined;
}

/** Tables whose rows the live stream watches, keyed by what they refresh. */
export const EVENT_TABLES = [
  'alerts',
  'equity_snapshots',
  'positions',
  'signals',
  'risk_decisions',
  'orders',
  'order_updates',
  'fills',
  'risk_events',
  'state_transitions',
  'operator_commands',
  'journal',
] as const;

export type EventTable = (typeof EVENT_TABLES)[number];

/** Highest rowid of each watched table: O(1) per table (the rowid B-tree's last entry). */
export function maxSeqs(db: Db): Record<EventTable, number> {
  const result = {} as Record<EventTable, number>;
  for (const table of EVENT_TABLES) {
    // `alerts` is missing from run DBs older than the alerts migration.
    if (table === 'alerts' && !hasTable(db, table)) {
      result[table] = 0;
      continue;
    }
    result[table] = one<{ m: number | null }>(db, `SELECT max(rowid) AS m FROM ${table}`)?.m ?? 0;
  }
  return result;
}

/** Whether the run has rows in `table` after rowid `after` (a rowid range scan; `+run_id` keeps it one). */
export function hasRowsAfter(db: Db, table: EventTable, runId: string, after: number): boolean {
  return one(db, `SELECT 1 AS x FROM ${table} WHERE rowid > ? AND +run_id = ? LIMIT 1`, after, runId) !== undefined;
}

/** Changes whenever another connection commits to the file (SQLite's own cheap change counter). */
export function dataVersion(db: Db): number {
  return one<{ data_version: number }>(db, 'PRAGMA data_version')?.data_version ?? 0;
}

/** An operator command (kill switch, resume, reset) and, once the session took it, when it did. */
export interface CommandRow {
  id: number;
  kind: string;
  flatten: number;
  reason: string;
  issuedAt: number;
  journalSeq: number | null;
  /** Wall time the session journaled it; null while it waits. */
  takenAt: number | null;
}

export function recentCommands(db: Db, runId: string, limit: number): CommandRow[] {
  return all<CommandRow>(
    db,
    `SELECT c.id, c.kind, c.flatten, c.reason, c.issued_at AS issuedAt, c.journal_seq AS journalSeq, j.wall_ts AS takenAt
     FROM operator_commands c LEFT JOIN journal j ON j.seq = c.journal_seq
     WHERE c.run_id = ? ORDER BY c.id DESC LIMIT ?`,
    runId,
    limit,
  );
}
