// Synthetic run databases for the dashboard bench and tests: rows written through raw prepared inserts in
// one transaction (a million events in about three seconds), shaped like what the recorder writes.
import { closeDb, openDb, type Db } from '../db/client.ts';
import { runs } from '../db/schema.ts';

const MINUTE = 60_000;
export const T0 = Date.UTC(2024, 0, 1);

export interface RunSpec {
  id: string;
  mode?: 'backtest' | 'paper' | 'live';
  status?: 'running' | 'finished' | 'failed';
  symbols?: string[];
  capital?: number;
  summary?: Record<string, unknown> | null;
}

export function insertRun(db: Db, spec: RunSpec): void {
  db.insert(runs)
    .values({
      id: spec.id,
      mode: spec.mode ?? 'paper',
      strategy: 'mean_reversion',
      symbols: spec.symbols ?? ['BTC/USD'],
      timeframe: '1m',
      startingCapital: spec.capital ?? 100_000,
      status: spec.status ?? 'running',
      startedAt: T0,
      config: { markets: { 'BTC/USD': { kind: 'crypto' } } },
      summary: spec.summary ?? null,
    })
    .run();
}

type Value = string | number | null;

/** Inserts rows by column name through cached prepared statements (the recorder's own path is batched too). */
export function rowWriter(db: Db) {
  const cache = new Map<string, ReturnType<Db['$client']['prepare']>>();
  return (table: string, row: Record<string, Value>) => {
    const columns = Object.keys(row);
    const key = `${table}:${columns.join(',')}`;
    let statement = cache.get(key);
    if (statement === undefined) {
      statement = db.$client.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      cache.set(key, statement);
    }
    statement.run(...columns.map((c) => row[c]!));
  };
}

export function equityRow(runId: string, ts: number, equity: number, extra: Partial<Record<string, number>> = {}) {
  return {
    run_id: runId, ts, cash: equity * 0.6, positions_value: equity * 0.4, equity, gross_exposure: equity * 0.4,
    realized_pnl: extra.realized ?? 0, unrealized_pnl: extra.unrealized ?? 0, fees: extra.fees ?? 0,
  };
}

export function fillRow(runId: string, i: number, ts: number, symbol = 'BTC/USD', side: 'buy' | 'sell' = 'buy') {
  return {
    run_id: runId, fill_id: `fill-${i}`, client_order_id: `ord-${i}`, ts, symbol, side, qty: 0.5, price: 40_000 + i,
    fee: 2, slippage: 1, purpose: side === 'buy' ? 'entry' : 'exit',
  };
}

export const LARGE_RUN_ID = 'large-run';

export const LARGE_RUN_COUNTS = {
  equity_snapshots: 600_000,
  signals: 80_000,
  risk_decisions: 80_000,
  orders: 50_000,
  order_updates: 100_000,
  fills: 40_000,
  positions: 40_000,
  risk_events: 1_000,
  state_transitions: 9_000,
} as const;

/** A run with 1,000,000 events across the event tables (one per minute of equity, the rest interleaved). */
export function buildLargeRun(path: string, runId = LARGE_RUN_ID): number {
  const db = openDb(path);
  insertRun(db, { id: runId, symbols: ['BTC/USD', 'ETH/USD', 'NVDA', 'ORCL'] });
  const write = rowWriter(db);
  const symbols = ['BTC/USD', 'ETH/USD', 'NVDA', 'ORCL'];
  const c = LARGE_RUN_COUNTS;
  // A deterministic walk (LCG), so every build is the same DB.
  let seed = 42;
  const random = () => ((seed = (seed * 1_664_525 + 1_013_904_223) >>> 0) / 2 ** 32);
  let total = 0;
  db.$client.transaction(() => {
    let equity = 100_000;
    const n = c.equity_snapshots;
    // Row i of equity carries the k-th row of a table whose count is spread evenly over the equity rows.
    const due = (i: number, count: number) => Math.floor(((i + 1) * count) / n) > Math.floor((i * count) / n);
    const kth = (i: number, count: number) => Math.floor((i * count) / n);
    for (let i = 0; i < c.equity_snapshots; i++) {
      const ts = T0 + i * MINUTE;
      equity *= 1 + (random() - 0.5) * 0.002;
      write('equity_snapshots', equityRow(runId, ts, equity));
      const symbol = symbols[i % symbols.length]!;
      if (due(i, c.signals)) {
        const k = kth(i, c.signals);
        write('signals', {
          run_id: runId, id: `sig-${k}`, ts, strategy: 'mean_reversion', symbol, action: 'BUY', confidence: 1,
          price: 100 + random(), stop_loss: 90, take_profit: null, reason: 'z-score below -2',
        });
        const approved = k % 3 !== 0;
        write('risk_decisions', {
          run_id: runId, signal_id: `sig-${k}`, ts, symbol, approved: approved ? 1 : 0, qty: approved ? 1 : null,
          limited_by: null, layer: approved ? null : 'symbol', rule: approved ? null : 'symbol.max_pct',
          reason: approved ? null : 'symbol exposure would exceed 15%',
        });
        total += 2;
      }
      if (due(i, c.orders)) {
        const k = kth(i, c.orders);
        write('orders', {
          run_id: runId, client_order_id: `ord-${k}`, signal_id: `sig-${k}`, ts, symbol, side: 'buy', order_type: 'market',
          qty: 1, price: null, reference_price: 100, purpose: 'entry', reduce_only: 0, stop_loss: 90, take_profit: null, parent_id: null,
        });
        write('order_updates', { run_id: runId, client_order_id: `ord-${k}`, ts, symbol, status: 'accepted', reason: null });
        write('order_updates', { run_id: runId, client_order_id: `ord-${k}`, ts: ts + MINUTE, symbol, status: 'filled', reason: null });
        total += 3;
      }
      if (due(i, c.fills)) {
        const k = kth(i, c.fills);
        write('fills', fillRow(runId, k, ts + MINUTE, symbol, k % 2 === 0 ? 'buy' : 'sell'));
        write('positions', {
          run_id: runId, ts: ts + MINUTE, symbol, qty: k % 2 === 0 ? 0.5 : 0, avg_price: 40_000, last_price: 40_000 + k,
          realized_pnl: k, unrealized_pnl: 0,
        });
        total += 2;
      }
      if (due(i, c.risk_events)) {
        const k = kth(i, c.risk_events);
        write('risk_events', {
          run_id: runId, ts, kind: k % 2 === 0 ? 'breaker_tripped' : 'breaker_lifted', level: k % 2 === 0 ? 'warning' : 'info',
          state: k % 2 === 0 ? 'halted.dailyLoss' : 'trading', reason: 'daily loss limit',
        });
        write('state_transitions', {
          run_id: runId, ts, actor: 'circuitBreaker', from_state: k % 2 === 0 ? 'trading' : 'halted.dailyLoss',
          to_state: k % 2 === 0 ? 'halted.dailyLoss' : 'trading', event: k % 2 === 0 ? 'breaker_tripped' : 'breaker_lifted',
        });
        total += 2;
      }
      if (due(i, c.state_transitions - c.risk_events)) {
        const k = kth(i, c.state_transitions - c.risk_events);
        write('state_transitions', {
          run_id: runId, ts, actor: `order:ord-${k}`, from_state: 'submitted', to_state: 'working', event: 'ACCEPT',
        });
        total += 1;
      }
      total += 1;
    }
  })();
  closeDb(db);
  return total;
}
